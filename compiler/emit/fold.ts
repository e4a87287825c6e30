/**
 * Inference fusion: `conv …, batchnorm` (and a relu or relu6 after it) runs as
 * one convolution kernel when the forward is not training. The batchnorm's
 * running statistics, γ and β (and the conv's bias) become a per-filter scale
 * and shift the kernel applies in its epilogue, the activation after them:
 * the two passes over the activations that batchnorm and relu6 took are gone.
 *
 * The scale and shift are computed at every inference forward from the
 * current parameters (C values, nothing cached, so weights changed by
 * training or loading are always seen). A training forward runs the layers
 * one by one as before (batch statistics, every output kept for backward).
 * A backward after an inference forward needs the outputs the fold skipped:
 * it runs the inference forward again with `unfold` set (module.ts), once.
 *
 * A group that ends a concat branch writing straight into its slice folds
 * too when the conv can write slices: the folded kernel writes the slice.
 */
import type { EmitLayer } from "../layers/types.js";
import type { LayerNode, Node } from "../model.js";

export interface FoldGroup {
  /** Index of the group's last node: the batchnorm, or the activation after it. */
  end: number;
  /** The kernel constant of the activation (rt.ACT_RELU, rt.ACT_RELU6), or null. */
  act: string | null;
}

const ACTS: Record<string, string> = { relu: "rt.ACT_RELU", relu6: "rt.ACT_RELU6" };

/** The group starting at node i (a conv followed by a batchnorm), or null; `lastIsSlice`: the sequence's last output is a concat slice (folded into only by a conv that writes slices). */
export function foldAt(nodes: readonly Node[], i: number, lastIsSlice: boolean): FoldGroup | null {
  const conv = nodes[i];
  const bn = nodes[i + 1];
  if (conv?.type !== "layer" || conv.def.emit?.foldsBatchnorm !== true) return null;
  if (bn?.type !== "layer" || bn.def.emit?.fold === undefined) return null;
  const next = nodes[i + 2];
  const act = next?.type === "layer" ? (ACTS[next.kind] ?? null) : null;
  const end = act === null ? i + 1 : i + 2;
  if (lastIsSlice && end === nodes.length - 1 && conv.def.emit.writesSlices?.(conv.attrs) !== true) return null;
  return { end, act };
}

/**
 * The forward of a group: `unfused` (the layers' own code) when training or
 * unfolding, otherwise the batchnorm's fold and the conv's kernel with the epilogue,
 * writing the group's last output `y` (a concat's slice, examples `yStride` apart, when not null).
 */
export function foldedForward(conv: LayerNode, convCtx: EmitLayer, bn: LayerNode, bnCtx: EmitLayer, group: FoldGroup, y: string, unfused: string[], yStride: number | null): string[] {
  const bias = conv.params.some((p) => p.name === "bias") ? convCtx.param("bias") : "null";
  const fold = bn.def.emit!.fold!(bn.attrs, bnCtx, bias);
  const epilogue = { scale: fold.scale, shift: fold.shift, act: group.act };
  const fields: PropertyDescriptorMap = { y: { value: y }, fusedRelu: { value: false }, epilogue: { value: epilogue }, yStride: { value: yStride } };
  // Writing a slice, the conv's geometry differs from its unfused one (outStride): a constant of its own.
  if (yStride !== null) fields.constant = { value: (suffix: string, expression: string) => convCtx.constant(`${suffix}Slice`, expression) };
  const ctx = Object.create(convCtx, fields) as EmitLayer;
  return [
    `if (${bnCtx.training} || unfold) {`,
    ...unfused,
    "} else {",
    "// inference: one conv kernel, the batchnorm folded into its per-filter scale and shift" + (group.act ? ", the activation in its epilogue" : ""),
    ...fold.code,
    ...conv.def.emit!.forward(conv.attrs, ctx),
    "}",
  ];
}
