import type { Tensor } from "./tensor.js";

/**
 * Geometry of a 2-D max/average pooling over x [B][C][H][W] -> y [B][C][OH][OW].
 * Window (oh, ow) covers input rows oh*SH - PH .. oh*SH - PH + KH - 1 (and
 * likewise columns); positions outside [0,H) x [0,W) are padding and are ignored
 * (never win a max, never counted in an average). OH/OW are chosen by the caller
 * (see poolOutSize), so ceil-mode windows may hang past the padded edge.
 */
export interface Pool2dParams {
  B: number; // batch size
  C: number; // channels
  H: number; // input height
  W: number; // input width
  KH: number; // window height
  KW: number; // window width
  SH: number; // vertical stride
  SW: number; // horizontal stride
  PH: number; // padding at top and bottom
  PW: number; // padding at left and right
  OH: number; // output height
  OW: number; // output width
}

/**
 * Pooling output extent along one axis, PyTorch rules:
 * floor (or ceil) ((n + 2*pad - k) / stride) + 1; in ceil mode the last window
 * is dropped if it would start inside the right padding (or beyond).
 */
export function poolOutSize(n: number, k: number, stride: number, pad: number, ceilMode: boolean = false): number {
  const span = n + 2 * pad - k;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= n + pad) out--;
  return out;
}

/**
 * Build a Pool2dParams (computing OH, OW with poolOutSize). stride defaults to
 * the window size (non-overlapping), strideW/padW default to stride/pad.
 */
export function pool2dParams(
  B: number, // batch size
  C: number, // channels
  H: number, // input height
  W: number, // input width
  KH: number, // window height
  KW: number, // window width
  stride: number = KH, // vertical stride (and horizontal unless strideW given)
  pad: number = 0, // vertical padding per side (and horizontal unless padW given)
  ceilMode: boolean = false, // ceil instead of floor for the output size
  strideW: number = stride, // horizontal stride
  padW: number = pad, // horizontal padding per side
): Pool2dParams {
  if (!(B >= 0 && C > 0 && H > 0 && W > 0 && KH > 0 && KW > 0 && stride > 0 && strideW > 0 && pad >= 0 && padW >= 0)) {
    throw new RangeError(`pool2dParams: invalid dimensions ${JSON.stringify({ B, C, H, W, KH, KW, stride, pad, strideW, padW })}`);
  }
  const OH = poolOutSize(H, KH, stride, pad, ceilMode);
  const OW = poolOutSize(W, KW, strideW, padW, ceilMode);
  if (OH <= 0 || OW <= 0) throw new RangeError(`pool2dParams: window ${KH}x${KW} larger than padded input ${H}x${W}`);
  return { B, C, H, W, KH, KW, SH: stride, SW: strideW, PH: pad, PW: padW, OH, OW };
}

/**
 * Max pooling forward. y [B][C][OH][OW] is overwritten; argmax (same length as
 * y) receives the flat index into x of each maximum (first one on ties), or -1
 * for a window with no in-bounds element (then y = 0).
 */
export function maxPoolForward(
  x: Tensor, // input [B][C][H][W]
  y: Tensor, // output [B][C][OH][OW]
  argmax: Int32Array, // flat x index of each output's maximum, length B*C*OH*OW
  p: Pool2dParams, // geometry
): void {
  const { B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW } = p;
  const HW = H * W;
  const planes = B * C;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const xp = pl * HW;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * SH - PH;
      let h1 = h0 + KH;
      if (h0 < 0) h0 = 0;
      if (h1 > H) h1 = H;
      for (let ow = 0; ow < OW; ow++, o++) {
        let w0 = ow * SW - PW;
        let w1 = w0 + KW;
        if (w0 < 0) w0 = 0;
        if (w1 > W) w1 = W;
        if (h0 >= h1 || w0 >= w1) {
          y[o] = 0;
          argmax[o] = -1;
          continue;
        }
        let bi = xp + h0 * W + w0;
        let best = x[bi]!;
        for (let h = h0; h < h1; h++) {
          const row = xp + h * W;
          for (let w = w0; w < w1; w++) {
            const v = x[row + w]!;
            if (v > best) {
              best = v;
              bi = row + w;
            }
          }
        }
        y[o] = best;
        argmax[o] = bi;
      }
    }
  }
}

