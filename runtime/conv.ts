import { ACT_NONE, ACT_RELU, reluInPlace, type Activation } from "./activations.js";
import { gemm } from "./gemm.js";
import type { Tensor } from "./tensor.js";

/**
 * Geometry of a 2-D convolution (cross-correlation, like PyTorch Conv2d with
 * dilation 1 and groups 1). Build it once with conv2dParams and reuse it.
 *   x  [B][C][H][W]      w  [F][C][KH][KW]      b  [F]      y  [B][F][OH][OW]
 */
export interface Conv2dParams {
  B: number; // batch size
  C: number; // input channels
  H: number; // input height
  W: number; // input width
  F: number; // output channels (number of filters)
  KH: number; // kernel height
  KW: number; // kernel width
  SH: number; // vertical stride
  SW: number; // horizontal stride
  PH: number; // zero padding added at top and at bottom
  PW: number; // zero padding added at left and at right
  OH: number; // output height = floor((H + 2*PH - KH) / SH) + 1
  OW: number; // output width  = floor((W + 2*PW - KW) / SW) + 1
}

/** Output extent of a convolution along one axis: floor((n + 2*pad - k) / stride) + 1. */
export function convOutSize(n: number, k: number, stride: number, pad: number): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

/**
 * Build a Conv2dParams (computing OH, OW). strideW/padW default to stride/pad.
 * Throws on non-positive sizes.
 */
export function conv2dParams(
  B: number, // batch size
  C: number, // input channels
  H: number, // input height
  W: number, // input width
  F: number, // output channels
  KH: number, // kernel height
  KW: number, // kernel width
  stride: number = 1, // vertical stride (and horizontal unless strideW given)
  pad: number = 0, // vertical padding per side (and horizontal unless padW given)
  strideW: number = stride, // horizontal stride
  padW: number = pad, // horizontal padding per side
): Conv2dParams {
  const OH = convOutSize(H, KH, stride, pad);
  const OW = convOutSize(W, KW, strideW, padW);
  if (!(B >= 0 && C > 0 && H > 0 && W > 0 && F > 0 && KH > 0 && KW > 0 && stride > 0 && strideW > 0 && pad >= 0 && padW >= 0)) {
    throw new RangeError(`conv2dParams: invalid dimensions ${JSON.stringify({ B, C, H, W, F, KH, KW, stride, pad, strideW, padW })}`);
  }
  if (OH <= 0 || OW <= 0) throw new RangeError(`conv2dParams: kernel ${KH}x${KW} larger than padded input ${H}x${W}`);
  return { B, C, H, W, F, KH, KW, SH: stride, SW: strideW, PH: pad, PW: padW, OH, OW };
}

/** True when the convolution is a plain 1x1, stride 1, no padding (no im2col needed). */
function isPointwise(p: Conv2dParams): boolean {
  return p.KH === 1 && p.KW === 1 && p.SH === 1 && p.SW === 1 && p.PH === 0 && p.PW === 0;
}

/**
 * Number of scratch elements conv2dForward/conv2dBackward need: one im2col
 * matrix for a single image, C*KH*KW x OH*OW (0 for 1x1/stride 1/pad 0).
 * The same scratch serves forward and backward. Use the same element type as x.
 */
export function conv2dScratchSize(p: Conv2dParams): number {
  return isPointwise(p) ? 0 : p.C * p.KH * p.KW * p.OH * p.OW;
}

/**
 * im2col for one image: col[(c*KH + kh)*KW + kw][oh*OW + ow] =
 * x[xOff + c*H*W + ih*W + iw] with ih = oh*SH - PH + kh, iw = ow*SW - PW + kw,
 * or 0 when (ih, iw) is in the padding.
 */
export function im2col(x: Tensor, xOff: number, p: Conv2dParams, col: Tensor): void {
  const { C, H, W, KH, KW, SH, SW, PH, PW, OH, OW } = p;
  const HW = H * W;
  const OHW = OH * OW;
  let r = 0;
  for (let c = 0; c < C; c++) {
    const xc = xOff + c * HW;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        // Output columns whose input column iw = ow*SW - PW + kw lies inside [0, W).
        let owLo = Math.ceil((PW - kw) / SW);
        if (owLo < 0) owLo = 0;
        if (owLo > OW) owLo = OW;
        let owHi = Math.floor((W - 1 + PW - kw) / SW) + 1;
        if (owHi > OW) owHi = OW;
        if (owHi < owLo) owHi = owLo;
        const srcShift = owLo * SW - PW + kw;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh;
          const d = r + oh * OW;
          if (ih < 0 || ih >= H) {
            for (let ow = 0; ow < OW; ow++) col[d + ow] = 0;
            continue;
          }
          let ow = 0;
          for (; ow < owLo; ow++) col[d + ow] = 0;
          let s = xc + ih * W + srcShift;
          if (SW === 1) {
            const delta = s - owLo - d;
            for (; ow < owHi; ow++) col[d + ow] = x[d + ow + delta];
          } else {
            for (; ow < owHi; ow++) {
              col[d + ow] = x[s];
              s += SW;
            }
          }
          for (; ow < OW; ow++) col[d + ow] = 0;
        }
        r += OHW;
      }
    }
  }
}

/**
 * col2im for one image, the adjoint of im2col: dx[xOff + ...] += col[...] for
 * every non-padding position. Accumulates; the caller zeroes dx first.
 */
