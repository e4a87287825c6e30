/** `globalavgpool`: the mean of each channel, CxHxW → C. */
import { numel } from "../shape.js";
import { requireImage } from "./window-layer.js";
import { defineLayer } from "./types.js";

export const globalavgpool = defineLayer<object>({
  kind: "globalavgpool",
  usage: "globalavgpool",
  doc: "Global average pooling: the mean of each channel, CxHxW → C.",
  read(r) {
    r.end();
    return r.failed ? undefined : {};
  },
  infer: (_a, input, ctx) => (requireImage("globalavgpool", input, ctx) ? [input[0]!] : undefined),
  flops: (_a, input) => numel(input),
});
