import type { Tensor } from "./tensor.js";
import { resolveWindow, sliceStrides, WINDOW_FIELDS, type Window2dParams, type WindowSpec } from "./window.js";

/**
 * Geometry of a 2-D max/average pooling over x [B][C][H][W] -> y [B][C][OH][OW].
 * Window (oh, ow) covers input rows oh*SH - PH .. oh*SH - PH + KH - 1 (and
 * likewise columns); positions outside [0,H) x [0,W) are padding and are ignored
 * (never win a max, never counted in an average). In ceil mode (windowOutSize)
 * the last windows may hang past the padded edge.
 */
export interface Pool2dParams extends Window2dParams {
  /**
   * Per-example stride of y (forward) and of dy (backward) when they are one
   * example's run inside a larger tensor (a concat's output and its gradient:
   * the branch writes straight into its slice); absent: C·OH·OW (packed).
   * The argmax of max pooling stays packed.
   */
  YS?: number;
  DYS?: number;
}

/** The named geometry of a pooling layer: the window's fields, then ceil mode (default false). */
export interface PoolSpec extends WindowSpec {
  ceil?: boolean;
  /** Values from one example of y to the next (≥ channels·OH·OW; default packed). Pass y at the slice's first value. */
  outStride?: number;
  /** The same for dy in the backward kernels. */
  gradStride?: number;
}

const POOL_FIELDS: readonly string[] = [...WINDOW_FIELDS, "ceil", "outStride", "gradStride"];

/**
 * Builds a Pool2dParams, e.g. `pool2dParams({ batch: 32, channels: 6,
 * height: 28, width: 28, kernel: [2, 2], stride: [2, 2], pad: [0, 0], ceil: false })`;
 * stride defaults to the window size (non-overlapping windows). Throws a
 * RangeError on non-positive sizes, a window larger than the padded input,
 * or a field it does not know.
 */
export function pool2dParams(spec: PoolSpec): Pool2dParams {
  const p: Pool2dParams = resolveWindow("pool2dParams", spec, POOL_FIELDS, spec.kernel, spec.ceil === true);
  return Object.assign(p, sliceStrides("pool2dParams", p.C * p.OH * p.OW, spec.outStride, spec.gradStride));
}

/** Values between the end of one example's slice and the start of the next (0 when packed): example b's run is moved b·skip on. */
function skip(p: Pool2dParams, stride: number | undefined): number {
  return stride === undefined ? 0 : stride - p.C * p.OH * p.OW;
}

/** First input row (or column) of window o, clamped to the image. */
function winStart(o: number, S: number, P: number): number {
  const i = o * S - P;
  return i > 0 ? i : 0;
}

/** End (exclusive) of window o's input rows (or columns), clamped to the image's extent N. */
function winEnd(o: number, S: number, P: number, K: number, N: number): number {
  const i = o * S - P + K;
  return i < N ? i : N;
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
  const ySkip = skip(p, p.YS);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) {
    const xp = pl * HW;
    const yo = Math.floor(pl / C) * ySkip; // y[o + yo]: argmax stays packed
    for (let oh = 0; oh < OH; oh++) {
      const h0 = winStart(oh, SH, PH);
      const h1 = winEnd(oh, SH, PH, KH, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = winStart(ow, SW, PW);
        const w1 = winEnd(ow, SW, PW, KW, W);
        if (h0 >= h1 || w0 >= w1) {
          y[o + yo] = 0;
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
        y[o + yo] = best;
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
  const per = p.C * p.OH * p.OW;
  const dySkip = skip(p, p.DYS);
  dx.fill(0, 0, p.B * p.C * p.H * p.W);
  for (let b = 0, o = 0; b < p.B; b++) {
    const end = o + per;
    for (; o < end; o++) {
      const i = argmax[o]!;
      if (i >= 0) dx[i] += dy[o + b * dySkip]!;
    }
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
  walkAvg(x, y, p, false);
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
  dx.fill(0, 0, p.B * p.C * p.H * p.W);
  walkAvg(dx, dy, p, true);
}

/**
 * Every average-pooling window (padding not counted): with `adjoint` false,
 * out[o] = mean of the window of img (0 for an empty window); true, the
 * window of img gets out[o] / count added. One walk for both keeps them each
 * other's adjoint (as pool.as.ts does). `out` (y, or dy) may be a slice (YS, DYS).
 */
function walkAvg(img: Tensor, out: Tensor, p: Pool2dParams, adjoint: boolean): void {
  const { B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW } = p;
  const HW = H * W;
  const planes = B * C;
  const outSkip = skip(p, adjoint ? p.DYS : p.YS);
  for (let pl = 0; pl < planes; pl++) {
    const xp = pl * HW;
    let o = pl * OH * OW + Math.floor(pl / C) * outSkip;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = winStart(oh, SH, PH);
      const h1 = winEnd(oh, SH, PH, KH, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = winStart(ow, SW, PW);
        const w1 = winEnd(ow, SW, PW, KW, W);
        if (h0 >= h1 || w0 >= w1) {
          if (!adjoint) out[o] = 0;
          continue;
        }
        const count = (h1 - h0) * (w1 - w0);
        if (adjoint) addWindow(img, xp, W, h0, h1, w0, w1, out[o]! / count);
        else out[o] = sumWindow(img, xp, W, h0, h1, w0, w1) / count;
      }
    }
  }
}

/** Sum of rows [h0, h1) x columns [w0, w1) of the plane at xp (row length W). */
function sumWindow(img: Tensor, xp: number, W: number, h0: number, h1: number, w0: number, w1: number): number {
  let s = 0;
  for (let h = h0; h < h1; h++) {
    const row = xp + h * W;
    for (let w = w0; w < w1; w++) s += img[row + w]!;
  }
  return s;
}

/** Adds g to rows [h0, h1) x columns [w0, w1) of the plane at xp (row length W). */
function addWindow(img: Tensor, xp: number, W: number, h0: number, h1: number, w0: number, w1: number, g: number): void {
  for (let h = h0; h < h1; h++) {
    const row = xp + h * W;
    for (let w = w0; w < w1; w++) img[row + w] += g;
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
