/**
 * How each layer kind becomes ONNX operators: one entry per kind of
 * compiler/layers/registry.ts (all but `input` and `loss`, which are the
 * graph's input and outputs). Every mapping reproduces the inference-mode
 * semantics of docs/language.md with standard ONNX operators (domain "",
 * opset 13 and later):
 *
 *   conv           Conv (weight OIHW, pads [ph, pw, ph, pw]; bias optional)
 *   maxpool        MaxPool (pads, strides, ceil_mode; padding never wins)
 *   avgpool        AveragePool with count_include_pad = 0 (padding excluded from the mean)
 *                  (ceil mode: see `poolWindow` for the one case ONNX engines disagree on)
 *   globalavgpool  GlobalAveragePool, then Flatten to [N, C]
 *   flatten        Flatten axis 1 (C, then H, then W, as in nnspec)
 *   fc             Gemm with transB = 1 (weight [out][in]; bias optional)
 *   batchnorm      BatchNormalization with the running statistics, epsilon 1e-5
 *   dropout        Identity (dropout does nothing at inference)
 *   activations    Relu, Sigmoid, Tanh, Elu (alpha), LeakyRelu (alpha), Softmax (axis 1)
 *
 * A mapping adds its nodes through the context; the layer's main node carries
 * the layer's name, helper nodes `LAYER.PART`. The last node a mapping adds
 * writes the layer's output.
 */
import type { LayerNode } from "../model.js";
import type { ConvAttrs } from "../layers/conv.js";
import type { ScalarAttrs } from "../layers/elementwise.js";
import type { PoolAttrs } from "../layers/pool.js";
import { float, int, ints, type Attribute } from "./graph.js";

export interface OpContext {
  layer: LayerNode;
  /** The layer's input value. */
  x: string;
  /** The layer's tensor `LAYER.<name>` (a parameter or buffer) as an initializer; undefined if the layer has none by that name (`nobias`). */
  tensor(name: "weight" | "bias" | "gamma" | "beta" | "mean" | "var"): string | undefined;
  /** The same, for tensors every such layer has. */
  required(name: "weight" | "bias" | "gamma" | "beta" | "mean" | "var"): string;
  /** Add a node and return its output value; without `part` the node is named like the layer. */
  op(opType: string, inputs: readonly (string | undefined)[], attributes?: readonly Attribute[], part?: string): string;
}

export type OnnxMapping = (attrs: any, c: OpContext) => void;

const window = (a: PoolAttrs | ConvAttrs): Attribute[] => [
  ints("kernel_shape", a.kernel),
  ints("strides", a.stride),
  ints("pads", [a.pad[0], a.pad[1], a.pad[0], a.pad[1]]),
];

/**
 * A pool's window attributes, giving nnspec's output size in every engine.
 *
 * In `ceil` mode nnspec (like PyTorch) drops a last window that would start
 * in the right padding. Engines disagree there: ONNX Runtime 1.30's kernels
 * drop it, but its shape inference keeps it at every opset from 13 to 21 (a
 * 3x3 input, window 2, stride 2, pad 1: inferred 3x3, computed 2x2), so a
 * later layer's shapes no longer fit and the model does not load. So
 * `ceil_mode = 1` is written only where ONNX's plain ceil formula,
 * ceil((H + 2·P − K) / S) + 1, gives nnspec's size on both axes. Otherwise
 * the same windows are described in floor mode, with the extra bottom/right
 * padding the last window needs (the last window starts inside the input, so
 * that padding stays below K). Padding is excluded from averages
 * (count_include_pad = 0) and never wins a max, so the values are the same.
 */
export function poolWindow(a: PoolAttrs, input: readonly number[], output: readonly number[]): Attribute[] {
  const axes = [0, 1].map((i) => {
    const span = input[i + 1]! + 2 * a.pad[i]! - a.kernel[i]!;
    const out = output[i + 1]!;
    const extra = Math.max(0, (out - 1) * a.stride[i]! + a.kernel[i]! - (input[i + 1]! + 2 * a.pad[i]!));
    return { ceilAgrees: Math.ceil(span / a.stride[i]!) + 1 === out, extra };
  });
  if (a.ceil && axes.every((x) => x.ceilAgrees)) return [...window(a), int("ceil_mode", 1)];
  return [
    ints("kernel_shape", a.kernel),
    ints("strides", a.stride),
    ints("pads", [a.pad[0], a.pad[1], a.pad[0] + axes[0]!.extra, a.pad[1] + axes[1]!.extra]),
    int("ceil_mode", 0),
  ];
}

const unary =
  (opType: string): OnnxMapping =>
  (_a, c) => {
    c.op(opType, [c.x]);
  };

export const ONNX_OPS: Readonly<Record<string, OnnxMapping>> = {
  conv: (a: ConvAttrs, c) => {
    c.op("Conv", [c.x, c.required("weight"), c.tensor("bias")], [...window(a), ints("dilations", [1, 1]), int("group", 1)]);
  },
  maxpool: (a: PoolAttrs, c) => {
    c.op("MaxPool", [c.x], poolWindow(a, c.layer.input, c.layer.output));
  },
  avgpool: (a: PoolAttrs, c) => {
    c.op("AveragePool", [c.x], [...poolWindow(a, c.layer.input, c.layer.output), int("count_include_pad", 0)]);
  },
  globalavgpool: (_a, c) => {
    const pooled = c.op("GlobalAveragePool", [c.x]);
    c.op("Flatten", [pooled], [int("axis", 1)], "flatten");
  },
  flatten: (_a, c) => {
    c.op("Flatten", [c.x], [int("axis", 1)]);
  },
  fc: (_a, c) => {
    c.op("Gemm", [c.x, c.required("weight"), c.tensor("bias")], [float("alpha", 1), float("beta", 1), int("transA", 0), int("transB", 1)]);
  },
  batchnorm: (_a, c) => {
    c.op("BatchNormalization", [c.x, c.required("gamma"), c.required("beta"), c.required("mean"), c.required("var")], [float("epsilon", 1e-5)]);
  },
  dropout: unary("Identity"),
  relu: unary("Relu"),
  sigmoid: unary("Sigmoid"),
  tanh: unary("Tanh"),
  elu: (a: ScalarAttrs, c) => {
    c.op("Elu", [c.x], [float("alpha", a.value)]);
  },
  leakyrelu: (a: ScalarAttrs, c) => {
    c.op("LeakyRelu", [c.x], [float("alpha", a.value)]);
  },
  softmax: (_a, c) => {
    c.op("Softmax", [c.x], [int("axis", 1)]);
  },
};
