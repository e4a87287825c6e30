/** Shared definition of layers that keep the shape: activations and dropout. */
import type { ArgReader, NumberRule } from "../args.js";
import { numel } from "../shape.js";
import { defineLayer, lit, type EmitLayer, type LayerDef, type LayerEmitter } from "./types.js";
import type { OnnxMapping } from "./onnx.js";
import type { PytorchMapping } from "./pytorch.js";

export interface ScalarAttrs {
  /** The optional or required number after the kind (elu's α, leakyrelu's slope, dropout's p); NaN when none applies. */
  value: number;
}

export function elementwise(
  kind: string,
  doc: string,
  opts: {
    arg?: { what: string; word?: string; rule: NumberRule; required: boolean; fallback: number };
    flopsPerElement?: number;
    emit?: LayerEmitter<ScalarAttrs>;
    onnx?: OnnxMapping<ScalarAttrs>;
    pytorch?: PytorchMapping<ScalarAttrs>;
  } = {},
): LayerDef<ScalarAttrs> {
  const arg = opts.arg;
  return defineLayer<ScalarAttrs>({
    kind,
    ...(arg ? { words: arg.required ? (arg.word ?? arg.what.toUpperCase()) : `[${arg.word ?? arg.what.toUpperCase()}]` } : {}),
    doc,
    read(r: ArgReader) {
      let value = Number.NaN;
      if (arg) {
        const v = r.number(arg.what, arg.rule, arg.required, arg.fallback);
        if (v === undefined) return undefined;
        value = v;
      }
      r.end();
      return r.failed ? undefined : { value };
    },
    infer: (_a, input) => input,
    flops: (_a, input) => numel(input) * (opts.flopsPerElement ?? 1),
    ...(opts.emit ? { emit: opts.emit } : {}),
    ...(opts.onnx ? { onnx: opts.onnx } : {}),
    ...(opts.pytorch ? { pytorch: opts.pytorch } : {}),
  });
}

/**
 * Code for an activation with kernels `<on>.<name>Forward(x, y, count[, arg])`
 * and `<on>.<name>Backward(y, dy, dx, count[, arg])`; `on` is `rt` (TypeScript
 * runtime) or `k` (the model's kernel set, with a WebAssembly pair). Backward
 * reads the output y, which determines the derivative of a monotonic
 * function; `backwardFrom: "x"` passes the input instead (hardswish, gelu).
 */
export function activationEmitter(kernel: string, opts: { withArg?: boolean; on?: "rt" | "k"; backwardFrom?: "x" | "y" } = {}): LayerEmitter<ScalarAttrs> {
  const on = opts.on ?? "rt";
  const from = opts.backwardFrom ?? "y";
  const extra = (a: ScalarAttrs) => (opts.withArg ? `, ${lit(a.value)}` : "");
  // The kernel set's activations (on "k") also run as the last layer of a concat branch writing into its slice.
  const slices = on === "k" && !opts.withArg;
  const name = JSON.stringify(kernel);
  const count = (e: EmitLayer) => lit(e.outSize);
  return {
    backwardReads: [from],
    ...(slices ? { writesSlices: () => true } : {}),
    forward: (a, e) => {
      if (e.yStride === null) return [`${on}.${kernel}Forward(${e.x}, ${e.y}, ${e.n} * ${lit(e.outSize)}${extra(a)});`];
      if (!slices) throw new Error(`internal: ${kernel} cannot write a slice`);
      return [`k.activationForwardSlices(${name}, ${e.x}, ${e.y}, ${lit(e.yStride)}, ${count(e)}, ${e.n});`];
    },
    backward: (a, e) => {
      if (e.yStride === null && e.dyStride === null) return [`${on}.${kernel}Backward(${e[from]}, ${e.dy}, ${e.dx}, ${e.n} * ${lit(e.outSize)}${extra(a)});`];
      // y and dy are the branch's slices (also when the relu is fused into the conv before it); x and dx are packed.
      if (!slices) throw new Error(`internal: ${kernel}'s backward cannot read slices`);
      const fromStride = from === "y" ? (e.yStride ?? e.outSize) : e.outSize;
      return [`k.activationBackwardSlices(${name}, ${e[from]}, ${lit(fromStride)}, ${e.dy}, ${lit(e.dyStride ?? e.outSize)}, ${e.dx}, ${count(e)}, ${e.n});`];
    },
  };
}
