/**
 * PyTorch export, checked against PyTorch itself (Debian's python3-torch for
 * /usr/bin/python3; missing, the tests fail with the install command).
 *
 * For every spec in specs/ under the size rule below, and inline specs with
 * the pooling, conv and batchnorm edge cases: random weights (biases,
 * batchnorm γ, β and running statistics non-trivial) saved as safetensors by
 * nnspec and loaded by the exported module's own load_weights
 * (load_state_dict strict=True), then
 *   - eval mode: PyTorch (float32) and nnspec's inference forward (float64)
 *     on the same 2 random examples agree within 1e-4 (relative to the
 *     largest output when that is above 1: float32 rounding grows with it);
 *   - training mode, float64 on both sides, 3 examples: the loss (with L2)
 *     agrees within 1e-6 relative, every parameter's gradient within 1e-6
 *     relative to its largest magnitude (see `relative`), and the batchnorm running statistics
 *     after the step too. Dropout is compared with P set to 0 (PyTorch's and
 *     nnspec's random masks differ; at inference P plays no part), and a spec
 *     without a loss (all_layers) gets `loss mse`.
 * One compile per spec, one Python process for the whole file.
 *
 * Size rule (stated, not silent, as the ONNX test's; the lists are asserted by
 * a test): the comparison above is for the specs up to 20,000,000 parameters
 * and an input of at most 3x64x64 values (nnspec's float64 side, on the
 * TypeScript kernels, is what takes the time: DenseNet-121's float64 forward
 * and backward at batch 1 took 12 s on this 2-core machine, loaded). The larger specs up to 10,000,000 parameters
 * (ONNX_MAX_PARAMS, the ONNX comparison's limit) get the eval-mode comparison
 * only, at batch 1, nnspec in float32 on its wasm kernels (its module compiled
 * as the ONNX test compiles it, so the compile cache shares it) against
 * PyTorch in float32, within the same 1e-4; the rest (AlexNet, ResNet-18,
 * VGG-16, VGG-19) are excluded.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allLayers, LAYERS, type CheckedModel } from "../../compiler/index.js";
import { exportPytorch } from "../../compiler/export/pytorch.js";
import { numel } from "../../compiler/shape.js";
import { saveNpySync, saveWeightsSync, specHash, loadNpySync, type WeightsInfo } from "../../runtime/index.js";
import { loadCheckedModel, loadSpec } from "../helpers/compile.js";
import { ONNX_MAX_PARAMS, checkedSpec as checked } from "../helpers/example-specs.js";
import { ROOT } from "../helpers/cli.js";
import { startPython } from "../helpers/python.js";
import { randomInput, randomize, rng } from "../helpers/random-weights.js";

const EVAL_TOLERANCE = 1e-4;
const TRAIN_TOLERANCE = 1e-6;
const MAX_PARAMS = 20_000_000;
const MAX_INPUT = 3 * 64 * 64;
const MAX_EVAL_ONLY_PARAMS = ONNX_MAX_PARAMS;
const EXPECTED_EVAL_ONLY = ["densenet121", "googlenet", "mobilenet_v2", "shufflenet_v2", "squeezenet1_1", "unet"];
const EXPECTED_EXCLUSIONS = ["alexnet", "resnet18", "vgg16", "vgg19"];

const DIR = join(ROOT, "test", ".tmp", `pytorch-${process.pid}`);
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

interface Case {
  label: string;
  text: string;
  model: CheckedModel;
  /** Why the full comparison leaves it out (the size rule). */
  tooLarge?: string;
  /** The spec file's text, for the eval-only comparison, which compiles it unchanged. */
  original?: string;
  /** Why the eval-only comparison leaves it out too. */
  excluded?: string;
}

const count = (n: number): string => n.toLocaleString("en-US");

function sizeRule(m: CheckedModel): string | undefined {
  const why: string[] = [];
  if (m.params > MAX_PARAMS) why.push(`${count(m.params)} parameters > ${count(MAX_PARAMS)}`);
  if (numel(m.inputShape) > MAX_INPUT) why.push(`input ${m.inputShape.join("x")} > 3x64x64`);
  return why.length ? why.join(", ") : undefined;
}

/** `loss mse` for a model without a loss (all_layers), so that its gradients are compared too. */
const withLoss = (text: string): string => (/^\s*loss\b/m.test(text) ? text : text.replace(/\}\s*$/, "  loss mse\n}\n"));

/** Dropout with P = 0 (in the checked model both sides are built from), so that training is deterministic on both sides. */
function withoutDropout(m: CheckedModel): CheckedModel {
  for (const n of allLayers(m.nodes)) if (n.kind === "dropout") n.attrs = { ...n.attrs, value: 0 };
  return m;
}

