/**
 * ONNX export with external data (compiler/export/external-data.ts): a
 * protobuf message, so an ONNX file, holds at most 2 GiB, so a larger model's
 * initializers go to a data file beside it (onnx/onnx docs/ExternalData.md).
 *
 * (a) the layout: every initializer EXTERNAL with location/offset/length,
 *     offsets aligned (64 bytes; 64 KiB from 1 MiB up), the data file's bytes
 *     the weights' float32 bytes, its header nnspec's, its gaps zeros, and
 *     the same tensors give the same bytes;
 * (b) ONNX Runtime (onnxruntime-web, given the data file through its
 *     `externalData` option) loads it and computes what the same model
 *     exported without external data computes;
 * (c) the CLI: `--external-data` writes OUT.onnx and OUT.onnx.data and says
 *     so; both outputs are checked like every output (not an input, not each
 *     other, an existing file not nnspec's only with --force, not a device);
 *     a model over 2 GiB gets external data without the flag (the decision
 *     is tested on a 600M-parameter model's check, without building it).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-web";
import { afterAll, describe, expect, it } from "vitest";
import { allLayers, checkSource, type CheckedModel } from "../../compiler/index.js";
import { ExportError, exportOnnx, exportOnnxWithExternalData, INLINE_WEIGHTS_LIMIT, weightBytes } from "../../compiler/export/onnx.js";
import { HEADER, LARGE_ALIGNMENT, LARGE_TENSOR_BYTES, SMALL_ALIGNMENT } from "../../compiler/export/external-data.js";
import { float32Bytes } from "../../compiler/export/graph.js";
import { numel } from "../../compiler/shape.js";
import { saveWeights, specHash, type WeightsInfo } from "../../runtime/index.js";
import { loadSpec, type GeneratedModel } from "../helpers/compile.js";
import { nnspecAsync, ROOT } from "../helpers/cli.js";
import { onnxChecker } from "../helpers/onnx-checker.js";

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.TensorProto;
ort.env.wasm.numThreads = 1;

const DIR = join(ROOT, "test", ".tmp", `external-data-${process.pid}`);
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
/** Every model exported here also passes onnx.checker.check_model(full_check=True), its external data beside it. */
const checker = onnxChecker("external-data");

/** A conv, a batchnorm (buffers), a 1.1 MB fc weight (large alignment) and small tensors. */
const SPEC = `model ext {
  input 3x8x8
  conv 3x3 x4 pad 1
  batchnorm
  relu
  flatten
  fc 1100
  relu
  fc 5
  loss softmax
}
`;

function checked(text: string): CheckedModel {
  const r = checkSource("ext.nnspec", text);
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.models[0]!;
}

/** Non-trivial values everywhere (seeded, so runs agree). */
function randomize(model: GeneratedModel, seed: number): void {
  let a = seed >>> 0;
  const random = () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (const t of Object.values(model.params)) for (let i = 0; i < t.length; i++) t[i] = (random() - 0.5) * 0.2;
  for (const [name, t] of Object.entries(model.buffers)) for (let i = 0; i < t.length; i++) t[i] = name.endsWith(".var") ? 0.5 + random() : random() - 0.5;
}

const tensorsOf = (model: GeneratedModel) => ({ ...model.params, ...model.buffers });

