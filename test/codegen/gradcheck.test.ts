/**
 * Numerical gradient checks, in float64, for every layer kind in the registry
 * and every option: central differences of the generated loss against the
 * generated backward, for every parameter tensor. The cases are keyed by
 * layer kind and the test fails when a registered kind has none, so a new
 * layer cannot land without its check.
 */
import { describe, expect, it } from "vitest";
import { LAYERS } from "../../compiler/layers/registry.js";
import { loadSpec, type GeneratedModel } from "../helpers/compile.js";
import { Rng } from "../../runtime/rng.js";

/** Specs per kind: a parameterised layer before the one under test, so its input gradient is checked too. */
const CASES: Record<string, string[]> = {
  conv: [
    "input 2x7x6, conv 3x3 x3, conv 3x2 x2 stride 2 pad 1, flatten, fc 3",
    "input 2x6x6, conv 3x3 x2 pad same nobias, conv 1x1 x3 init xavier, conv 2x2 x2 stride 2x1 pad 1x0, flatten, fc 2",
    "input 4x6x5, conv 3x3 x6 pad 1 groups 2, conv 1x1 x4 groups 2 nobias, conv 3x2 x4 stride 2 pad 1 groups 4, flatten, fc 3",
    "input 2x6x6, conv 1x1 x3, conv 3x3 x3 pad 1 groups 3, relu, conv 3x3 x3 stride 2 pad 1 groups 3 nobias, conv 2x3 x3 stride 1x2 dilation 2x1 groups 3, flatten, fc 2",
    "input 2x9x8, conv 3x3 x3 dilation 2 pad same, conv 3x2 x2 dilation 2x3 stride 2, flatten, fc 3",
  ],
  maxpool: ["input 2x7x7, conv 3x3 x2 pad 1, maxpool 2 ceil, maxpool 3x2 stride 1 pad 1, flatten, fc 3", "input 1x8x8, conv 3x3 x2, maxpool 3 stride 2 pad 1, flatten, fc 2"],
  avgpool: ["input 2x7x7, conv 3x3 x2 pad 1, avgpool 2 ceil, avgpool 3 stride 1 pad 1, flatten, fc 3", "input 1x8x8, conv 3x3 x2, avgpool 2x3 stride 2, flatten, fc 2"],
  globalavgpool: ["input 2x5x4, conv 3x3 x3 pad 1, globalavgpool, fc 2"],
  flatten: ["input 2x3x3, conv 2x2 x2, flatten, fc 3"],
  fc: ["input 5, fc 4, fc 3 nobias, fc 3->2 init xavier"],
  relu: ["input 6, fc 5, relu, fc 3"],
  sigmoid: ["input 6, fc 5, sigmoid, fc 3"],
  tanh: ["input 6, fc 5, tanh, fc 3"],
  elu: ["input 6, fc 5, elu, fc 4, elu 0.5, fc 3"],
  leakyrelu: ["input 6, fc 5, leakyrelu, fc 4, leakyrelu 0.2, fc 3"],
  hardswish: ["input 6, fc 5, hardswish, fc 3", "input 2x4x4, conv 3x3 x3 pad 1, hardswish, flatten, fc 3"],
  softmax: ["input 6, fc 5, softmax, fc 3"],
  dropout: ["input 6, fc 8, dropout 0.4, fc 3"],
  batchnorm: ["input 2x4x4, conv 3x3 x3 pad 1, batchnorm, relu, flatten, fc 5, batchnorm, fc 3", "input 2x4x4, conv 3x3 x3 pad 1, batchnorm eps 0.2 momentum 0.5, relu, flatten, fc 5, batchnorm momentum 1 eps 1e-3, fc 3"],
  input: ["input 4, fc 3"],
  loss: ["input 4, fc 3"],
  deconv: [
    "input 2x3x3, conv 2x2 x3, deconv 3x3 x2 stride 2 pad 1 outpad 1, deconv 2x3 x2 stride 1x2, flatten, fc 3",
    "input 2x3x4, deconv 4x4 x3 stride 2 pad 1 nobias init xavier, deconv 1x1 x2, flatten, fc 2",
  ],
  upsample: [
    "input 2x3x2, conv 1x1 x2, upsample 2, conv 2x2 x2, upsample 3 bilinear, flatten, fc 3",
    "input 1x2x3, conv 1x1 x2, upsample 1 bilinear, upsample 3 nearest, upsample 2 bilinear, flatten, fc 2",
  ],
  adaptiveavgpool: ["input 2x7x5, conv 2x2 x2, adaptiveavgpool 4x3, adaptiveavgpool 6, adaptiveavgpool 2, flatten, fc 3"],
  adaptivemaxpool: ["input 2x7x5, conv 2x2 x2, adaptivemaxpool 4x3, adaptivemaxpool 5, adaptivemaxpool 2x1, flatten, fc 3"],
  relu6: ["input 6, fc 5, relu6, fc 3", "input 2x4x4, conv 3x3 x3 pad 1, relu6, flatten, fc 3"],
  hardsigmoid: ["input 6, fc 5, hardsigmoid, fc 3", "input 2x4x4, conv 3x3 x3 pad 1, hardsigmoid, flatten, fc 3"],
  silu: ["input 6, fc 5, silu, fc 3", "input 2x4x4, conv 3x3 x3 pad 1, silu, flatten, fc 3"],
  gelu: ["input 6, fc 5, gelu, fc 3", "input 2x4x4, conv 3x3 x3 pad 1, gelu, flatten, fc 3"],
  padchannels: ["input 2x3x3, conv 2x2 x3, padchannels 6, flatten, fc 3", "input 5, fc 3, padchannels 4, fc 2"],
  channels: ["input 2x3x3, conv 2x2 x5, channels 1:4, flatten, fc 3", "input 5, fc 4, channels 0:3, fc 2"],
  shuffle: ["input 2x3x3, conv 2x2 x6, shuffle 3, conv 1x1 x4, flatten, fc 3", "input 2x3x3, conv 2x2 x6, shuffle 2, flatten, fc 3", "input 5, fc 6, shuffle 2, fc 2"],
};