const specFiles = readdirSync(join(ROOT, "specs"))
  .filter((f) => f.endsWith(".nnspec"))
  .sort();
const cases: Case[] = specFiles.map((f) => {
  const label = f.replace(/\.nnspec$/, "");
  const original = readFileSync(join(ROOT, "specs", f), "utf8");
  const text = withLoss(original);
  const model = withoutDropout(checked(label, text));
  const tooLarge = sizeRule(model);
  if (!tooLarge) return { label, text, model };
  const excluded = model.params > MAX_EVAL_ONLY_PARAMS ? `${tooLarge}; ${count(model.params)} parameters > ${count(MAX_EVAL_ONLY_PARAMS)} for the eval-only comparison` : undefined;
  return { label, text, model, tooLarge, original, ...(excluded ? { excluded } : {}) };
});
const INLINE: Record<string, string> = {
  // ceil mode with padding, a last window dropped in the right padding, avgpool excluding padding, a 2-D batchnorm with its own ε and momentum
  pools: "model pools {\n  input 2x7x7\n  maxpool 2 ceil\n  avgpool 3x3 stride 2 pad 1 ceil\n  maxpool 2 stride 2 pad 1 ceil\n  avgpool 2x3 stride 1 pad 1\n  flatten\n  batchnorm eps 0.01 momentum 0.3\n  fc 3 nobias\n  loss mse + l2 0.01\n}\n",
  mixed: "model mixed {\n  input 3x4x3\n  maxpool 3x2 stride 2 pad 1 ceil\n  avgpool 3x2 stride 2 pad 1 ceil\n  flatten\n  fc 2\n  loss softmax\n}\n",
  // dilation with a stride, a channel multiplier (groups < F), depthwise with a stride, `pad same`
  convs: "model convs {\n  input 4x13x12\n  conv 3x3 x6 stride 2 dilation 2x3 pad 1\n  conv 3x2 x12 groups 3 dilation 2 pad 2x1, relu\n  conv 3x3 x12 groups 12 stride 2 pad 1\n  conv 3x3 x4 pad same\n  flatten\n  fc 3\n  loss softmax + l2 0.1\n}\n",
};
for (const [label, text] of Object.entries(INLINE)) cases.push({ label: `inline/${label}`, text, model: checked(label, text) });

/**
 * Names Python cannot take as attributes (keywords, nn.Module's own `forward`,
 * `training`, `eval`, `state_dict`, leading underscores) or that are the
 * generated code's own names (`self`, `x`, `torch`, `nn`, `F`), and a spec
 * path full of line breaks and code: the module still loads, runs and agrees
 * with nnspec (it is one of the compared cases), and none of the path's text
 * reaches a line of its own.
 */
const HOSTILE_PATH = "evil\nimport os\r\nos.system('touch /tmp/pwned')\u2028\u2029\u0085\f#.nnspec";
const HOSTILE = `# hostile names for Python
block def(width) {
  conv 3x3 x width pad 1
  relu
}
model hostile {
  input 2x5x5
  class: conv 3x3 x4 pad 1
  import: batchnorm
  forward: relu
  training: residual {
    None: conv 3x3 x4 pad 1
    self: relu
  } shortcut {
    __init__: conv 1x1 x4
  }
  x_: def(4)
  lambda: def(4)
  _private: concat {
    branch { }
    branch { torch: conv 1x1 x2 }
  }
  eval: gate { globalavgpool, state_dict: fc 6, sigmoid }
  flatten
  x: fc 5
  F: dropout 0.5
  nn: fc 3
  loss softmax + l2 0.01
}
`;
cases.push({ label: "inline/hostile", text: HOSTILE, model: withoutDropout(checked("hostile", HOSTILE)) });
const specPathOf = (c: Case): string => (c.label === "inline/hostile" ? HOSTILE_PATH : `${c.label}.nnspec`);
const included = cases.filter((c) => !c.tooLarge);
const evalOnly = cases.filter((c) => c.tooLarge && !c.excluded);
const compared = [...included, ...evalOnly];

// ------------------------------------------------------------------ both sides

interface Expected {
  output: Float64Array;
  eval: Float64Array;
  loss: number;
  grads: Record<string, Float64Array>;
  buffers: Record<string, Float64Array>;
  tensors: string[];
  decayed: string[];
}

interface Result {
  error?: string;
  loss?: number;
  keys: string[];
  decayed: string[];
}

