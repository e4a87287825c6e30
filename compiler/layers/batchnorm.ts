/** `batchnorm`: per-channel (images) or per-feature (vectors) batch normalisation with learned γ, β. */
import { numel } from "../shape.js";
import { defineLayer, lit, type EmitLayer } from "./types.js";
import { float } from "./onnx.js";

export const batchnorm = defineLayer<object>({
  kind: "batchnorm",
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
      { name: "var", shape: [c], fill: 1, min: 0 },
    ];
  },
  flops: (_a, input) => 2 * numel(input),
  emit: {
    backwardReads: ["x"],
    forward: (_a, e) => [`rt.batchNormForward(${e.x}, ${e.y}, ${layer(e)}, ${e.n}, ${e.training});`],
    backward: (_a, e) => [`rt.batchNormBackwardLayer(${e.x}, ${e.dy}, ${e.dx}, ${layer(e)}, ${e.n}, ${e.training});`],
  },
  // BatchNormalization with the running statistics.
  onnx(_a, c) {
    c.op("BatchNormalization", [c.x, c.required("gamma"), c.required("beta"), c.required("mean"), c.required("var")], [float("epsilon", 1e-5)]);
  },
});

/** The layer's tensors bundled once in createModel. */
function layer(e: EmitLayer): string {
  const c = e.input[0]!;
  const fields = [
    `gamma: ${e.param("gamma")}`,
    `beta: ${e.param("beta")}`,
    `runningMean: ${e.buffer("mean")}`,
    `runningVar: ${e.buffer("var")}`,
    `mean: ${e.fixedBuffer("batchMean", c)}`,
    `invstd: ${e.fixedBuffer("invstd", c)}`,
    `dgamma: ${e.grad("gamma")}`,
    `dbeta: ${e.grad("beta")}`,
    `C: ${lit(c)}`,
    `HW: ${lit(e.inSize / c)}`,
  ];
  return e.constant("layer", `{ ${fields.join(", ")} }`);
}
