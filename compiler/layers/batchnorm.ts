/** `batchnorm`: per-channel (images) or per-feature (vectors) batch normalisation with learned γ, β. */
import { option } from "../args.js";
import { numel } from "../shape.js";
import { defineLayer, lit, type EmitLayer } from "./types.js";
import { float } from "./onnx.js";
import { py } from "./pytorch.js";

/** PyTorch's defaults, as in runtime/batchnorm.ts. */
const DEFAULT_EPS = 1e-5;
const DEFAULT_MOMENTUM = 0.1;

export interface BatchNormAttrs {
  /** ε added to the variance, 0 < ε < 1. */
  eps: number;
  /** Running-statistics momentum, PyTorch's meaning (running = (1 − M)·running + M·batch), 0 < M ≤ 1. */
  momentum: number;
}

export const batchnorm = defineLayer<BatchNormAttrs>({
  kind: "batchnorm",
  options: {
    eps: option.number("E", { above: 0, below: 1, rule: "between 0 and 1 (exclusive)", hint: "ε keeps the division finite: `eps 1e-5` is the default, `eps 0.001` GoogLeNet's" }),
    momentum: option.number("M", {
      above: 0,
      max: 1,
      rule: "greater than 0 and at most 1",
      hint: "PyTorch's meaning, running = (1 − M)·running + M·batch: `momentum 0.1` is the default (Keras's 0.99 is `momentum 0.01` here)",
    }),
  },
  doc: "Batch normalisation per channel (CxHxW) or per feature (vectors): batch statistics in training, running statistics (momentum M, default 0.1; ε E, default 1e-5) at inference.",
  read(r) {
    const o = r.options();
    r.end();
    if (r.failed) return undefined;
    return { eps: (o.eps as number | undefined) ?? DEFAULT_EPS, momentum: (o.momentum as number | undefined) ?? DEFAULT_MOMENTUM };
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
    // Its kernels write y and read dy with a per-example stride (BatchNormLayer's outStride, gradStride).
    writesSlices: () => true,
    forward: (a, e) => [`rt.batchNormForward(${e.x}, ${e.y}, ${layer(a, e)}, ${e.n}, ${e.training}, k);`],
    backward: (a, e) => [`rt.batchNormBackwardLayer(${e.x}, ${e.dy}, ${e.dx}, ${layer(a, e)}, ${e.n}, ${e.training});`],
    // The inference scale and shift go where channelAffine's go (invstd, batchMean): free at inference.
    fold: (a, e, bias) => ({ code: [`rt.batchNormFold(${layer(a, e)}, ${bias});`], scale: e.fixedBuffer("invstd", e.input[0]!), shift: e.fixedBuffer("batchMean", e.input[0]!) }),
  },
  // BatchNormalization with the running statistics; ONNX's momentum is the weight of the running value, 1 − M.
  onnx(a, c) {
    const attrs = [float("epsilon", a.eps)];
    if (a.momentum !== DEFAULT_MOMENTUM) attrs.push(float("momentum", 1 - a.momentum));
    c.op("BatchNormalization", [c.x, c.required("gamma"), c.required("beta"), c.required("mean"), c.required("var")], attrs);
  },
  // nnspec's names (gamma, beta, mean, var) on F.batch_norm, which computes what nnspec does (biased batch variance to normalise, unbiased into the running variance, PyTorch's momentum).
  pytorch: (a, c) => ({ module: `BatchNorm(${py(c.input[0]!)}, eps=${py(a.eps)}, momentum=${py(a.momentum)})`, uses: ["BatchNorm"] }),
});

/** The layer's tensors bundled once in createModel. */
function layer(a: BatchNormAttrs, e: EmitLayer): string {
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
    // only when not the default, so that the code of specs without them stays as it was
    ...(a.eps !== DEFAULT_EPS ? [`eps: ${lit(a.eps)}`] : []),
    ...(a.momentum !== DEFAULT_MOMENTUM ? [`momentum: ${lit(a.momentum)}`] : []),
    // only in a concat branch writing straight into its slice
    ...(e.yStride !== null ? [`outStride: ${lit(e.yStride)}`] : []),
    ...(e.dyStride !== null ? [`gradStride: ${lit(e.dyStride)}`] : []),
  ];
  return e.constant("layer", `{ ${fields.join(", ")} }`);
}
