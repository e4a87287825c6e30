/**
 * ONNX export, checked against ONNX Runtime (onnxruntime-web, WASM backend,
 * one thread) as the independent oracle.
 *
 * For every spec in specs/ under the size rule below, and the acceptance specs
 * lenet5, cifar_cnn, all_ops, regressor and card_one_line (from
 * ../shared/acceptance/valid; missing, it is a failing test): random weights (biases, batchnorm γ, β
 * and running statistics non-trivial), export at opset 13, load in ORT (which
 * runs its own validation and shape inference), run random inputs at batch 1
 * and batch 7 (batch 1 only for inputs larger than 3x64x64, the 224x224
 * ImageNet networks), and compare with nnspec's own inference-mode forward (`forward`
 * for logits/outputs, `predict` for probabilities): max |difference| ≤ 1e-4,
 * relative to the output's scale where it exceeds 1 (random batchnorm
 * statistics let a deep residual net such as ResNet-56 reach logits of ~1e4,
 * where float32 rounding alone differs by more than 1e-4).
 * Also: the graph's names, symbolic batch dimension and initializers; every
 * opset 13–21; a mapping for every layer kind; errors naming the layer; and the
 * CLI (`nnspec export`, built dist/): --weights uses exactly the file's values,
 * usage errors exit 2, weights for another spec need --force, and the output is
 * byte-for-byte deterministic.
 *
 * Size rule (stated, not silent): a spec is excluded when its model has more
 * than 10,000,000 parameters (AlexNet, VGG, ResNet-18: their weights alone
 * take seconds to export and load, and they add no layer kind); the list of
 * exclusions is asserted by a test.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-web";
import { afterAll, describe, expect, it } from "vitest";
import { allLayers, LAYERS, type CheckedModel, type LayerNode, type Node } from "../../compiler/index.js";
import { childLists } from "../../compiler/model.js";
import { ExportError, exportOnnx, irVersionFor } from "../../compiler/export/onnx.js";
import { numel } from "../../compiler/shape.js";
import { saveWeights, specHash, type WeightsInfo } from "../../runtime/index.js";
import { specWordsHash } from "../../compiler/spec-words.js";
import { loadSpec, type GeneratedModel } from "../helpers/compile.js";
import { nnspecAsync, ROOT } from "../helpers/cli.js";
import { acceptanceSpec, acceptanceSpecsOrFail } from "../helpers/acceptance.js";
import { ONNX_MAX_PARAMS, checkedSpec as checked } from "../helpers/example-specs.js";
import { randomInput as randomValues, randomize } from "../helpers/random-weights.js";
import { onnxChecker } from "../helpers/onnx-checker.js";

const { onnx } = onnxProto;
ort.env.wasm.numThreads = 1;

const TOLERANCE = 1e-4;
const MAX_PARAMS = ONNX_MAX_PARAMS;
/** Inputs larger than this run at batch 1 only (a batch of 7 224x224 DenseNet activations would take 1.3 GB). */
const MAX_BATCHED_INPUT = 3 * 64 * 64;
const ACCEPTANCE = ["lenet5", "cifar_cnn", "all_ops", "regressor", "card_one_line"];
/** What the size rule is expected to exclude from specs/ (a new big spec must be added here, on purpose). */
const EXPECTED_EXCLUSIONS = ["alexnet", "resnet18", "vgg16", "vgg19"];

const DIR = join(ROOT, "test", ".tmp", `export-${process.pid}`);
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
/** Every model exported here also passes onnx.checker.check_model(full_check=True) (checked after the tests, in one Python process). */
const checker = onnxChecker("onnx");

// ------------------------------------------------------------------ the specs

interface Case {
  label: string;
  text: string;
  model: CheckedModel;
  excluded?: string;
}

function sizeRule(m: CheckedModel): string | undefined {
  return m.params > MAX_PARAMS ? `${m.params.toLocaleString("en-US")} parameters > ${MAX_PARAMS.toLocaleString("en-US")}` : undefined;
}

