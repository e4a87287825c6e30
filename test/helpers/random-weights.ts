/** Seeded random weights and inputs for the export tests (ONNX Runtime, PyTorch): the same numbers on every run. */
import type { GeneratedModel } from "./compile.js";

/** mulberry32: a small seeded generator. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fill = (t: Float32Array | Float64Array, random: () => number, lo: number, hi: number): void => {
  for (let i = 0; i < t.length; i++) t[i] = lo + (hi - lo) * random();
};

/** Initialised weights, with biases, batchnorm γ/β/mean/var and zero-initialised weights made non-trivial. */
export function randomize(model: Pick<GeneratedModel, "params" | "buffers">, seed: number): void {
  const random = rng(seed);
  for (const [name, t] of Object.entries(model.params)) {
    if (name.endsWith(".bias") || name.endsWith(".beta")) fill(t, random, -0.5, 0.5);
    else if (name.endsWith(".gamma")) fill(t, random, 0.5, 1.5);
    else if (t.every((v) => v === 0)) fill(t, random, -0.1, 0.1);
  }
  for (const [name, t] of Object.entries(model.buffers)) {
    if (name.endsWith(".mean")) fill(t, random, -0.5, 0.5);
    else fill(t, random, 0.5, 2);
  }
}

/** n examples of `size` values each, uniform in [-1, 1). */
export function randomInput(n: number, size: number, seed: number): Float32Array {
  const x = new Float32Array(n * size);
  fill(x, rng(seed), -1, 1);
  return x;
}