const EVAL_BATCH = 2;
const EVAL_ONLY_BATCH = 1;
const TRAIN_BATCH = 3;
const expected = new Map<string, Expected>();
let results: Record<string, Result> = {};
let pythonFailure: Error | undefined;

function targetsFor(m: CheckedModel, n: number, seed: number): Float64Array {
  const random = rng(seed);
  const size = numel(m.outputShape);
  if (m.loss?.kind === "softmax") return Float64Array.from({ length: n }, () => Math.floor(random() * size));
  return Float64Array.from({ length: n * size }, () => random() * 2 - 1);
}

/** A spec too large for the float64 side: its weights, one example, nnspec's float32 output on the wasm kernels, and the eval case for Python. */
async function prepareEvalOnly(py: ReturnType<typeof startPython>, c: Case, dir: string): Promise<void> {
  mkdirSync(join(dir, "eval"), { recursive: true });
  const hash = specHash(c.text);
  const exported = exportPytorch(c.model, { specHash: hash, specPath: specPathOf(c) });
  for (const f of exported.files) writeFileSync(join(dir, f.name), f.text);
  // compiled as test/export/onnx.test.ts compiles it (the spec unchanged, at this path): one compile for both through the cache
  const mod = await loadSpec(c.original!, { path: `${c.label}.nnspec` });
  const model = mod.createModel({ batchSize: EVAL_ONLY_BATCH, seed: 11 });
  try {
    randomize(model, 12);
    const weights = join(dir, "weights.safetensors");
    saveWeightsSync(weights, model, mod.info as unknown as WeightsInfo, { model: c.model.name, specHash: hash });
    const x = randomInput(EVAL_ONLY_BATCH, numel(c.model.inputShape), 21);
    saveNpySync(join(dir, "x1.npy"), { dtype: "<f4", shape: [EVAL_ONLY_BATCH, ...c.model.inputShape], data: x });
    py.send(JSON.stringify({ dir, module: exported.moduleFile, weights, id: `${c.label}/eval`, mode: "eval", x: join(dir, "x1.npy"), out: join(dir, "eval") }));
    const layers = [...allLayers(c.model.nodes)];
    const none = new Float64Array(0);
    expected.set(c.label, { output: none, eval: Float64Array.from(model.forward(x)), loss: Number.NaN, grads: {}, buffers: {}, tensors: layers.flatMap((n) => [...n.params, ...n.buffers].map((t) => `${n.name}.${t.name}`)), decayed: [] });
  } finally {
    model.dispose();
  }
}

beforeAll(async () => {
  const py = startPython([join(ROOT, "test", "export", "pytorch-harness.py")]);
  for (const [i, c] of compared.entries()) {
    const dir = join(DIR, `case${i}`);
    if (c.tooLarge) {
      await prepareEvalOnly(py, c, dir);
      continue;
    }
    for (const sub of ["eval", "train"]) mkdirSync(join(dir, sub), { recursive: true });
    const hash = specHash(c.text);
    const exported = exportPytorch(c.model, { specHash: hash, specPath: specPathOf(c) });
    for (const f of exported.files) writeFileSync(join(dir, f.name), f.text);

    const mod = await loadCheckedModel(c.model, { dtype: "f64" });
    const model = mod.createModel({ batchSize: TRAIN_BATCH, seed: 11, kernels: "js" });
    randomize(model, 12);
    const weights = join(dir, "weights.safetensors");
    saveWeightsSync(weights, model, mod.info as unknown as WeightsInfo, { model: c.model.name, specHash: hash });
    const shape = [...c.model.inputShape];
    const x2 = Float64Array.from(randomInput(EVAL_BATCH, numel(shape), 21));
    const x3 = Float64Array.from(randomInput(TRAIN_BATCH, numel(shape), 22));
    const targets = targetsFor(c.model, TRAIN_BATCH, 23);
    saveNpySync(join(dir, "x2.npy"), { dtype: "<f8", shape: [EVAL_BATCH, ...shape], data: x2 });
    saveNpySync(join(dir, "x3.npy"), { dtype: "<f8", shape: [TRAIN_BATCH, ...shape], data: x3 });
    const targetShape = c.model.loss?.kind === "softmax" ? [TRAIN_BATCH] : [TRAIN_BATCH, ...c.model.outputShape];
    saveNpySync(join(dir, "t3.npy"), { dtype: "<f8", shape: targetShape, data: targets });
    const common = { dir, module: exported.moduleFile, weights };
    py.send(JSON.stringify({ ...common, id: `${c.label}/eval`, mode: "eval", x: join(dir, "x2.npy"), out: join(dir, "eval") }));
    if (c.model.loss) py.send(JSON.stringify({ ...common, id: `${c.label}/train`, mode: "train", x: join(dir, "x3.npy"), target: join(dir, "t3.npy"), out: join(dir, "train") }));

    const evalOut = Float64Array.from(model.forward(x2));
    const output = Float64Array.from(model.forward(x3, { training: true }));
    const loss = c.model.loss ? model.loss(targets) : Number.NaN;
    if (c.model.loss) model.backward();
    const copy = (r: Record<string, Float32Array | Float64Array>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Float64Array.from(v)]));
    const layers = [...allLayers(c.model.nodes)];
    expected.set(c.label, {
      output,
      eval: evalOut,
      loss,
      grads: copy(model.grads),
      buffers: copy(model.buffers),
      tensors: layers.flatMap((n) => [...n.params, ...n.buffers].map((t) => `${n.name}.${t.name}`)),
      decayed: c.model.loss && c.model.loss.l2 > 0 ? layers.flatMap((n) => n.params.filter((p) => p.decay).map((p) => `${n.name}.${p.name}`)) : [],
    });
    model.dispose();
  }
  try {
    const run = await py.finish();
    if (run.status !== 0) throw new Error(`pytorch-harness.py exited with ${run.status}:\n${run.stderr}`);
    for (const line of run.stdout.split("\n").filter(Boolean)) {
      const r = JSON.parse(line) as Result & { id: string };
      results[r.id] = r;
    }
  } catch (e) {
    pythonFailure = e as Error;
  }
}, 300_000);