/**
 * Max pooling backward: dx (length B*C*H*W) is overwritten with zeros, then
 * dx[argmax[o]] += dy[o]. dx must not alias dy.
 */
export function maxPoolBackward(
  dy: Tensor, // output gradient [B][C][OH][OW]
  argmax: Int32Array, // from maxPoolForward
  dx: Tensor, // input gradient [B][C][H][W], overwritten
  p: Pool2dParams, // geometry
): void {
  const n = p.B * p.C * p.OH * p.OW;
  dx.fill(0, 0, p.B * p.C * p.H * p.W);
  for (let o = 0; o < n; o++) {
    const i = argmax[o]!;
    if (i >= 0) dx[i] += dy[o]!;
  }
}

/**
 * Average pooling forward: each output is the mean of the in-bounds inputs of
 * its window (padding excluded, ONNX count_include_pad=0); 0 for an empty window.
 */
export function avgPoolForward(
  x: Tensor, // input [B][C][H][W]
  y: Tensor, // output [B][C][OH][OW], overwritten
  p: Pool2dParams, // geometry
): void {
  const { B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW } = p;
  const HW = H * W;
  const planes = B * C;
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const xp = pl * HW;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * SH - PH;
      let h1 = h0 + KH;
      if (h0 < 0) h0 = 0;
      if (h1 > H) h1 = H;
      for (let ow = 0; ow < OW; ow++, o++) {
        let w0 = ow * SW - PW;
        let w1 = w0 + KW;
        if (w0 < 0) w0 = 0;
        if (w1 > W) w1 = W;
        const count = (h1 - h0) * (w1 - w0);
        if (h0 >= h1 || w0 >= w1) {
          y[o] = 0;
          continue;
        }
        let s = 0;
        for (let h = h0; h < h1; h++) {
          const row = xp + h * W;
          for (let w = w0; w < w1; w++) s += x[row + w]!;
        }
        y[o] = s / count;
      }
    }
  }
}

/**
 * Average pooling backward: dx (overwritten) receives dy[o] / count(o) at every
 * in-bounds position of window o. dx must not alias dy.
 */
export function avgPoolBackward(
  dy: Tensor, // output gradient [B][C][OH][OW]
  dx: Tensor, // input gradient [B][C][H][W], overwritten
  p: Pool2dParams, // geometry
): void {
  const { B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW } = p;
  const HW = H * W;
  const planes = B * C;
  dx.fill(0, 0, planes * HW);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const xp = pl * HW;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * SH - PH;
      let h1 = h0 + KH;
      if (h0 < 0) h0 = 0;
      if (h1 > H) h1 = H;
      for (let ow = 0; ow < OW; ow++, o++) {
        let w0 = ow * SW - PW;
        let w1 = w0 + KW;
        if (w0 < 0) w0 = 0;
        if (w1 > W) w1 = W;
        if (h0 >= h1 || w0 >= w1) continue;
        const g = dy[o]! / ((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) {
          const row = xp + h * W;
          for (let w = w0; w < w1; w++) dx[row + w] += g;
        }
      }
    }
  }
}

/** Global average pooling forward: y[b][c] = mean over HW of x[b][c][:]. */
export function globalAvgPoolForward(
  x: Tensor, // input [B][C][H*W]
  y: Tensor, // output [B][C], overwritten
  B: number, // batch size
  C: number, // channels
  HW: number, // spatial size H*W
): void {
  const planes = B * C;
  const inv = 1 / HW;
  for (let pl = 0; pl < planes; pl++) {
    const o = pl * HW;
    let s = 0;
    for (let i = 0; i < HW; i++) s += x[o + i]!;
    y[pl] = s * inv;
  }
}

/** Global average pooling backward: dx[b][c][i] = dy[b][c] / HW (overwritten). */
export function globalAvgPoolBackward(
  dy: Tensor, // output gradient [B][C]
  dx: Tensor, // input gradient [B][C][H*W], overwritten
  B: number, // batch size
  C: number, // channels
  HW: number, // spatial size H*W
): void {
  const planes = B * C;
  const inv = 1 / HW;
  for (let pl = 0; pl < planes; pl++) {
    const o = pl * HW;
    const g = dy[pl]! * inv;
    for (let i = 0; i < HW; i++) dx[o + i] = g;
  }
}