/** The path a case is compiled at: `densenet121.nnspec`, as test/codegen/golden-and-typecheck.test.ts does, so that the two share a compile (helpers/compile-cache.ts). */
const shownPath = (c: Case): string => `${c.label.slice(c.label.indexOf("/") + 1)}.nnspec`;

/** The batches (and their input seeds) a case runs at: 1 and 7, or 1 alone for a large input. */
function batchesOf(m: CheckedModel): (readonly [number, number])[] {
  return numel(m.inputShape) > MAX_BATCHED_INPUT ? [[1, 21]] : [[1, 21], [7, 22]];
}

const specFiles = readdirSync(join(ROOT, "specs"))
  .filter((f) => f.endsWith(".nnspec"))
  .sort();
const cases: Case[] = specFiles.map((f) => {
  const label = `specs/${f.replace(/\.nnspec$/, "")}`;
  const text = readFileSync(join(ROOT, "specs", f), "utf8");
  const model = checked(label, text);
  const excluded = sizeRule(model);
  return excluded ? { label, text, model, excluded } : { label, text, model };
});
if (acceptanceSpecsOrFail("valid").length > 0) {
  for (const name of ACCEPTANCE) {
    const label = `acceptance/${name}`;
    const text = readFileSync(acceptanceSpec("valid", name), "utf8");
    cases.push({ label, text, model: checked(label, text) });
  }
}

// Conv attributes no spec of specs/ has: dense dilation with a stride, a channel multiplier (groups < F).
{
  const label = "inline/conv-dilation-groups";
  const text = "model dg {\n  input 4x13x12\n  conv 3x3 x6 stride 2 dilation 2x3 pad 1\n  conv 3x2 x12 groups 3 dilation 2 pad 2x1, relu\n  conv 3x3 x12 groups 12 stride 2 pad 1\n  flatten\n  fc 3\n}\n";
  cases.push({ label, text, model: checked(label, text) });
}

// ------------------------------------------------------------------ helpers

function randomInput(n: number, shape: readonly number[], seed: number): Float32Array {
  return randomValues(n, numel(shape), seed);
}

/** max |a − b|, divided by the largest |b| when that is above 1 (float32 rounding grows with the values). */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return m / scale;
}

function tensorsOf(model: GeneratedModel): Record<string, Float32Array | Float64Array> {
  return { ...model.params, ...model.buffers };
}

/** Run the ONNX model and nnspec's model on the same input; the largest |difference| per output. */
async function compare(session: ort.InferenceSession, model: GeneratedModel, m: CheckedModel, n: number, seed: number): Promise<Record<string, number>> {
  const x = randomInput(n, m.inputShape, seed);
  const r = await session.run({ input: new ort.Tensor("float32", x, [n, ...m.inputShape]) });
  const main = Float32Array.from(model.forward(x));
  const diffs: Record<string, number> = {};
  if (m.loss?.kind === "softmax") {
    expect(r.logits!.dims).toEqual([n, ...m.outputShape]);
    diffs.logits = maxAbsDiff(r.logits!.data as Float32Array, main);
    diffs.probabilities = maxAbsDiff(r.probabilities!.data as Float32Array, Float32Array.from(model.predict(x)));
  } else {
    expect(r.output!.dims).toEqual([n, ...m.outputShape]);
    diffs.output = maxAbsDiff(r.output!.data as Float32Array, main);
  }
  return diffs;
}

function layerAndResidualNames(nodes: readonly Node[]): string[] {
  return nodes.flatMap((n) => (n.type === "layer" ? [n.name] : [n.name, ...childLists(n).flatMap(layerAndResidualNames)]));
}

