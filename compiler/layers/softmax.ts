/** `softmax`: e^x / Σe^x over a vector. */
import { formatShape } from "../shape.js";
import { elementwise } from "./elementwise.js";
import { defineLayer, lit } from "./types.js";
import { int } from "./onnx.js";
import { torchModule } from "./pytorch.js";
import { addFlatten } from "./layer-fixes.js";

const base = elementwise("softmax", "Softmax over the features of a vector: e^xᵢ / Σⱼ e^xⱼ.", {
  flopsPerElement: 3,
  emit: {
    backwardReads: ["y"],
    forward: (_a, e) => [`rt.softmaxForward(${e.x}, ${e.y}, ${e.n}, ${lit(e.outSize)});`],
    backward: (_a, e) => [`rt.softmaxBackward(${e.y}, ${e.dy}, ${e.dx}, ${e.n}, ${lit(e.outSize)});`],
  },
  onnx(_a, c) {
    c.op("Softmax", [c.x], [int("axis", 1)]);
  },
  pytorch: torchModule("nn.Softmax(dim=1)"),
});

export const softmax = defineLayer({
  ...base,
  infer(_a, input, ctx) {
    if (input.length === 1) return input;
    ctx.report("NN3003", { layer: "softmax", shape: formatShape(input), size: input.reduce((x, y) => x * y, 1) }, ctx.kindSpan, { suggestions: [addFlatten(ctx)] });
    return undefined;
  },
});
