import type { Rng } from "./rng.js";
import type { Tensor } from "./tensor.js";

/** He/Kaiming normal init: w ~ N(0, 2/fanIn). For conv fanIn = C*KH*KW, for fc fanIn = M. */
export function initHe(w: Tensor, fanIn: number, rng: Rng): void {
  initNormal(w, Math.sqrt(2 / fanIn), rng);
}

/** Xavier/Glorot uniform init: w ~ U(-a, a) with a = sqrt(6/(fanIn+fanOut)). */
export function initXavier(w: Tensor, fanIn: number, fanOut: number, rng: Rng): void {
  initUniform(w, -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut)), rng);
}

/** w ~ N(0, sigma^2). */
export function initNormal(w: Tensor, sigma: number, rng: Rng): void {
  const n = w.length;
  for (let i = 0; i < n; i++) w[i] = sigma * rng.normal();
}

/** w ~ U(lo, hi). */
export function initUniform(w: Tensor, lo: number, hi: number, rng: Rng): void {
  const n = w.length;
  const d = hi - lo;
  for (let i = 0; i < n; i++) w[i] = lo + d * rng.next();
}

/** w = 0. */
export function initZeros(w: Tensor): void {
  w.fill(0);
}

/** w = 1. */
export function initOnes(w: Tensor): void {
  w.fill(1);
}

/** w = value. */
export function initConstant(w: Tensor, value: number): void {
  w.fill(value);
}
