/** `batchnorm`: per-channel (images) or per-feature (vectors) batch normalisation with learned γ, β. */
import { numel } from "../shape.js";
import { defineLayer } from "./types.js";

export const batchnorm = defineLayer<object>({
  kind: "batchnorm",
  usage: "batchnorm",
  doc: "Batch normalisation per channel (CxHxW) or per feature (vectors): batch statistics in training, running statistics (momentum 0.1, ε 1e-5) at inference.",
  read(r) {
    r.end();
    return r.failed ? undefined : {};
  },
  infer: (_a, input) => input,
  params(_a, input) {
    const c = input[0]!;
    return [
      { name: "gamma", shape: [c], init: { kind: "ones" }, decay: false, fanIn: 1, fanOut: 1 },
      { name: "beta", shape: [c], init: { kind: "zeros" }, decay: false, fanIn: 1, fanOut: 1 },
    ];
  },
  buffers(_a, input) {
    const c = input[0]!;
    return [
      { name: "mean", shape: [c], fill: 0 },
      { name: "var", shape: [c], fill: 1 },
    ];
  },
  flops: (_a, input) => 2 * numel(input),
});