const STRUCTURE_CASES: Record<string, string> = {
  "residual, identity": "input 2x4x4, conv 3x3 x2 pad 1, residual { conv 3x3 x2 pad 1, relu, conv 3x3 x2 pad 1 }, flatten, fc 3",
  "residual with a shortcut": "input 2x4x4, conv 3x3 x2 pad 1, residual { conv 3x3 x3 stride 2 pad 1, relu } shortcut { conv 1x1 x3 stride 2 }, flatten, fc 3",
  "residual with an empty body": "input 5, fc 4, residual { }, fc 3",
  "residual with an empty body and a shortcut": "input 5, fc 4, residual { } shortcut { fc 4 }, fc 3",
  "nested residuals and repeat": "input 6, fc 4, repeat 2 { residual { fc 4, tanh, residual { fc 4 } } }, fc 3",
  "residual first": "input 2x3x3, residual { conv 3x3 x2 pad 1 }, flatten, fc 2",
  "conv first with nobias, image to vector shortcut": "input 2x4x4, conv 3x3 x2 pad 1 nobias, residual { flatten, fc 3 } shortcut { globalavgpool, fc 3 }, fc 2",
  // first layers whose input gradient nothing reads (the generator skips it, and what only feeds it)
  "parameter-free layers first": "input 2x3x3, flatten, relu, fc 3, tanh, fc 3",
  "batchnorm first": "input 2x3x3, batchnorm, conv 2x2 x2, flatten, fc 3",
  "parameter-free layers, then batchnorm": "input 2x4x4, maxpool 2, relu, batchnorm, flatten, fc 3",
  "residual with a shortcut first": "input 2x4x4, residual { conv 3x3 x3 stride 2 pad 1, relu } shortcut { conv 1x1 x3 stride 2 }, flatten, fc 3",
  "parameter-free residual first": "input 2x4x4, residual { relu, maxpool 1 } shortcut { avgpool 1 }, conv 3x3 x2, flatten, fc 3",
  "depthwise conv first": "input 3x5x5, conv 3x3 x3 pad 2 dilation 2 groups 3, flatten, fc 2",
  "concat of two branches": "input 2x5x5, conv 3x3 x2 pad 1, concat { branch { conv 1x1 x2, relu } branch { conv 3x3 x3 pad 1 } }, flatten, fc 3",
  "concat with identity branches, nested": "input 2x4x4, conv 3x3 x2 pad 1, concat { branch { } branch { conv 3x3 x2 pad 1, concat { branch { relu } branch { } } } branch { maxpool 3 stride 1 pad 1 } }, conv 1x1 x2, flatten, fc 3",
  "concat of vectors": "input 5, fc 4, concat { branch { fc 3 } branch { tanh } }, fc 3",
  "concat first": "input 2x4x4, concat { branch { conv 1x1 x2 } branch { } }, flatten, fc 3",
  "parameter-free concat first": "input 2x4x4, concat { branch { relu } branch { } }, conv 3x3 x2, flatten, fc 3",
  "concat of identity branches only": "input 5, fc 4, concat { branch { } branch { } }, fc 3",
  // Branches writing straight into their slices: batchnorm (after a conv and alone), average and max pooling, fc, batchnorm of vectors.
  "concat of batchnorm, pooling and fc endings":
    "input 2x4x4, conv 3x3 x2 pad 1, concat { branch { conv 1x1 x2, batchnorm } branch { avgpool 3 stride 1 pad 1 } branch { maxpool 3 stride 1 pad 1 } branch { batchnorm } }, flatten, fc 4, concat { branch { fc 3 } branch { fc 2, batchnorm } }, fc 3",
  "gate, squeeze-and-excitation": "input 2x4x4, conv 3x3 x3 pad 1, gate { globalavgpool, fc 2, relu, fc 3, sigmoid }, flatten, fc 3",
  "gate, same shape": "input 2x4x4, conv 3x3 x2 pad 1, gate { conv 3x3 x2 pad 1, sigmoid }, flatten, fc 3",
  "gate on vectors": "input 5, fc 4, gate { fc 4, tanh }, fc 3",
  "gate first": "input 2x4x4, gate { globalavgpool, fc 2 }, conv 3x3 x2, flatten, fc 3",
};

