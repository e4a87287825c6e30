/**
 * Convolution straight from the definition, in float64, for the kernel tests:
 * x [B][C][H][W], w [F][C/G][KH][KW] (groups and dilation included; plain
 * convolutions have G = 1 and dilation 1). One walk over the taps serves the
 * forward pass and its adjoint.
 */
import type { Conv2dParams } from "../../runtime/index.js";

/** Calls `visit(yi, xi, wi)` for every tap that lands inside the image: y[yi] += x[xi]·w[wi]. */
function eachTap(p: Conv2dParams, visit: (yi: number, xi: number, wi: number) => void): void {
  const { B, C, H, W, F, G, KH, KW, SH, SW, PH, PW, OH, OW, DH, DW } = p;
  const Cg = C / G;
  const Fg = F / G;
  for (let n = 0; n < B; n++)
    for (let f = 0; f < F; f++) {
      const g = Math.floor(f / Fg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const yi = ((n * F + f) * OH + oh) * OW + ow;
          for (let cg = 0; cg < Cg; cg++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * SH - PH + kh * DH;
                const iw = ow * SW - PW + kw * DW;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                visit(yi, ((n * C + g * Cg + cg) * H + ih) * W + iw, ((f * Cg + cg) * KH + kh) * KW + kw);
              }
        }
    }
}

/** y = conv(x, w) + b (float64). */
export function refConvForward(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, p: Conv2dParams): Float64Array {
  const { B, F, OH, OW } = p;
  const y = new Float64Array(B * F * OH * OW);
  if (b) for (let i = 0; i < y.length; i++) y[i] = b[Math.floor(i / (OH * OW)) % F]!;
  eachTap(p, (yi, xi, wi) => (y[yi] += x[xi]! * w[wi]!));
  return y;
}

/** The adjoint of refConvForward: dx, dw, db for the output gradient dy. */
export function refConvBackward(x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, p: Conv2dParams) {
  const { B, C, H, W, F, G, KH, KW, OH, OW } = p;
  const dx = new Float64Array(B * C * H * W);
  const dw = new Float64Array(F * (C / G) * KH * KW);
  const db = new Float64Array(F);
  for (let i = 0; i < dy.length; i++) db[Math.floor(i / (OH * OW)) % F] += dy[i]!;
  eachTap(p, (yi, xi, wi) => {
    dx[xi] += dy[yi]! * w[wi]!;
    dw[wi] += dy[yi]! * x[xi]!;
  });
  return { dx, dw, db };
}
