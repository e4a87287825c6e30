/**
 * Data augmentation for image batches: random translations by up to `max`
 * pixels in each direction, zero-filled, one draw per example. Writes into a
 * caller-provided buffer (no allocation); seeded, so runs repeat exactly.
 */
import type { Rng } from "./rng.js";

export function randomShift(
  x: ArrayLike<number>, // input batch [n][C][H][W]
  out: Float32Array | Float64Array, // receives the shifted batch, same layout
  n: number, // examples
  C: number, // channels
  H: number, // height
  W: number, // width
  max: number, // largest shift in pixels
  rng: Rng, // source of the shifts
): void {
  const plane = H * W;
  const size = C * plane;
  for (let b = 0; b < n; b++) {
    const dy = rng.int(2 * max + 1) - max;
    const dx = rng.int(2 * max + 1) - max;
    const base = b * size;
    for (let c = 0; c < C; c++) {
      const o = base + c * plane;
      for (let i = 0; i < H; i++) {
        const si = i - dy;
        const row = o + i * W;
        if (si < 0 || si >= H) {
          for (let j = 0; j < W; j++) out[row + j] = 0;
          continue;
        }
        const srow = o + si * W;
        for (let j = 0; j < W; j++) {
          const sj = j - dx;
          out[row + j] = sj >= 0 && sj < W ? x[srow + sj]! : 0;
        }
      }
    }
  }
}
