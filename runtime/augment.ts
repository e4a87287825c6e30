/**
 * Data augmentation for image batches: random translations by up to `max`
 * pixels in each direction, zero-filled, one draw per example. Writes into a
 * caller-provided buffer (no allocation); seeded, so runs repeat exactly.
 */
import { check, instanceOf, rule, wholeNumber } from "./options.js";
import { Rng } from "./rng.js";

const WHAT = "randomShift";
const DIM = wholeNumber(1);
const SHIFT = wholeNumber(0);
const RNG = instanceOf(Rng, "an Rng");

/** Checks the arguments (a few scalar tests per batch, no allocation when they pass). */
function checkArgs(x: ArrayLike<number>, out: Float32Array | Float64Array, n: number, C: number, H: number, W: number, max: number, rng: Rng): void {
  check(WHAT, "n", n, SHIFT);
  check(WHAT, "C", C, DIM);
  check(WHAT, "H", H, DIM);
  check(WHAT, "W", W, DIM);
  check(WHAT, "max", max, SHIFT);
  check(WHAT, "rng", rng, RNG);
  const size = n * C * H * W;
  if (!(ArrayBuffer.isView(x) || Array.isArray(x)) || x.length < size) check(WHAT, "x", x, rule(`an array of at least n·C·H·W = ${size} numbers`, () => false));
  if (!(out instanceof Float32Array || out instanceof Float64Array) || out.length < size)
    check(WHAT, "out", out, rule(`a Float32Array or Float64Array of at least n·C·H·W = ${size} values`, () => false));
}

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
  checkArgs(x, out, n, C, H, W, max, rng);
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