function result(id: string): Result {
  if (pythonFailure) throw pythonFailure;
  const r = results[id];
  if (!r) throw new Error(`no PyTorch result for ${id}`);
  if (r.error) throw new Error(`PyTorch failed on ${id}:\n${r.error}`);
  return r;
}

const npy = (path: string): Float64Array => Float64Array.from(loadNpySync(path).data as ArrayLike<number>);

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * |a − b| relative to b's largest magnitude, at least 1e-9: a gradient that
 * is zero in exact arithmetic (a bias just before a training-mode batchnorm,
 * whose mean it cancels) is rounding noise near 1e-17 on both sides, so it is
 * compared absolutely (within 1e-15).
 */
const relative = (a: ArrayLike<number>, b: ArrayLike<number>): number => maxAbsDiff(a, b) / Math.max(maxAbs(b), 1e-9);

const measured: string[] = [];
afterAll(() => {
  if (measured.length) console.log(`PyTorch vs nnspec:\n${measured.join("\n")}\nexcluded by the size rule:\n${cases.filter((c) => c.excluded).map((c) => `  ${c.label}: ${c.excluded}`).join("\n")}`);
});

describe("exported modules run in PyTorch and agree with nnspec", () => {
  it(`the size rule: params > ${count(MAX_PARAMS)} or input > 3x64x64 compares ${EXPECTED_EVAL_ONLY.join(", ")} in eval mode only, and params > ${count(MAX_EVAL_ONLY_PARAMS)} too excludes exactly ${EXPECTED_EXCLUSIONS.join(", ")} from specs/`, () => {
    expect(evalOnly.map((c) => c.label)).toEqual(EXPECTED_EVAL_ONLY.filter((n) => specFiles.includes(`${n}.nnspec`)));
    expect(cases.filter((c) => c.excluded).map((c) => c.label)).toEqual(EXPECTED_EXCLUSIONS.filter((n) => specFiles.includes(`${n}.nnspec`)));
    // Every layer kind (but input and loss) is in a compared spec.
    const kinds = new Set(included.flatMap((c) => [...allLayers(c.model.nodes)].map((n) => n.kind)));
    expect([...LAYERS.keys()].filter((k) => k !== "input" && k !== "loss" && !kinds.has(k))).toEqual([]);
  });

  for (const c of included) {
    it(`${c.label}: state_dict keys are nnspec's names; eval within ${EVAL_TOLERANCE}; training loss, gradients and running statistics within ${TRAIN_TOLERANCE} relative`, () => {
      const e = expected.get(c.label)!;
      const dir = join(DIR, `case${compared.indexOf(c)}`);
      const ev = result(`${c.label}/eval`);
      expect(ev.keys).toEqual(e.tensors);
      // float32 rounding grows with the values: above 1, the difference is taken relative to the largest output (as the ONNX test does)
      const evalDiff = maxAbsDiff(npy(join(dir, "eval", "output.npy")), e.eval) / Math.max(1, maxAbs(e.eval));
      expect(evalDiff).toBeLessThanOrEqual(EVAL_TOLERANCE);
      if (!c.model.loss) return;
      const tr = result(`${c.label}/train`);
      expect(tr.decayed).toEqual(e.decayed);
      const lossDiff = Math.abs(tr.loss! - e.loss) / Math.abs(e.loss);
      expect(lossDiff).toBeLessThanOrEqual(TRAIN_TOLERANCE);
      expect(relative(npy(join(dir, "train", "output.npy")), e.output)).toBeLessThanOrEqual(TRAIN_TOLERANCE);
      let worst = 0;
      for (const [name, g] of Object.entries(e.grads)) {
        const d = relative(npy(join(dir, "train", `grad.${name}.npy`)), g);
        expect(d, `gradient of ${name}`).toBeLessThanOrEqual(TRAIN_TOLERANCE);
        worst = Math.max(worst, d);
      }
      for (const [name, b] of Object.entries(e.buffers)) expect(relative(npy(join(dir, "train", `buffer.${name}.npy`)), b), `running statistic ${name}`).toBeLessThanOrEqual(TRAIN_TOLERANCE);
      measured.push(`  ${c.label.padEnd(16)} ${String(c.model.params).padStart(8)} params  eval ${evalDiff.toExponential(2)}  loss ${lossDiff.toExponential(2)}  gradients ${worst.toExponential(2)} (relative)`);
    });
  }

  for (const c of evalOnly) {
    it(`${c.label} (${c.tooLarge}): state_dict keys are nnspec's names; eval at batch ${EVAL_ONLY_BATCH}, float32 on both sides, within ${EVAL_TOLERANCE}`, () => {
      const e = expected.get(c.label)!;
      const ev = result(`${c.label}/eval`);
      expect(ev.keys).toEqual(e.tensors);
      const evalDiff = maxAbsDiff(npy(join(DIR, `case${compared.indexOf(c)}`, "eval", "output.npy")), e.eval) / Math.max(1, maxAbs(e.eval));
      expect(evalDiff).toBeLessThanOrEqual(EVAL_TOLERANCE);
      measured.push(`  ${c.label.padEnd(16)} ${String(c.model.params).padStart(8)} params  eval ${evalDiff.toExponential(2)} (float32, batch ${EVAL_ONLY_BATCH}; no training comparison)`);
    });
  }
});

