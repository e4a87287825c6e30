import type { Rng } from "./rng.js";
import type { Tensor } from "./tensor.js";

/**
 * Inverted dropout, training mode: mask[i] = 0 with probability p, else
 * 1/(1-p); y = x * mask. p = 0 gives mask = 1 and y = x; p >= 1 gives all
 * zeros. Inference needs no kernel (identity). y may alias x.
 * Draws exactly n values from rng (none when p <= 0).
 */
export function dropoutForward(
  x: Tensor, // input, n elements
  y: Tensor, // output, n elements
  mask: Tensor, // receives 0 or 1/(1-p) per element, kept for backward
  n: number, // element count
  p: number, // drop probability in [0, 1]
  rng: Rng, // random source
): void {
  if (n <= 0) return;
  if (p <= 0) {
    for (let i = 0; i < n; i++) {
      mask[i] = 1;
      y[i] = x[i]!;
    }
    return;
  }
  if (p >= 1) {
    for (let i = 0; i < n; i++) {
      mask[i] = 0;
      y[i] = 0;
    }
    return;
  }
  // Round the scale to the mask's precision so that y = x * mask exactly as backward sees it.
  mask[0] = 1 / (1 - p);
  const scale = mask[0]!;
  for (let i = 0; i < n; i++) {
    const m = rng.next() < p ? 0 : scale;
    mask[i] = m;
    y[i] = x[i]! * m;
  }
}

/** Dropout backward: dx = dy * mask. dx may alias dy. */
export function dropoutBackward(
  mask: Tensor, // from dropoutForward
  dy: Tensor, // output gradient
  dx: Tensor, // input gradient (overwritten)
  n: number, // element count
): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i]! * mask[i]!;
}