const LOSSES = ["loss softmax", "loss softmax + l2 0.01", "loss mse", "loss mse + l2 0.1"];

function randomFill(a: Float64Array | Float32Array, rng: Rng, scale = 1): void {
  for (let i = 0; i < a.length; i++) a[i] = (rng.next() * 2 - 1) * scale;
}

/** Largest relative error between analytic and numeric gradients over sampled entries of every parameter. */
function gradCheck(m: GeneratedModel, x: Float64Array, target: ArrayLike<number>, training: boolean, seed: number): { worst: number; where: string } {
  const run = () => {
    m.reseed(seed); // the same dropout mask on every evaluation
    m.forward(x, { training });
    return m.loss(target);
  };
  // batchnorm running statistics change with each training forward; they do not enter the training loss
  run();
  m.backward();
  const analytic = Object.fromEntries(Object.entries(m.grads).map(([k, g]) => [k, Float64Array.from(g)]));
  const rng = new Rng(seed + 1);
  let worst = 0;
  let where = "";
  const h = 1e-5;
  for (const [name, p] of Object.entries(m.params)) {
    const idx = p.length <= 12 ? [...p.keys()] : Array.from({ length: 12 }, () => rng.int(p.length));
    for (const i of idx) {
      const old = p[i]!;
      p[i] = old + h;
      const up = run();
      p[i] = old - h;
      const down = run();
      p[i] = old;
      const numeric = (up - down) / (2 * h);
      const a = analytic[name]![i]!;
      // Relative error; differences below 1e-9 are at the resolution of central differences
      // in float64 for losses of order 1 (rounding ≈ 1e-16·|loss| / h), and count as agreement.
      const diff = Math.abs(a - numeric);
      const rel = diff < 1e-9 ? 0 : diff / Math.max(Math.abs(a), Math.abs(numeric));
      if (rel > worst) (worst = rel), (where = `${name}[${i}]: analytic ${a}, numeric ${numeric}`);
    }
  }
  return { worst, where };
}

async function check(body: string, loss: string, training: boolean): Promise<void> {
  const mod = await loadSpec(`model g { ${body}, ${loss} }`, { dtype: "f64" });
  const B = 3;
  const m = mod.createModel({ batchSize: B, seed: 3 });
  const rng = new Rng(11);
  // non-zero biases and batchnorm parameters, so every path carries signal
  for (const p of Object.values(m.params)) if (p.every((v) => v === 0) || p.every((v) => v === 1)) randomFill(p, rng, 0.5);
  const inSize = mod.info.inputShape.reduce((a, b) => a * b, 1);
  const outSize = mod.info.outputShape.reduce((a, b) => a * b, 1);
  const x = new Float64Array(B * inSize);
  randomFill(x, rng);
  const target = mod.info.loss === "softmax" ? [0, 2 % outSize, 1 % outSize] : Float64Array.from({ length: B * outSize }, () => rng.next());
  const { worst, where } = gradCheck(m, x, target, training, 5);
  expect(worst, where).toBeLessThan(1e-6);
}

describe("gradient check (float64, central differences)", () => {
  it("has a case for every registered layer kind", () => {
    expect([...LAYERS.keys()].filter((k) => !CASES[k])).toEqual([]);
  });
  for (const [kind, specs] of Object.entries(CASES)) {
    specs.forEach((body, i) => {
      it(`${kind} #${i + 1}: ${body}`, async () => {
        const training = kind === "dropout" || kind === "batchnorm";
        await check(body, kind === "fc" ? "loss mse + l2 0.05" : "loss softmax", training);
        if (kind === "batchnorm") await check(body, "loss softmax", false); // inference mode: running statistics
      });
    });
  }
  for (const [what, body] of Object.entries(STRUCTURE_CASES))
    it(what, async () => {
      await check(body, "loss softmax", false);
      if (body.includes("batchnorm")) await check(body, "loss softmax", true); // batch statistics too
    });
  for (const loss of LOSSES) it(loss, () => check("input 2x3x3, conv 2x2 x2, relu, flatten, fc 4, tanh, fc 3", loss, false));
});
