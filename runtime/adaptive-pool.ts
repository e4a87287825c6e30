/**
 * Adaptive pooling (PyTorch's AdaptiveAvgPool2d / AdaptiveMaxPool2d): a
 * CxH₀xW₀ image to CxHxW, output row i pooling input rows
 * [⌊i·H₀/H⌋, ⌈(i+1)·H₀/H⌉), likewise columns. Windows overlap when H does
 * not divide H₀, and the output may be larger than the input. Images are
 * `planes` = batch · channels planes.
 */
import type { Tensor } from "./tensor.js";

/** The first input row of output row i. */
export const adaptiveStart = (i: number, inSize: number, outSize: number): number => Math.floor((i * inSize) / outSize);
/** One past the last input row of output row i. */
export const adaptiveEnd = (i: number, inSize: number, outSize: number): number => Math.ceil(((i + 1) * inSize) / outSize);

/** y = the mean of each window. */
export function adaptiveAvgPoolForward(x: Tensor, y: Tensor, planes: number, H0: number, W0: number, H: number, W: number): void {
  adaptiveWalk(x, y, null, planes, H0, W0, H, W);
}

/** dx = each window's share of dy, summed where windows overlap (overwrites dx). */
export function adaptiveAvgPoolBackward(dy: Tensor, dx: Tensor, planes: number, H0: number, W0: number, H: number, W: number): void {
  dx.fill(0, 0, planes * H0 * W0);
  adaptiveWalk(dx, dy, "adjoint", planes, H0, W0, H, W);
}

/** y = the largest value of each window (the first one on ties, as PyTorch); argmax: its index in x. */
export function adaptiveMaxPoolForward(x: Tensor, y: Tensor, argmax: Int32Array, planes: number, H0: number, W0: number, H: number, W: number): void {
  adaptiveWalk(x, y, argmax, planes, H0, W0, H, W);
}

/**
 * Each output o and its window of img, once for the three kernels: with
 * `max` null, out[o] = the window's mean; "adjoint", the window gets
 * out[o] / (its size) added (a gradient: the caller zeroes img); an argmax
 * array, out[o] = the window's largest value and max[o] its index.
 */
function adaptiveWalk(img: Tensor, out: Tensor, max: Int32Array | "adjoint" | null, planes: number, H0: number, W0: number, H: number, W: number): void {
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H0 * W0;
    for (let i = 0; i < H; i++) {
      const h0 = adaptiveStart(i, H0, H);
      const h1 = adaptiveEnd(i, H0, H);
      for (let j = 0; j < W; j++, o++) {
        const w0 = adaptiveStart(j, W0, W);
        const w1 = adaptiveEnd(j, W0, W);
        const size = (h1 - h0) * (w1 - w0);
        if (max === null) {
          let s = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += img[base + h * W0 + w]!;
          out[o] = s / size;
        } else if (max === "adjoint") {
          const g = out[o]! / size;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) img[base + h * W0 + w] += g;
        } else {
          let best = base + h0 * W0 + w0;
          let m = img[best]!;
          for (let h = h0; h < h1; h++)
            for (let w = w0; w < w1; w++) {
              const k = base + h * W0 + w;
              if (img[k]! > m) {
                m = img[k]!;
                best = k;
              }
            }
          out[o] = m;
          max[o] = best;
        }
      }
    }
  }
}

/** dx[argmax[o]] += dy[o] over `outputs` = planes·H·W values (overwrites dx, `inputs` = planes·H₀·W₀ values). */
export function adaptiveMaxPoolBackward(dy: Tensor, argmax: Int32Array, dx: Tensor, inputs: number, outputs: number): void {
  dx.fill(0, 0, inputs);
  for (let o = 0; o < outputs; o++) dx[argmax[o]!] += dy[o]!;
}
