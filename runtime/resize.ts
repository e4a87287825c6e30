/**
 * Upsampling of CxHxW images by a whole factor S: nearest (PyTorch's
 * `nearest`: source row ⌊oh / S⌋) and bilinear with align_corners false
 * (PyTorch's, ONNX's `half_pixel`: source coordinate (o + 0.5) / S − 0.5,
 * clamped at 0, the upper neighbour clamped at the last row). Images are
 * `planes` = batch · channels planes of H x W; outputs S·H x S·W.
 */
import type { Tensor } from "./tensor.js";

/** y[p][oh][ow] = x[p][⌊oh/S⌋][⌊ow/S⌋]. */
export function upsampleNearestForward(x: Tensor, y: Tensor, planes: number, H: number, W: number, S: number): void {
  nearestWalk(x, y, planes, H, W, S, false);
}

/** dx[p][h][w] = the sum of dy over the S x S block it was copied to (overwrites dx). */
export function upsampleNearestBackward(dy: Tensor, dx: Tensor, planes: number, H: number, W: number, S: number): void {
  nearestWalk(dx, dy, planes, H, W, S, true);
}

/**
 * The S x S output block of each input value: `adjoint` false copies the
 * value of img over its block of out, true writes the sum of its block of
 * out to img. One walk for both keeps them each other's adjoint.
 */
function nearestWalk(img: Tensor, out: Tensor, planes: number, H: number, W: number, S: number, adjoint: boolean): void {
  const OW = W * S;
  for (let r = 0; r < planes * H; r++) {
    const block = r * S * OW;
    for (let w = 0; w < W; w++) {
      const o = block + w * S;
      let v = adjoint ? 0 : img[r * W + w]!;
      for (let i = 0; i < S; i++) {
        for (let j = 0; j < S; j++) {
          if (adjoint) v += out[o + i * OW + j]!;
          else out[o + i * OW + j] = v;
        }
      }
      if (adjoint) img[r * W + w] = v;
    }
  }
}

/** Per output index along one axis: the two source indices and their weights (built once per layer: bilinearTaps). */
export interface BilinearTaps {
  /** Input size along the axis. */
  size: number;
  i0: Int32Array;
  i1: Int32Array;
  l0: Float64Array;
  l1: Float64Array;
}

/** PyTorch's align_corners=false source coordinates for an axis of `size` upsampled by S. */
export function bilinearTaps(size: number, S: number): BilinearTaps {
  const n = size * S;
  const t: BilinearTaps = { size, i0: new Int32Array(n), i1: new Int32Array(n), l0: new Float64Array(n), l1: new Float64Array(n) };
  for (let o = 0; o < n; o++) {
    const src = Math.max(0, (o + 0.5) / S - 0.5);
    const i0 = Math.min(Math.floor(src), size - 1);
    t.i0[o] = i0;
    t.i1[o] = i0 < size - 1 ? i0 + 1 : i0;
    t.l1[o] = src - i0;
    t.l0[o] = 1 - (src - i0);
  }
  return t;
}

/** y = the bilinear upsampling of x (align_corners false); rows = bilinearTaps(H, S), cols = bilinearTaps(W, S). */
export function upsampleBilinearForward(x: Tensor, y: Tensor, planes: number, rows: BilinearTaps, cols: BilinearTaps): void {
  bilinearWalk(x, y, planes, rows, cols, false);
}

/** dx = the adjoint of upsampleBilinearForward applied to dy (overwrites dx). */
export function upsampleBilinearBackward(dy: Tensor, dx: Tensor, planes: number, rows: BilinearTaps, cols: BilinearTaps): void {
  dx.fill(0, 0, planes * rows.size * cols.size);
  bilinearWalk(dx, dy, planes, rows, cols, true);
}

/**
 * Each output value of `out` and its four taps in img: `adjoint` false
 * writes the output from its taps, true adds it to them (a gradient; the
 * caller zeroes img). One walk for both keeps them each other's adjoint.
 */
function bilinearWalk(img: Tensor, out: Tensor, planes: number, rows: BilinearTaps, cols: BilinearTaps, adjoint: boolean): void {
  const H = rows.size;
  const W = cols.size;
  const OH = rows.i0.length;
  const OW = cols.i0.length;
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = base + rows.i0[oh]! * W;
      const r1 = base + rows.i1[oh]! * W;
      const h0 = rows.l0[oh]!;
      const h1 = rows.l1[oh]!;
      for (let ow = 0; ow < OW; ow++, o++) {
        const c0 = cols.i0[ow]!;
        const c1 = cols.i1[ow]!;
        const w0 = cols.l0[ow]!;
        const w1 = cols.l1[ow]!;
        if (adjoint) {
          const g = out[o]!;
          img[r0 + c0] += h0 * w0 * g;
          img[r0 + c1] += h0 * w1 * g;
          img[r1 + c0] += h1 * w0 * g;
          img[r1 + c1] += h1 * w1 * g;
        } else {
          out[o] = h0 * (w0 * img[r0 + c0]! + w1 * img[r0 + c1]!) + h1 * (w0 * img[r1 + c0]! + w1 * img[r1 + c1]!);
        }
      }
    }
  }
}