function joined(pieces: readonly Uint8Array[]): Buffer {
  return Buffer.concat(pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** Each initializer's external_data entries as an object. */
function entries(t: TensorProto): Record<string, string> {
  return Object.fromEntries(t.externalData.map((e) => [e.key, e.value]));
}

describe("exportOnnxWithExternalData: the layout", () => {
  it("every initializer is EXTERNAL at an aligned offset with its length, and the data file holds exactly the weights' float32 bytes", async () => {
    const m = checked(SPEC);
    const model = (await loadSpec(SPEC)).createModel({ batchSize: 2, seed: 1 });
    randomize(model, 7);
    const tensors = tensorsOf(model);
    const r = exportOnnxWithExternalData(m, tensors, { location: "ext.onnx.data" });
    checker.add("external data, the layout", r.model, r.data);
    expect(r.data.location).toBe("ext.onnx.data");
    const data = joined(r.data.pieces);
    expect(data.length).toBe(r.data.byteLength);
    expect(data.subarray(0, HEADER.length).toString("latin1")).toBe(HEADER);

    const g = onnx.ModelProto.decode(r.model).graph!;
    const expected = [...allLayers(m.nodes)].flatMap((l) => [...l.params, ...l.buffers].map((t) => `${l.name}.${t.name}`));
    expect(g.initializer.map((t) => t.name).sort()).toEqual(expected.sort());
    const used = new Uint8Array(data.length); // which bytes some tensor covers
    used.fill(1, 0, HEADER.length);
    let sawLarge = false;
    for (const t of g.initializer as TensorProto[]) {
      expect(t.dataLocation, t.name).toBe(onnx.TensorProto.DataLocation.EXTERNAL);
      expect(t.rawData.length, t.name).toBe(0);
      const e = entries(t);
      expect(Object.keys(e)).toEqual(["location", "offset", "length"]);
      expect(e.location).toBe("ext.onnx.data");
      const offset = Number(e.offset);
      const length = Number(e.length);
      expect(length, t.name).toBe(4 * numel(t.dims.map(Number)));
      expect(offset % (length >= LARGE_TENSOR_BYTES ? LARGE_ALIGNMENT : SMALL_ALIGNMENT), t.name).toBe(0);
      if (length >= LARGE_TENSOR_BYTES) sawLarge = true;
      expect(data.subarray(offset, offset + length).equals(Buffer.from(float32Bytes(tensors[t.name!]!))), t.name).toBe(true);
      expect(used.subarray(offset, offset + length).every((b) => b === 0), `${t.name} overlaps another tensor`).toBe(true);
      used.fill(1, offset, offset + length);
    }
    expect(sawLarge).toBe(true);
    // The gaps between tensors are zeros, and the file ends with the last tensor.
    for (let i = 0; i < data.length; i++) if (!used[i]) expect(data[i], `gap byte ${i}`).toBe(0);
    expect(used[data.length - 1]).toBe(1);
    // The model file has no weights in it.
    expect(r.model.length).toBeLessThan(4096);

    // Deterministic: the same tensors give the same bytes, and the model file stays valid after the pieces are written.
    const again = exportOnnxWithExternalData(m, tensors, { location: "ext.onnx.data" });
    expect(Buffer.from(again.model).equals(Buffer.from(r.model))).toBe(true);
    expect(joined(again.data.pieces).equals(data)).toBe(true);
  });

  it("the location must be a plain file name", () => {
    const m = checked(SPEC);
    for (const bad of ["", "..", "../x.data", "/tmp/x.data", "sub/x.data"]) expect(() => exportOnnxWithExternalData(m, {}, { location: bad }), bad).toThrowError(RangeError);
  });
});

describe("exported with external data, the model runs in ONNX Runtime", () => {
  it("with the same outputs as the same model exported without external data", async () => {
    const m = checked(SPEC);
    const model = (await loadSpec(SPEC)).createModel({ batchSize: 3, seed: 2 });
    randomize(model, 8);
    const inline = await ort.InferenceSession.create(exportOnnx(m, tensorsOf(model)));
    const r = exportOnnxWithExternalData(m, tensorsOf(model), { location: "ext.onnx.data" });
    const external = await ort.InferenceSession.create(r.model, { externalData: [{ path: "ext.onnx.data", data: new Uint8Array(joined(r.data.pieces)) }] });
    const x = Float32Array.from({ length: 3 * 3 * 8 * 8 }, (_, i) => Math.sin(i));
    const feeds = { input: new ort.Tensor("float32", x, [3, 3, 8, 8]) };
    const a = await inline.run(feeds);
    const b = await external.run(feeds);
    for (const name of ["logits", "probabilities"]) {
      expect(b[name]!.dims).toEqual([3, 5]);
      expect(Array.from(b[name]!.data as Float32Array)).toEqual(Array.from(a[name]!.data as Float32Array));
    }
    // And what nnspec computes.
    const mine = model.predict(x);
    (b.probabilities!.data as Float32Array).forEach((v, i) => expect(Math.abs(v - mine[i]!)).toBeLessThan(1e-5));
    await inline.release();
    await external.release();
  });
});

describe("models over 2 GiB", () => {
  const BIG = "model big {\n  input 24500\n  fc 24500\n  loss mse\n}\n";

  it("exportOnnx refuses weights over INLINE_WEIGHTS_LIMIT before touching them, naming external data", () => {
    const m = checked(BIG);
    expect(weightBytes(m)).toBe(4 * 600_274_500);
    expect(weightBytes(m)).toBeGreaterThan(INLINE_WEIGHTS_LIMIT);
    expect(INLINE_WEIGHTS_LIMIT).toBeLessThan(2 ** 31 - 1);
    expect(() => exportOnnx(m, {})).toThrowError(ExportError);
    expect(() => exportOnnx(m, {})).toThrowError(/^model big has 2\.24 GiB of weights, more than one ONNX file holds \(2 GiB with the graph\); export it with external data \(exportOnnxWithExternalData\)$/);
    expect(weightBytes(checked(SPEC))).toBeLessThan(INLINE_WEIGHTS_LIMIT);
  });
});

// ------------------------------------------------------------------ the CLI

const cli = (args: string[]) => nnspecAsync(args, { cwd: DIR });

/** A spec file of its own per test (the CLI's compiled-module cache is per spec path). */
function specFile(name: string, text = SPEC): string {
  const path = join(DIR, `${name}.nnspec`);
  writeFileSync(path, text);
  return path;
}

function expectUsageError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^nnspec: [^\n]*\n$/);
  expect(r.stderr).toMatch(pattern);
}

