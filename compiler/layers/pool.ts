/** Shared reading and shape rule of `maxpool` and `avgpool`. */
import type { Span } from "../../diagnostics/source.js";
import { option, type ArgReader } from "../args.js";
import type { Shape } from "../shape.js";
import { windowGeometry } from "./window-geometry.js";
import { requireImage, slideWindow, type WindowAttrs } from "./window-layer.js";
import { defineLayer, lit, type EmitLayer, type InferContext, type LayerDef } from "./types.js";
import type { OnnxMapping } from "./onnx.js";
import type { PytorchMapping } from "./pytorch.js";

export interface PoolAttrs extends WindowAttrs {
  padSpan?: Span;
}

export function readPool(r: ArgReader): PoolAttrs | undefined {
  const kernel = r.window("a window size like `2` or `3x3`", true);
  if (!kernel) return undefined;
  const o = r.options();
  r.end();
  if (r.failed) return undefined;
  const pad = (o.pad as [number, number] | undefined) ?? [0, 0];
  const spans = (o.__spans ?? {}) as Record<string, Span>;
  if (pad[0] > kernel[0] / 2 || pad[1] > kernel[1] / 2) {
    r.error("NN2013", { what: "pool padding", rule: "at most half the window", value: pad.join("x"), hint: "padding wider than half a window only adds windows that see no input" }, spans.pad ?? r.span);
    return undefined;
  }
  if (o.ceil && o.floor) {
    r.error("NN2025", {}, spans.floor ?? r.span, { related: [{ message: "`ceil` is given here", file: r.file, span: spans.ceil ?? r.span }] });
    return undefined;
  }
  const a: PoolAttrs = { kernel, stride: (o.stride as [number, number]) ?? kernel, pad, ceil: o.ceil === true, floor: o.floor === true };
  if (spans.pad) a.padSpan = spans.pad;
  return a;
}

export function inferPool(kind: string, a: PoolAttrs, input: Shape, ctx: InferContext): Shape | undefined {
  if (!requireImage(kind, input, ctx)) return undefined;
  const out = slideWindow(kind, a, input, ctx);
  return out ? [input[0]!, out[0], out[1]] : undefined;
}

export function poolFlops(a: PoolAttrs, output: Shape): number {
  return output[0]! * output[1]! * output[2]! * a.kernel[0] * a.kernel[1];
}

/** The pooling geometry, built once per model (`B` is set to the batch at each call). */
export function poolGeometry(a: PoolAttrs, e: EmitLayer): string {
  const own: Record<string, string> = { ceil: String(a.ceil) };
  if (e.yStride !== null) own.outStride = lit(e.yStride);
  if (e.dyStride !== null) own.gradStride = lit(e.dyStride);
  return windowGeometry("pool2dParams", a, e, own);
}

/** A pooling layer kind: the shared reading, shape rule and FLOPs, plus its own kernel calls (after the geometry's batch is set) and ONNX operator. */
export function poolLayer(kind: string, doc: string, code: { forward(e: EmitLayer): string; backward(e: EmitLayer): string; onnx: OnnxMapping<PoolAttrs>; pytorch: PytorchMapping<PoolAttrs> }): LayerDef<PoolAttrs> {
  return defineLayer<PoolAttrs>({
    kind,
    words: "K[xK]",
    options: { stride: option.pair("S"), pad: option.pair("P", 0), ceil: option.flag, floor: option.flag },
    doc,
    read: readPool,
    infer: (a, input, ctx) => inferPool(kind, a, input, ctx),
    flops: (a, _input, output) => poolFlops(a, output),
    emit: {
      backwardReads: [], // maxpool: the argmax indices; avgpool: nothing
      // The kernels write y and read dy with a per-example stride (the geometry's outStride, gradStride); argmax stays packed.
      writesSlices: () => true,
      forward: (a, e) => [`${poolGeometry(a, e)}.B = ${e.n};`, code.forward(e)],
      backward: (a, e) => [`${poolGeometry(a, e)}.B = ${e.n};`, code.backward(e)],
    },
    onnx: code.onnx,
    pytorch: code.pytorch,
  });
}