/** The structure every export must have. */
function checkStructure(bytes: Uint8Array, m: CheckedModel, opset: number): void {
  const p = onnx.ModelProto.decode(bytes);
  expect(Number(p.irVersion)).toBe(irVersionFor(opset));
  expect(p.producerName).toBe("nnspec");
  expect(p.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", opset]]);
  const g = p.graph as onnxProto.onnx.GraphProto;
  expect(g.input.map((i) => i.name)).toEqual(["input"]);
  const dims = g.input[0]!.type!.tensorType!.shape!.dim!;
  expect(dims[0]!.dimParam).toBe("batch");
  expect(dims.slice(1).map((d) => Number(d.dimValue))).toEqual([...m.inputShape]);
  expect(g.output.map((o) => o.name)).toEqual(m.loss?.kind === "softmax" ? ["logits", "probabilities"] : ["output"]);
  for (const o of g.output) expect(o.type!.tensorType!.shape!.dim![0]!.dimParam).toBe("batch");
  // Node names: every layer (and residual join) by its own name; helpers LAYER.PART; the graph's own (probabilities; output of a model without layers).
  const layerNames = layerAndResidualNames(m.nodes);
  const nodeNames = g.node.map((n) => n.name ?? "");
  expect(new Set(nodeNames).size).toBe(nodeNames.length);
  for (const name of layerNames) expect(nodeNames).toContain(name);
  for (const name of nodeNames) expect(layerNames.includes(name) || layerNames.some((l) => name.startsWith(`${l}.`)) || /^(probabilities|output|logits)(_\d+)?$/.test(name), name).toBe(true);
  // Initializers: exactly the params and buffers, float32 raw little-endian.
  const expected = [...allLayers(m.nodes)].flatMap((l) => [...l.params, ...l.buffers].map((t) => [`${l.name}.${t.name}`, t.shape] as const));
  // Besides them, only small int64 constants of structural nodes (a gate's Unsqueeze axes: `gate1.axes`).
  const constants = g.initializer.filter((t) => t.dataType !== onnx.TensorProto.DataType.FLOAT);
  for (const t of constants) expect(t.dataType === onnx.TensorProto.DataType.INT64 && layerNames.some((l) => t.name === `${l}.axes`), t.name).toBe(true);
  expect(g.initializer.filter((t) => !constants.includes(t)).map((t) => t.name).sort()).toEqual(expected.map(([n]) => n).sort());
  for (const [name, shape] of expected) {
    const t = g.initializer.find((i) => i.name === name) as onnxProto.onnx.TensorProto;
    expect(t.dataType).toBe(onnx.TensorProto.DataType.FLOAT);
    expect(t.dims.map(Number)).toEqual(shape);
    expect(t.rawData.length).toBe(4 * numel(shape));
  }
}

function rawFloats(bytes: Uint8Array, name: string): Float32Array {
  const t = (onnx.ModelProto.decode(bytes).graph as onnxProto.onnx.GraphProto).initializer.find((i) => i.name === name) as onnxProto.onnx.TensorProto;
  const raw = t.rawData;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

const measured: { label: string; params: number; batch: number; diffs: Record<string, number> }[] = [];
afterAll(() => {
  if (!measured.length) return;
  const lines = measured.map((r) => `  ${r.label.padEnd(28)} ${String(r.params).padStart(9)} params  batch ${r.batch}  ${Object.entries(r.diffs).map(([k, v]) => `${k} ${v.toExponential(2)}`).join("  ")}`);
  const excluded = cases.filter((c) => c.excluded).map((c) => `  ${c.label}: ${c.excluded}`);
  console.log(`ONNX Runtime vs nnspec, max |difference| (divided by the largest |output| where above 1):\n${lines.join("\n")}\nexcluded by the size rule:\n${excluded.join("\n") || "  none"}`);
});

// ------------------------------------------------------------------ ORT agrees with nnspec

describe("exported models run in ONNX Runtime and agree with nnspec", () => {
  it(`the size rule (params > ${MAX_PARAMS.toLocaleString("en-US")}) excludes exactly ${EXPECTED_EXCLUSIONS.join(", ")} from specs/`, () => {
    const excluded = cases.filter((c) => c.excluded).map((c) => c.label.replace("specs/", ""));
    expect(excluded).toEqual(EXPECTED_EXCLUSIONS.filter((n) => specFiles.includes(`${n}.nnspec`)));
    expect(cases.filter((c) => !c.excluded && c.label.startsWith("specs/")).length).toBeGreaterThanOrEqual(5);
  });

  for (const c of cases) {
    if (c.excluded) continue; // listed and asserted by the test above
    const batches = batchesOf(c.model);
    it(`${c.label}: batch ${batches.map(([b]) => b).join(" and batch ")} within ${TOLERANCE}`, async () => {
      const mod = await loadSpec(c.text, { path: shownPath(c) });
      const model = mod.createModel({ batchSize: Math.max(...batches.map(([b]) => b)), seed: 11 });
      randomize(model, 12);
      const bytes = exportOnnx(c.model, tensorsOf(model), { specHash: specHash(c.text) });
      checker.add(c.label, bytes);
      checkStructure(bytes, c.model, 13);
      const session = await ort.InferenceSession.create(bytes);
      expect(session.inputNames).toEqual(["input"]);
      expect((session.inputMetadata[0] as { shape: readonly (number | string)[] }).shape).toEqual(["batch", ...c.model.inputShape]);
      for (const [batch, seed] of batches) {
        const diffs = await compare(session, model, c.model, batch, seed);
        measured.push({ label: c.label, params: c.model.params, batch, diffs });
        for (const d of Object.values(diffs)) expect(d).toBeLessThanOrEqual(TOLERANCE);
      }
      await session.release();
    });
  }

  it("all_layers at every opset from 13 to 21 (IR version 7 to 10)", async () => {
    const c = cases.find((x) => x.label === "specs/all_layers")!;
    const mod = await loadSpec(c.text, { path: shownPath(c) });
    const model = mod.createModel({ batchSize: 7, seed: 3 });
    randomize(model, 4);
    for (let opset = 13; opset <= 21; opset++) {
      const bytes = exportOnnx(c.model, tensorsOf(model), { opset });
      checker.add(`all_layers, opset ${opset}`, bytes);
      checkStructure(bytes, c.model, opset);
      const session = await ort.InferenceSession.create(bytes);
      const diffs = await compare(session, model, c.model, 7, opset);
      measured.push({ label: `all_layers, opset ${opset}`, params: c.model.params, batch: 7, diffs });
      for (const d of Object.values(diffs)) expect(d, `opset ${opset}`).toBeLessThanOrEqual(TOLERANCE);
      await session.release();
    }
  });

  it("pooling edge cases: ceil mode with padding, a dropped last window, avgpool excluding padding, a 2-D batchnorm", async () => {
    const text = `model pools {
  input 2x7x7
  maxpool 2 ceil                    -> 2x4x4
  avgpool 3x3 stride 2 pad 1 ceil   -> 2x3x3
  maxpool 2 stride 2 pad 1 ceil     -> 2x2x2
  avgpool 2x3 stride 1 pad 1        -> 2x3x2
  flatten
  batchnorm
  fc 3 nobias
  loss mse
}`;
    // One axis gains a ceil window (H: 4 → 3 windows, floor gives 2), the other drops one (W: 3 → 2, plain ceil gives 3).
    // Adaptive pooling with uniform windows (one AveragePool/MaxPool) and without (Slice + Reduce* + Concat, `axes` an input at opset 18+), Resize both ways, ConvTranspose.
    const grow = `model grow {
  input 2x6x6
  adaptiveavgpool 3                 -> 2x3x3
  adaptivemaxpool 2x3               -> 2x2x3
  upsample 2 bilinear               -> 2x4x6
  adaptivemaxpool 3x5               -> 2x3x5
  upsample 3                        -> 2x9x15
  adaptiveavgpool 4x6               -> 2x4x6
  deconv 3x3 x2 stride 2 pad 1 outpad 1 nobias -> 2x8x12
  flatten
  fc 3
  loss softmax
}`;
    const mixed = `model mixed {
  input 3x4x3
  maxpool 3x2 stride 2 pad 1 ceil   -> 3x3x2
  avgpool 3x2 stride 2 pad 1 ceil   -> 3x2x2
  flatten
  fc 2
  loss softmax
}`;
    for (const [label, spec] of [
      ["pools", text],
      ["mixed", mixed],
      ["grow", grow],
    ] as const) {
      const m = checked(label, spec);
      const mod = await loadSpec(spec);
      const model = mod.createModel({ batchSize: 7, seed: 5 });
      randomize(model, 6);
      for (const opset of [13, 21]) {
        const bytes = exportOnnx(m, tensorsOf(model), { opset });
        checker.add(`${label}, opset ${opset}`, bytes);
        checkStructure(bytes, m, opset);
        const session = await ort.InferenceSession.create(bytes);
        // ORT's own shape inference agrees with nnspec's shapes.
        expect((session.outputMetadata[0] as { shape: readonly (number | string)[] }).shape).toEqual(["batch", ...m.outputShape]);
        for (const n of [1, 7]) {
          const diffs = await compare(session, model, m, n, 30 + n);
          measured.push({ label: `${label}, opset ${opset}`, params: m.params, batch: n, diffs });
          for (const d of Object.values(diffs)) expect(d, `${label} opset ${opset}`).toBeLessThanOrEqual(TOLERANCE);
        }
        await session.release();
      }
    }
  });

  it("layers named like the graph's outputs, and a model without layers", async () => {
    const clash = "model names {\n  input 4\n  logits: fc 3\n  probabilities: relu\n  output: fc 2\n  loss softmax\n}\n";
    const empty = "model empty {\n  input 8\n  loss mse\n}\n";
    for (const [label, spec] of [
      ["names", clash],
      ["empty", empty],
    ] as const) {
      const m = checked(label, spec);
      const mod = await loadSpec(spec);
      const model = mod.createModel({ batchSize: 7, seed: 8 });
      randomize(model, 9);
      const bytes = exportOnnx(m, tensorsOf(model));
      checker.add(label, bytes);
      checkStructure(bytes, m, 13);
      const session = await ort.InferenceSession.create(bytes);
      for (const n of [1, 7]) for (const d of Object.values(await compare(session, model, m, n, 50 + n))) expect(d, label).toBeLessThanOrEqual(TOLERANCE);
      await session.release();
    }
  });
});

// ------------------------------------------------------------------ the mapping table and errors

describe("the exporter", () => {
  it("has an ONNX mapping for every layer kind of the registry except input and loss", () => {
    const kinds = [...LAYERS.keys()].filter((k) => k !== "input" && k !== "loss");
    expect([...LAYERS.values()].filter((d) => d.onnx !== undefined).map((d) => d.kind)).toEqual(kinds);
  });

  it("names the layer when a model cannot be exported", () => {
    const m = checked("lenet5", readFileSync(join(ROOT, "specs", "lenet5.nnspec"), "utf8"));
    const tensors: Record<string, Float32Array> = {};
    for (const l of allLayers(m.nodes)) for (const t of [...l.params, ...l.buffers]) tensors[`${l.name}.${t.name}`] = new Float32Array(numel(t.shape));
    expect(exportOnnx(m, tensors).length).toBeGreaterThan(4 * 61_706);
    // A kind without a mapping (none exists today; a future kind added to the registry only).
    const mystery = (n: LayerNode): LayerNode => {
      const { onnx: _none, ...def } = n.def;
      return { ...n, kind: "mystery", def: { ...def, kind: "mystery" } };
    };
    const odd = { ...m, nodes: m.nodes.map((n) => (n.name === "relu2" ? mystery(n as LayerNode) : n)) };
    expect(() => exportOnnx(odd, tensors)).toThrowError(/^layer relu2 \(mystery, line \d+\) cannot be exported to ONNX: no ONNX operator is defined for `mystery`$/);
    try {
      exportOnnx(odd, tensors);
    } catch (e) {
      expect(e).toBeInstanceOf(ExportError);
      expect((e as ExportError).layer).toBe("relu2");
    }
    // Missing, mis-sized and non-finite tensors.
    const { ["fc2.bias"]: _dropped, ...missing } = tensors;
    expect(() => exportOnnx(m, missing)).toThrowError(/^layer fc2 \(fc, line \d+\) cannot be exported: no values for tensor fc2\.bias$/);
    expect(() => exportOnnx(m, { ...tensors, "conv1.bias": new Float32Array(2) })).toThrowError(/layer conv1 \(conv, line \d+\) cannot be exported: tensor conv1\.bias has 2 values, its shape \[6\] needs 6/);
    expect(() => exportOnnx(m, { ...tensors, "fc1.weight": new Float32Array(48_000).fill(Number.NaN) })).toThrowError(/layer fc1 \(fc, line \d+\) cannot be exported: tensor fc1\.weight has the value NaN at index 0/);
    expect(() => exportOnnx(m, { ...tensors, "fc3.bias": new Float64Array(10).fill(1e39) })).toThrowError(/not a finite float32/);
    expect(() => exportOnnx(m, tensors, { opset: 12 })).toThrowError(RangeError);
    expect(() => exportOnnx(m, tensors, { opset: 22 })).toThrowError(RangeError);
  });
});

// ------------------------------------------------------------------ the CLI

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI in a child process (async, so independent runs overlap). */
const cli = (args: string[]): Promise<Run> => nnspecAsync(args, { cwd: DIR });

/** A spec file of its own (the CLI caches compiled modules by content, which includes the spec's path). */
function specFile(name: string, text: string): string {
  const path = join(DIR, `${name}.nnspec`);
  writeFileSync(path, text);
  return path;
}

describe("nnspec export", () => {
  const ALL_LAYERS = readFileSync(join(ROOT, "specs", "all_layers.nnspec"), "utf8");
  const LENET = readFileSync(join(ROOT, "specs", "lenet5.nnspec"), "utf8");

  it("usage errors exit 2 before anything is written: no --onnx, a bad --opset, a bad --seed", async () => {
    const spec = specFile("usage", LENET);
    const runs = await Promise.all([
      cli(["export", spec]),
      cli(["export", spec, "--onnx", "u.onnx", "--opset", "12"]),
      cli(["export", spec, "--onnx", "u.onnx", "--opset", "22"]),
      cli(["export", spec, "--onnx", "u.onnx", "--opset", "thirteen"]),
      cli(["export", spec, "--onnx", "u.onnx", "--seed", "1.5"]),
    ]);
    for (const r of runs) {
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^nnspec: /);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(runs[0]!.stderr).toContain("--onnx");
    for (const r of runs.slice(1, 4)) expect(r.stderr).toContain("--opset must be a whole number from 13 to 21");
    expect(runs[4]!.stderr).toContain("--seed must be a whole number");
    expect(existsSync(join(DIR, "u.onnx"))).toBe(false);
  });

  it("--weights exports exactly the file's values; weights for another spec need --force; same inputs give byte-identical files", async () => {
    const spec = specFile("weights", ALL_LAYERS);
    // Another meaning with the same tensors (a comment or a blank changed would be the same spec: its words hash matches).
    const changed = specFile("weights_changed", ALL_LAYERS.replace("leakyrelu 0.1", "leakyrelu 0.2"));
    const seeded = specFile("seeded", LENET);
    const m = checked("all_layers", ALL_LAYERS);
    const mod = await loadSpec(ALL_LAYERS);
    const model = mod.createModel({ batchSize: 7, seed: 1234 });
    randomize(model, 99); // biases and batchnorm values no seed gives
    const weights = join(DIR, "w.safetensors");
    await saveWeights(weights, model, mod.info as unknown as WeightsInfo, { model: mod.info.name, specHash: specHash(ALL_LAYERS) });

    // Two waves of runs; runs of one spec file never overlap (the CLI's compiled-module cache is per spec path).
    const [a, other, fresh, d1] = await Promise.all([
      cli(["export", spec, "--weights", weights, "--onnx", "a.onnx"]),
      cli(["export", changed, "--weights", weights, "--onnx", "other.onnx"]),
      cli(["export", specFile("fresh", ALL_LAYERS), "--onnx", "fresh.onnx", "--seed", "1234"]),
      cli(["export", seeded, "--onnx", "d1.onnx", "--seed", "7", "--opset", "17"]),
    ]);
    const [b, forced, d2] = await Promise.all([
      cli(["export", spec, "--weights", weights, "--onnx", "b.onnx"]),
      cli(["export", changed, "--weights", weights, "--onnx", "forced.onnx", "--force"]),
      cli(["export", seeded, "--onnx", "d2.onnx", "--seed", "7", "--opset", "17"]),
    ]);
    for (const r of [a, fresh, d1, b, forced, d2]) expect(r.status, r.stderr).toBe(0);
    for (const file of ["a.onnx", "fresh.onnx", "d1.onnx", "forced.onnx"]) checker.addFile(`nnspec export --onnx ${file}`, join(DIR, file));
    expect(a.stderr).toMatch(/wrote a\.onnx: all_layers, opset 13, input \[batch, 3, 12, 12\], outputs output; 3,036 parameters, weights from .*w\.safetensors/);
    expect(d1.stderr).toMatch(/wrote d1\.onnx: lenet5, opset 17, input \[batch, 1, 28, 28\], outputs logits, probabilities; 61,706 parameters, freshly initialised weights \(seed 7/);

    // Weights for another spec: exit 2 naming --force, nothing written; with --force a warning.
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/^nnspec: .*weights were trained for a different spec.*pass --force to load anyway/);
    expect(existsSync(join(DIR, "other.onnx"))).toBe(false);
    expect(forced.stderr).toMatch(/warning: .*different spec.*--force/);

    // Deterministic: same spec + weights, and same spec + seed, give the same bytes.
    const bytesA = readFileSync(join(DIR, "a.onnx"));
    expect(bytesA.equals(readFileSync(join(DIR, "b.onnx")))).toBe(true);
    expect(bytesA.equals(readFileSync(join(DIR, "forced.onnx")))).toBe(false); // its metadata records the changed spec
    const bytesD = readFileSync(join(DIR, "d1.onnx"));
    expect(bytesD.equals(readFileSync(join(DIR, "d2.onnx")))).toBe(true);
    expect(Number(onnx.ModelProto.decode(bytesD).irVersion)).toBe(8);
    checkStructure(bytesD, checked("lenet5", LENET), 17);

    checkStructure(bytesA, m, 13);
    expect(onnx.ModelProto.decode(bytesA).metadataProps.map((e) => [e.key, e.value])).toEqual([
      ["nnspec.model", "all_layers"],
      ["nnspec.spec_sha256", specHash(ALL_LAYERS)],
      ["nnspec.spec_words_sha256", specWordsHash(ALL_LAYERS)],
    ]);
    // Exactly the saved values (bit for bit), which the seed alone does not give.
    const tensors = tensorsOf(model);
    for (const [name, t] of Object.entries(tensors)) expect(rawFloats(bytesA, name), name).toEqual(Float32Array.from(t));
    const bytesFresh = readFileSync(join(DIR, "fresh.onnx"));
    expect(Object.keys(tensors).filter((name) => !rawFloats(bytesFresh, name).every((v, i) => v === tensors[name]![i])).length).toBeGreaterThan(0);
    // And ORT on the exported file computes what the model that saved the weights computes.
    const session = await ort.InferenceSession.create(bytesA);
    for (const n of [1, 7]) {
      const diffs = await compare(session, model, m, n, 40 + n);
      measured.push({ label: "all_layers, CLI --weights", params: m.params, batch: n, diffs });
      for (const d of Object.values(diffs)) expect(d).toBeLessThanOrEqual(TOLERANCE);
    }
    expect(readdirSync(DIR).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