export function col2im(col: Tensor, p: Conv2dParams, dx: Tensor, xOff: number): void {
  const { C, H, W, KH, KW, SH, SW, PH, PW, OH, OW } = p;
  const HW = H * W;
  const OHW = OH * OW;
  let r = 0;
  for (let c = 0; c < C; c++) {
    const xc = xOff + c * HW;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        let owLo = Math.ceil((PW - kw) / SW);
        if (owLo < 0) owLo = 0;
        if (owLo > OW) owLo = OW;
        let owHi = Math.floor((W - 1 + PW - kw) / SW) + 1;
        if (owHi > OW) owHi = OW;
        if (owHi < owLo) owHi = owLo;
        const srcShift = owLo * SW - PW + kw;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh;
          if (ih < 0 || ih >= H) continue;
          const d = r + oh * OW;
          let s = xc + ih * W + srcShift;
          for (let ow = owLo; ow < owHi; ow++) {
            dx[s] += col[d + ow];
            s += SW;
          }
        }
        r += OHW;
      }
    }
  }
}

/**
 * Convolution forward: y = conv(x, w) + bias, then relu when act is ACT_RELU.
 * x [B][C][H][W], w [F][C][KH][KW], bias [F] or null, y [B][F][OH][OW] (overwritten),
 * scratch: at least conv2dScratchSize(p) elements.
 */
export function conv2dForward(
  x: Tensor, // input  [B][C][H][W]
  w: Tensor, // weights [F][C][KH][KW]
  bias: Tensor | null, // bias [F] or null
  y: Tensor, // output [B][F][OH][OW], overwritten
  scratch: Tensor, // im2col buffer, >= conv2dScratchSize(p)
  p: Conv2dParams, // geometry
  act: Activation = ACT_NONE, // fused activation
): void {
  const { B, C, H, W, F, KH, KW, OH, OW } = p;
  const CKK = C * KH * KW;
  const OHW = OH * OW;
  const inSize = C * H * W;
  const outSize = F * OHW;
  const pointwise = isPointwise(p);
  for (let b = 0; b < B; b++) {
    const xb = b * inSize;
    const yb = b * outSize;
    if (pointwise) {
      gemm(false, false, F, OHW, C, 1, w, 0, C, x, xb, OHW, 0, y, yb, OHW);
    } else {
      im2col(x, xb, p, scratch);
      gemm(false, false, F, OHW, CKK, 1, w, 0, CKK, scratch, 0, OHW, 0, y, yb, OHW);
    }
    if (bias !== null) {
      for (let f = 0; f < F; f++) {
        const bf = bias[f]!;
        const o = yb + f * OHW;
        for (let i = 0; i < OHW; i++) y[o + i] += bf;
      }
    }
    if (act === ACT_RELU) reluInPlace(y, yb, outSize);
  }
}

/**
 * Convolution backward. All gradients are OVERWRITTEN (not accumulated).
 *   dw [F][C][KH][KW] = sum_b dy_b * im2col(x_b)^T
 *   db [F]            = sum over batch and space of dy (skipped if null)
 *   dx [B][C][H][W]   = col2im(w^T * dy_b)           (skipped if null, e.g. first layer)
 * scratch: at least conv2dScratchSize(p) elements (im2col and its gradient share it).
 * dx must not alias dy or x.
 */
export function conv2dBackward(
  x: Tensor, // forward input [B][C][H][W]
  w: Tensor, // weights [F][C][KH][KW]
  dy: Tensor, // gradient of the output [B][F][OH][OW]
  dx: Tensor | null, // gradient of the input [B][C][H][W], or null to skip
  dw: Tensor, // gradient of the weights [F][C][KH][KW]
  db: Tensor | null, // gradient of the bias [F], or null (no bias)
  scratch: Tensor, // im2col buffer, >= conv2dScratchSize(p)
  p: Conv2dParams, // geometry
): void {
  const { B, C, H, W, F, KH, KW, OH, OW } = p;
  const CKK = C * KH * KW;
  const OHW = OH * OW;
  const inSize = C * H * W;
  const outSize = F * OHW;
  const pointwise = isPointwise(p);
  if (B === 0) {
    dw.fill(0, 0, F * CKK);
    if (db !== null) db.fill(0, 0, F);
    return;
  }
  for (let b = 0; b < B; b++) {
    const xb = b * inSize;
    const yb = b * outSize;
    const beta = b === 0 ? 0 : 1;
    if (pointwise) {
      gemm(false, true, F, C, OHW, 1, dy, yb, OHW, x, xb, OHW, beta, dw, 0, C);
      if (dx !== null) gemm(true, false, C, OHW, F, 1, w, 0, C, dy, yb, OHW, 0, dx, xb, OHW);
    } else {
      im2col(x, xb, p, scratch);
      gemm(false, true, F, CKK, OHW, 1, dy, yb, OHW, scratch, 0, OHW, beta, dw, 0, CKK);
      if (dx !== null) {
        gemm(true, false, CKK, OHW, F, 1, w, 0, CKK, dy, yb, OHW, 0, scratch, 0, OHW);
        dx.fill(0, xb, xb + inSize);
        col2im(scratch, p, dx, xb);
      }
    }
  }
  if (db !== null) {
    for (let f = 0; f < F; f++) {
      let s = 0;
      for (let b = 0; b < B; b++) {
        const o = b * outSize + f * OHW;
        for (let i = 0; i < OHW; i++) s += dy[o + i]!;
      }
      db[f] = s;
    }
  }
}