describe("nnspec export --external-data", () => {
  it("writes OUT.onnx and OUT.onnx.data (the library's bytes), says so, and ONNX Runtime loads the pair", async () => {
    const spec = specFile("cli");
    const mod = await loadSpec(SPEC);
    const model = mod.createModel({ batchSize: 1, seed: 3 });
    randomize(model, 9);
    const weights = join(DIR, "cli.safetensors");
    await saveWeights(weights, model, mod.info as unknown as WeightsInfo, { model: "ext", specHash: specHash(SPEC) });
    const [r, plain] = await Promise.all([cli(["export", spec, "--weights", weights, "--onnx", "cli.onnx", "--external-data"]), cli(["export", specFile("plain"), "--onnx", "plain.onnx"])]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^wrote cli\.onnx with its weights in cli\.onnx\.data \(external data, --external-data\): ext, opset 13, input \[batch, 3, 8, 8\], outputs logits, probabilities; [\d,]+ parameters, weights from .*cli\.safetensors\n$/);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^wrote plain\.onnx: ext, /);
    expect(existsSync(join(DIR, "plain.onnx.data"))).toBe(false);

    const modelBytes = readFileSync(join(DIR, "cli.onnx"));
    checker.addFile("nnspec export --onnx cli.onnx --external-data", join(DIR, "cli.onnx"));
    const dataBytes = readFileSync(join(DIR, "cli.onnx.data"));
    const expected = exportOnnxWithExternalData(checked(SPEC), tensorsOf(model), { location: "cli.onnx.data", specHash: specHash(SPEC) });
    expect(joined(expected.data.pieces).equals(dataBytes)).toBe(true);
    const g = onnx.ModelProto.decode(modelBytes).graph!;
    expect(g.initializer.every((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL && entries(t as TensorProto).location === "cli.onnx.data")).toBe(true);
    const session = await ort.InferenceSession.create(new Uint8Array(modelBytes), { externalData: [{ path: "cli.onnx.data", data: new Uint8Array(dataBytes) }] });
    const x = Float32Array.from({ length: 192 }, (_, i) => Math.cos(i));
    const out = await session.run({ input: new ort.Tensor("float32", x, [1, 3, 8, 8]) });
    const mine = model.predict(x);
    (out.probabilities!.data as Float32Array).forEach((v, i) => expect(Math.abs(v - mine[i]!)).toBeLessThan(1e-5));
    await session.release();

    // Exporting again over its own earlier output (both files nnspec's) needs no --force, and gives the same bytes.
    const again = await cli(["export", spec, "--weights", weights, "--onnx", "cli.onnx", "--external-data"]);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(DIR, "cli.onnx.data")).equals(dataBytes)).toBe(true);
    expect(readFileSync(join(DIR, "cli.onnx")).equals(modelBytes)).toBe(true);
  });

  it("refuses a data file that is an input, the model file itself, a file nnspec did not write (unless --force), or beside a device", async () => {
    const spec = specFile("refuse");
    const weights = join(DIR, "w.onnx.data");
    const mod = await loadSpec(SPEC);
    await saveWeights(weights, mod.createModel({ batchSize: 1 }), mod.info as unknown as WeightsInfo, { model: "ext", specHash: specHash(SPEC) });
    const weightsBefore = readFileSync(weights);
    writeFileSync(join(DIR, "notes.onnx.data"), "my notes\n");
    writeFileSync(join(DIR, "linked.onnx"), "");
    symlinkSync(join(DIR, "linked.onnx"), join(DIR, "linked.onnx.data"));

    const [input, notes, linked, dev, onSpec] = await Promise.all([
      cli(["export", spec, "--weights", weights, "--onnx", "w.onnx", "--external-data"]),
      cli(["export", spec, "--onnx", "notes.onnx", "--external-data"]),
      cli(["export", spec, "--onnx", "linked.onnx", "--external-data"]),
      cli(["export", spec, "--onnx", "/dev/null", "--external-data"]),
      cli(["export", spec, "--onnx", spec, "--external-data"]),
    ]);
    expectUsageError(input, /--onnx's data file w\.onnx\.data is the same file as --weights \(.*w\.onnx\.data\); refusing to overwrite an input/);
    expect(readFileSync(weights).equals(weightsBefore)).toBe(true);
    expect(existsSync(join(DIR, "w.onnx"))).toBe(false);
    expectUsageError(notes, /--onnx's data file notes\.onnx\.data exists and is not an ONNX external data file written by nnspec; refusing to overwrite it \(pass --force/);
    expect(readFileSync(join(DIR, "notes.onnx.data"), "utf8")).toBe("my notes\n");
    expect(existsSync(join(DIR, "notes.onnx"))).toBe(false);
    expectUsageError(linked, /--onnx's data file linked\.onnx\.data is the same file as --onnx/);
    expectUsageError(dev, /--onnx \/dev\/null is a character device: with external data the model needs a file name \(its weights go beside it, in NAME\.data\)/);
    expectUsageError(onSpec, /--onnx .*refuse\.nnspec is the same file as the spec; refusing to overwrite an input/);

    const forced = await cli(["export", spec, "--onnx", "notes.onnx", "--external-data", "--force"]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(readFileSync(join(DIR, "notes.onnx.data")).subarray(0, HEADER.length).toString("latin1")).toBe(HEADER);
  });
});
