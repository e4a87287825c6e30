/** The arithmetic of a window layer's output size, from its checked node: `(28 + 2·0 − 5) / 1 + 1 = 24`. */
import type { LayerNode } from "../../compiler/model.js";
import { windowOutput } from "../../compiler/window.js";
import { effectiveKernel, type WindowAttrs } from "../../compiler/layers/window-layer.js";
import { deconvOutput, type DeconvAttrs } from "../../compiler/layers/deconv.js";

/** One line per axis (one when height and width agree); none for layers without a window, or when the formula does not give the checked size. */
export function outputArithmetic(n: LayerNode): string[] {
  const a = n.attrs as Partial<WindowAttrs> | undefined;
  if (!a?.kernel || !a.stride || !a.pad || n.input.length !== 3 || n.output.length !== 3) return [];
  const axis = (i: 0 | 1) => {
    if (n.kind === "deconv") {
      const d = a as DeconvAttrs;
      return deconvOutput(n.input[i + 1]!, d.kernel[i], d.stride[i], d.pad[i], d.outpad?.[i] ?? 0);
    }
    const k = effectiveKernel(a as WindowAttrs)[i];
    return windowOutput({ size: n.input[i + 1]!, kernel: k, stride: a.stride![i], pad: a.pad![i], ceil: a.ceil ?? false });
  };
  const [h, w] = [axis(0), axis(1)];
  if (h.out !== n.output[1] || w.out !== n.output[2]) return [];
  return h.arithmetic === w.arithmetic ? [h.arithmetic] : [`height ${h.arithmetic}`, `width ${w.arithmetic}`];
}
