/** `batchnorm`: per-channel (images) or per-feature (vectors) batch normalisation with learned γ, β. */
import { numel } from "../shape.js";
import { defineLayer, lit } from "./types.js";

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
  emit: {
    forward(_a, e) {
      const c = e.input[0]!;
      const hw = lit(e.inSize / c);
      const stats = `${e.param("gamma")}, ${e.param("beta")}, ${e.buffer("mean")}, ${e.buffer("var")}`;
      return [
        `if (${e.training}) rt.batchNormForwardTrain(${e.x}, ${e.y}, ${stats}, ${e.fixedBuffer("batchMean", c)}, ${e.fixedBuffer("invstd", c)}, null, ${e.n}, ${lit(c)}, ${hw});`,
        `else rt.batchNormForwardInfer(${e.x}, ${e.y}, ${stats}, ${e.n}, ${lit(c)}, ${hw});`,
      ];
    },
    backward(_a, e) {
      const c = e.input[0]!;
      const hw = lit(e.inSize / c);
      const grads = `${e.grad("gamma")}, ${e.grad("beta")}`;
      return [
        `if (${e.training}) rt.batchNormBackward(${e.x}, ${e.dy}, ${e.dx}, ${e.param("gamma")}, ${e.fixedBuffer("batchMean", c)}, ${e.fixedBuffer("invstd", c)}, ${grads}, ${e.n}, ${lit(c)}, ${hw});`,
        `else rt.batchNormBackwardInfer(${e.x}, ${e.dy}, ${e.dx}, ${e.param("gamma")}, ${e.buffer("mean")}, ${e.buffer("var")}, ${grads}, ${e.n}, ${lit(c)}, ${hw});`,
      ];
    },
  },
});
