/**
 * Depthwise convolution (groups = channels = filters): each channel is
 * convolved with its own KHxKW filter. A direct kernel: an im2col and a GEMM
 * per channel would be a 1-row GEMM, far too slow. Forward and backward walk
 * the same taps, each over the outputs whose input lies inside the image
 * (insideLo, insideHi), so the padding costs nothing.
 *   x [B][C][H][W]   w [C][1][KH][KW]   bias [C]   y [B][C][OH][OW]
 */
import { ACT_RELU, type Activation } from "./activations.js";
import { insideHi, insideLo, type Window2dParams } from "./window.js";
import type { Tensor } from "./tensor.js";

/** The fields of conv.ts's Conv2dParams these kernels read (named here: conv.ts imports this module). */
type Conv2dParams = Window2dParams & { F: number; G: number; DH: number; DW: number };

/** True when the geometry is depthwise (the kernel set's conv entry points dispatch here then). */
export function isDepthwise(p: Conv2dParams): boolean {
  return p.G > 1 && p.G === p.C && p.F === p.C;
}

/** Forward over all images: y = act(depthwise(x, w) + bias). Planes [b*C + c] for b < B. */
export function depthwiseForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, p: Conv2dParams, act: Activation): void {
  depthwisePlanes(x, w, bias, y, p, act, 0, p.B * p.C);
}

/** Forward over planes [lo, hi) of the B·C planes (a thread's share). */
export function depthwisePlanes(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, p: Conv2dParams, act: Activation, lo: number, hi: number): void {
  const { C, H, W, KH, KW, SH, SW, PH, PW, OH, OW, DH, DW } = p;
  const HW = H * W;
  const OHW = OH * OW;
  for (let plane = lo; plane < hi; plane++) {
    const c = plane % C;
    const xo = plane * HW;
    const yo = plane * OHW;
    y.fill(bias === null ? 0 : bias[c]!, yo, yo + OHW);
    for (let kh = 0; kh < KH; kh++) {
      const ohLo = insideLo(kh * DH, PH, SH, OH);
      const ohHi = insideHi(kh * DH, PH, SH, H, OH, ohLo);
      for (let kw = 0; kw < KW; kw++) {
        const wv = w[(c * KH + kh) * KW + kw]!;
        const owLo = insideLo(kw * DW, PW, SW, OW);
        const owHi = insideHi(kw * DW, PW, SW, W, OW, owLo);
        for (let oh = ohLo; oh < ohHi; oh++) {
          const s = xo + (oh * SH - PH + kh * DH) * W - PW + kw * DW;
          const d = yo + oh * OW;
          for (let ow = owLo; ow < owHi; ow++) y[d + ow] += wv * x[s + ow * SW]!;
        }
      }
    }
    if (act === ACT_RELU) for (let i = yo; i < yo + OHW; i++) if (!(y[i]! > 0)) y[i] = 0;
  }
}

/**
 * Backward; gradients OVERWRITTEN: dw [C][1][KH][KW], db [C] (or null), dx
 * [B][C][H][W] (or null). dx must not alias dy or x.
 */
export function depthwiseBackward(x: Tensor, w: Tensor, dy: Tensor, dx: Tensor | null, dw: Tensor, db: Tensor | null, p: Conv2dParams): void {
  const { B, C, KH, KW } = p;
  dw.fill(0, 0, C * KH * KW);
  if (db !== null) db.fill(0, 0, C);
  depthwiseGradPlanes(x, w, dy, dx, dw, db, p, 0, B * C);
}

/** Backward over planes [lo, hi): dx written for those planes, dw and db accumulated into. */
export function depthwiseGradPlanes(x: Tensor, w: Tensor, dy: Tensor, dx: Tensor | null, dw: Tensor, db: Tensor | null, p: Conv2dParams, lo: number, hi: number): void {
  const { C, H, W, KH, KW, SH, SW, PH, PW, OH, OW, DH, DW } = p;
  const HW = H * W;
  const OHW = OH * OW;
  for (let plane = lo; plane < hi; plane++) {
    const c = plane % C;
    const xo = plane * HW;
    const yo = plane * OHW;
    if (dx !== null) dx.fill(0, xo, xo + HW);
    if (db !== null) {
      let s = 0;
      for (let i = yo; i < yo + OHW; i++) s += dy[i]!;
      db[c] += s;
    }
    for (let kh = 0; kh < KH; kh++) {
      const ohLo = insideLo(kh * DH, PH, SH, OH);
      const ohHi = insideHi(kh * DH, PH, SH, H, OH, ohLo);
      for (let kw = 0; kw < KW; kw++) {
        const k = (c * KH + kh) * KW + kw;
        const wv = w[k]!;
        const owLo = insideLo(kw * DW, PW, SW, OW);
        const owHi = insideHi(kw * DW, PW, SW, W, OW, owLo);
        let g = 0;
        for (let oh = ohLo; oh < ohHi; oh++) {
          const s = xo + (oh * SH - PH + kh * DH) * W - PW + kw * DW;
          const d = yo + oh * OW;
          for (let ow = owLo; ow < owHi; ow++) {
            const t = dy[d + ow]!;
            g += t * x[s + ow * SW]!;
            if (dx !== null) dx[s + ow * SW] += wv * t;
          }
        }
        dw[k] += g;
      }
    }
  }
}
