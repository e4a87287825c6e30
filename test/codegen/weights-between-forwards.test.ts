// Weights that change between inference forwards (a training step, loaded weights, a direct write into
// `params`) are the weights the next forward uses: its output equals a fresh model's on the same weights,
// bit for bit, on the wasm kernels on 1–3 threads. The 1x1 convolutions are where a kernel could keep
// weights from an earlier call (packed, or folded with a batchnorm): this network has one on a plane wide
// enough for the packed GEMM with its epilogue in the tiles, one on a 6x6 plane (the GEMM reading its
// 136 filters in place, two row blocks), one with a bias and relu, each batchnorm folded at inference.
import { beforeAll, describe, expect, it } from "vitest";
import { SGD } from "../../runtime/index.js";
import { loadSpec, type GeneratedModel, type GeneratedModule } from "../helpers/compile.js";
import { randomInput, randomize } from "../helpers/random-weights.js";

const SPEC = `
model pw {
  input 16x12x12
  conv 1x1 x24 nobias, batchnorm, relu6
  conv 3x3 x24 stride 2 pad 1 groups 24 nobias, batchnorm, relu6
  conv 1x1 x136 nobias, batchnorm, relu6
  conv 1x1 x20, relu
  globalavgpool
  fc 10
  loss softmax
}
`;
const B = 2;

type WeightsModule = GeneratedModule & {
  loadWeights(model: GeneratedModel, bytes: Uint8Array): unknown;
  saveWeights(model: GeneratedModel): Uint8Array;
};

let mod: WeightsModule;
beforeAll(async () => {
  mod = (await loadSpec(SPEC)) as WeightsModule;
});

/** A fresh model given m's parameters and buffers. */
function copyOf(m: GeneratedModel, threads: number): GeneratedModel {
  const fresh = mod.createModel({ batchSize: B, seed: 99, kernels: "wasm", threads });
  for (const [name, t] of Object.entries(m.params)) fresh.params[name]!.set(t);
  for (const [name, t] of Object.entries(m.buffers)) fresh.buffers[name]!.set(t);
  return fresh;
}

const same = (a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe("weights changed between forwards are used by the next forward (wasm)", () => {
  for (const threads of [1, 2, 3]) {
    it(`${threads} thread(s): after a training step, after loadWeights, after writing params`, () => {
      const x = randomInput(B, 16 * 12 * 12, 5);
      const m = mod.createModel({ batchSize: B, seed: 1, kernels: "wasm", threads });
      randomize(m, 11);
      const before = m.forward(x).slice();
      m.forward(x);

      // A training step updates every weight in place (and the batchnorms' running statistics).
      m.trainStep(x, Int32Array.from([3, 7]), new SGD({ lr: 0.5 }));
      const trained = m.forward(x).slice();
      expect(same(trained, before)).toBe(false);
      const fresh = copyOf(m, threads);
      expect(same(trained, fresh.forward(x))).toBe(true);
      fresh.dispose();

      // Weights loaded from another model's file.
      const other = mod.createModel({ batchSize: B, seed: 2, kernels: "wasm", threads: 1 });
      randomize(other, 12);
      mod.loadWeights(m, mod.saveWeights(other));
      const loaded = m.forward(x).slice();
      expect(same(loaded, trained)).toBe(false);
      expect(same(loaded, other.forward(x))).toBe(true);

      // A direct write into a 1x1 convolution's weights (the one the GEMM reads in place) and into a batchnorm's scale.
      for (const model of [m, other]) {
        model.params["conv3.weight"]!.forEach((v, i, w) => (w[i] = i % 3 === 0 ? -v : v));
        model.params["batchnorm1.gamma"]![0] = 2.5;
      }
      const written = m.forward(x).slice();
      expect(same(written, loaded)).toBe(false);
      expect(same(written, other.forward(x))).toBe(true);
      other.dispose();
      m.dispose();
    });
  }
});
