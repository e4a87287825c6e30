/** Shared definition of layers that keep the shape: activations and dropout. */
import type { ArgReader, NumberRule } from "../args.js";
import { numel } from "../shape.js";
import { defineLayer, lit, type LayerDef, type LayerEmitter } from "./types.js";
import type { OnnxMapping } from "./onnx.js";

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
  return {
    backwardReads: [from],
    forward: (a, e) => [`${on}.${kernel}Forward(${e.x}, ${e.y}, ${e.n} * ${lit(e.outSize)}${extra(a)});`],
    backward: (a, e) => {
      if (e.yStride === null && e.dyStride === null) return [`${on}.${kernel}Backward(${e[from]}, ${e.dy}, ${e.dx}, ${e.n} * ${lit(e.outSize)}${extra(a)});`];
      // A relu fused into the last conv of a concat branch: y and dy are the branch's slices, dx is packed.
      if (on !== "k" || from !== "y" || opts.withArg || e.yStride !== e.dyStride) throw new Error(`internal: ${kernel}'s backward cannot read slices`);
      return [`k.activationBackwardSlices(${JSON.stringify(kernel)}, ${e.y}, ${e.dy}, ${e.dx}, ${lit(e.yStride!)}, ${lit(e.outSize)}, ${e.n});`];
    },
  };
}