describe("the PyTorch exporter", () => {
  it("has a PyTorch mapping for every layer kind of the registry except input and loss", () => {
    const kinds = [...LAYERS.keys()].filter((k) => k !== "input" && k !== "loss");
    expect([...LAYERS.values()].filter((d) => d.pytorch !== undefined).map((d) => d.kind)).toEqual(kinds);
  });

  it("lets no spec text into the module's code: hostile names go through _modules, a hostile spec path stays in one comment line", () => {
    const c = cases.find((x) => x.label === "inline/hostile")!;
    const text = exportPytorch(c.model, { specHash: "a".repeat(64), specPath: HOSTILE_PATH }).files[0]!.text;
    expect(text).not.toMatch(/[\r\f\u0085\u2028\u2029]/);
    expect(text.split("\n").filter((l) => l.includes("os.system"))).toEqual([`# Generated by nnspec from evil import os os.system('touch /tmp/pwned') #.nnspec (nnspec export --pytorch); do not edit, export again.`]);
    expect(text.split("\n").filter((l) => /^\s*import /.test(l))).toEqual(["import json", "import os", "import numpy as np", "import torch", "import torch.nn.functional as F"]);
    for (const name of ["class", "import", "forward", "training", "None", "__init__", "lambda", "_private", "eval", "state_dict"]) expect(text).toContain(`._modules["${name}"]`);
    for (const name of ["self", "torch", "x", "nn", "F"]) expect(text).toMatch(new RegExp(`self(\\.[A-Za-z0-9_]+|\\._modules\\["[A-Za-z0-9_]+"\\])*\\.${name} = `));
  });

  it("is deterministic, and refuses a model whose file would shadow a module the scripts import", () => {
    const m = cases.find((c) => c.label === "branches")!.model;
    const a = exportPytorch(m, { specHash: "a".repeat(64) });
    expect(exportPytorch(m, { specHash: "a".repeat(64) })).toEqual(a);
    expect(a.files.map((f) => f.name)).toEqual(["branches.py", "train_ddp.py"]);
    for (const name of ["torch", "numpy", "train_ddp", "class"]) {
      const odd = checked(name, `model ${name} {\n  input 4\n  fc 2\n}\n`);
      expect(() => exportPytorch(odd, { specHash: "a".repeat(64) })).toThrowError(new RegExp(`^model ${name} cannot be exported to PyTorch: ${name}\\.py would not be importable`));
    }
  });
});
