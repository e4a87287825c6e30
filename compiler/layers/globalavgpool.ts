/** `globalavgpool`: the mean of each channel, CxHxW → C. */
import { numel } from "../shape.js";
import { requireImage } from "./window-layer.js";
import { defineLayer, lit } from "./types.js";
import { int } from "./onnx.js";
import { torchModule } from "./pytorch.js";

export const globalavgpool = defineLayer<object>({
  kind: "globalavgpool",
  doc: "Global average pooling: the mean of each channel, CxHxW → C.",
  read(r) {
    r.end();
    return r.failed ? undefined : {};
  },
  infer: (_a, input, ctx) => (requireImage("globalavgpool", input, ctx) ? [input[0]!] : undefined),
  flops: (_a, input) => numel(input),
  emit: {
    backwardReads: [],
    forward: (_a, e) => [`k.globalAvgPoolForward(${e.x}, ${e.y}, ${e.n}, ${lit(e.input[0]!)}, ${lit(e.input[1]! * e.input[2]!)});`],
    backward: (_a, e) => [`k.globalAvgPoolBackward(${e.dy}, ${e.dx}, ${e.n}, ${lit(e.input[0]!)}, ${lit(e.input[1]! * e.input[2]!)});`],
  },
  // GlobalAveragePool gives [N, C, 1, 1]; nnspec's output is the vector [N, C].
  onnx(_a, c) {
    const pooled = c.op("GlobalAveragePool", [c.x]);
    c.op("Flatten", [pooled], [int("axis", 1)], "flatten");
  },
  // The mean over H and W, [N, C, H, W] → [N, C].
  pytorch: () => ({ module: "GlobalAvgPool()", uses: ["GlobalAvgPool"] }),
});
