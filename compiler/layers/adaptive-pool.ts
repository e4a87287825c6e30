/**
 * Shared reading, shape rule and ONNX operators of `adaptiveavgpool HxW` and
 * `adaptivemaxpool HxW` (PyTorch's window rule: output row i pools input rows
 * [⌊i·H₀/H⌋, ⌈(i+1)·H₀/H⌉), likewise columns).
 */
import { adaptiveEnd, adaptiveStart } from "../../runtime/adaptive-pool.js";
import { numel } from "../shape.js";
import { requireImage } from "./window-layer.js";
import { defineLayer, lit, type EmitLayer, type LayerDef } from "./types.js";
import { int, ints, type OnnxContext } from "./onnx.js";
import { pair } from "./pytorch.js";

export interface AdaptiveAttrs {
  size: [number, number];
}

/** The windows of one axis when they are uniform (equal sizes, a constant step): kernel and stride; undefined otherwise. */
export function uniformWindows(inSize: number, outSize: number): { kernel: number; stride: number } | undefined {
  const kernel = adaptiveEnd(0, inSize, outSize) - adaptiveStart(0, inSize, outSize);
  const stride = outSize > 1 ? adaptiveStart(1, inSize, outSize) : 1;
  for (let i = 0; i < outSize; i++) {
    const s = adaptiveStart(i, inSize, outSize);
    if (s !== i * stride || adaptiveEnd(i, inSize, outSize) - s !== kernel) return undefined;
  }
  return stride >= 1 ? { kernel, stride } : undefined;
}

/**
 * ONNX: one AveragePool/MaxPool when both axes' windows are uniform; else,
 * per axis, a Slice and a ReduceMean/ReduceMax per output row, joined by a
 * Concat (the mean and the max of a rectangle are those of its rows' means and maxima).
 */
function adaptiveOnnx(pool: "AveragePool" | "MaxPool", reduce: "ReduceMean" | "ReduceMax") {
  return (a: AdaptiveAttrs, c: OnnxContext): void => {
    const [H0, W0] = [c.input[1]!, c.input[2]!];
    const rows = uniformWindows(H0, a.size[0]);
    const cols = uniformWindows(W0, a.size[1]);
    if (rows && cols) {
      c.op(pool, [c.x], [ints("kernel_shape", [rows.kernel, cols.kernel]), ints("strides", [rows.stride, cols.stride]), ints("pads", [0, 0, 0, 0])]);
      return;
    }
    const constant = (values: number[], part: string) => c.op("Constant", [], [ints("value_ints", values)], part);
    let value = c.x;
    for (const [axis, inSize, outSize] of [[2, H0, a.size[0]], [3, W0, a.size[1]]] as const) {
      const name = axis === 2 ? "rows" : "cols";
      const axes = constant([axis], `${name}.axes`);
      const parts: string[] = [];
      for (let i = 0; i < outSize; i++) {
        const starts = constant([adaptiveStart(i, inSize, outSize)], `${name}${i}.starts`);
        const ends = constant([adaptiveEnd(i, inSize, outSize)], `${name}${i}.ends`);
        const slice = c.op("Slice", [value, starts, ends, axes], [], `${name}${i}.slice`);
        parts.push(c.opset >= 18 ? c.op(reduce, [slice, axes], [int("keepdims", 1)], `${name}${i}.reduce`) : c.op(reduce, [slice], [ints("axes", [axis]), int("keepdims", 1)], `${name}${i}.reduce`));
      }
      value = c.op("Concat", parts, [int("axis", axis)], axis === 2 ? "rows" : undefined);
    }
  };
}

/** An adaptive pooling kind (kernels k.adaptiveAvgPool… or k.adaptiveMaxPool…). */
export function adaptivePoolLayer(kind: "adaptiveavgpool" | "adaptivemaxpool", doc: string): LayerDef<AdaptiveAttrs> {
  const max = kind === "adaptivemaxpool";
  const dims = (e: EmitLayer) => `${e.n} * ${lit(e.input[0]!)}, ${lit(e.input[1]!)}, ${lit(e.input[2]!)}, ${lit(e.output[1]!)}, ${lit(e.output[2]!)}`;
  return defineLayer<AdaptiveAttrs>({
    kind,
    words: "HxW",
    doc,
    read(r) {
      const size = r.window("an output size like `6x6` or `1`", true);
      r.end();
      return size && !r.failed ? { size } : undefined;
    },
    infer: (a, input, ctx) => (requireImage(kind, input, ctx) ? [input[0]!, a.size[0], a.size[1]] : undefined),
    // one operation per input value read: the window sizes summed over the outputs
    flops(a, input) {
      const sum = (inSize: number, outSize: number) => Array.from({ length: outSize }, (_, i) => adaptiveEnd(i, inSize, outSize) - adaptiveStart(i, inSize, outSize)).reduce((s, v) => s + v, 0);
      return input[0]! * sum(input[1]!, a.size[0]) * sum(input[2]!, a.size[1]);
    },
    emit: {
      backwardReads: [], // max: the argmax indices; average: nothing
      forward: (_a, e) => [
        max ? `k.adaptiveMaxPoolForward(${e.x}, ${e.y}, ${e.batchBuffer("argmax", e.outSize, "int")}, ${dims(e)});` : `k.adaptiveAvgPoolForward(${e.x}, ${e.y}, ${dims(e)});`,
      ],
      backward: (_a, e) => [
        max
          ? `k.adaptiveMaxPoolBackward(${e.dy}, ${e.batchBuffer("argmax", e.outSize, "int")}, ${e.dx}, ${e.n} * ${lit(numel(e.input))}, ${e.n} * ${lit(numel(e.output))});`
          : `k.adaptiveAvgPoolBackward(${e.dy}, ${e.dx}, ${dims(e)});`,
      ],
    },
    onnx: max ? adaptiveOnnx("MaxPool", "ReduceMax") : adaptiveOnnx("AveragePool", "ReduceMean"),
    // PyTorch's own adaptive windows, which nnspec's follow.
    pytorch: (a) => ({ module: `nn.${max ? "AdaptiveMaxPool2d" : "AdaptiveAvgPool2d"}(${pair(a.size)})` }),
  });
}
