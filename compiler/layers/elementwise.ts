/** Shared definition of layers that keep the shape: activations and dropout. */
import type { ArgReader, NumberRule } from "../args.js";
import { numel } from "../shape.js";
import { defineLayer, type LayerDef } from "./types.js";

export interface ScalarAttrs {
  /** The optional or required number after the kind (elu's α, leakyrelu's slope, dropout's p); NaN when none applies. */
  value: number;
}

export function elementwise(
  kind: string,
  doc: string,
  opts: { arg?: { what: string; rule: NumberRule; required: boolean; fallback: number }; flopsPerElement?: number } = {},
): LayerDef<ScalarAttrs> {
  const arg = opts.arg;
  return defineLayer<ScalarAttrs>({
    kind,
    usage: arg ? `${kind} ${arg.required ? arg.what.toUpperCase() : `[${arg.what.toUpperCase()}]`}` : kind,
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
  });
}
