// Batchnorm at inference through the kernel set's channelAffine: the wasm kernels (1–3 threads) and the
// TypeScript kernels against the plain TypeScript inference forward (no kernel set).
import { beforeAll, describe, expect, it } from "vitest";
import { batchNormForward, jsKernels, Rng, type BatchNormLayer } from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";

beforeAll(ensureWasmBuilt);

const { engine } = wasmEngines({ floats: 400_000, ints: 1, scratch: 1, convParams: 1 });

describe("batchnorm inference through channelAffine", () => {
  // [examples, channels, spatial]: runs not multiples of 4, vectors (spatial 1), one large enough to split
  for (const [n, c, s] of [[2, 3, 7], [3, 5, 1], [8, 32, 196]] as const)
    for (const threads of [0, 1, 2, 3])
      it(`${n} examples × ${c} channels × ${s}, ${threads ? `wasm, ${threads} thread(s)` : "TypeScript kernels"}`, () => {
        const e = threads ? engine(threads) : null;
        const take = (k: number) => (e ? e.floats.take(k) : new Float32Array(k));
        const rng = new Rng(n * c * s + threads);
        const rand = (v: Float32Array, lo: number, hi: number) => {
          for (let i = 0; i < v.length; i++) v[i] = lo + rng.next() * (hi - lo); // in place: v may be a view of the wasm memory
          return v;
        };
        const layer = (): BatchNormLayer => ({
          gamma: rand(take(c), -2, 2), beta: rand(take(c), -1, 1), runningMean: rand(take(c), -1, 1), runningVar: rand(take(c), 0.1, 3),
          mean: take(c).fill(NaN), invstd: take(c).fill(NaN), dgamma: take(c), dbeta: take(c), C: c, HW: s, eps: 1e-3,
        });
        const l = layer();
        const x = rand(take(n * c * s), -3, 3);
        const y = take(n * c * s).fill(NaN);
        batchNormForward(x, y, l, n, false, e ? e.kernels : jsKernels);
        const want = new Float32Array(n * c * s);
        batchNormForward(x, want, l, n, false);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(y[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
        expect(worst).toBeLessThanOrEqual(1e-6);
      });
});
