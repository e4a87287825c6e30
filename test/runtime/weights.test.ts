import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { encodeSafetensors, type SafetensorsTensorInput } from "../../runtime/io/index.js";
import {
  WeightsError,
  exportTensors,
  loadWeights,
  saveWeights,
  saveWeightsSync,
  specHash,
  type WeightsInfo,
} from "../../runtime/weights.js";
import { refuses } from "./helpers.js";
import { loadSpec, type GeneratedModel } from "../helpers/compile.js";
import { specWordsHash } from "../../compiler/spec-words.js";

const SPEC = `model tiny {
  input 1x4x4
  conv 3x3 x2 pad same
  batchnorm
  relu
  flatten -> 32
  fc 3
  loss softmax
}
`;
const HASH = specHash(SPEC);
const NAMES = ["conv1.weight", "conv1.bias", "batchnorm1.gamma", "batchnorm1.beta", "fc1.weight", "fc1.bias", "batchnorm1.mean", "batchnorm1.var"];

interface Module {
  info: WeightsInfo & { name: string; inputShape: readonly number[] };
  createModel(options?: { batchSize?: number; seed?: number }): GeneratedModel;
}

let f32: Module;
let f64: Module;
let tmp: string;
let fileCount = 0;
const tmpFile = (name = "w") => path.join(tmp, `${name}${fileCount++}.safetensors`);

beforeAll(async () => {
  f32 = (await loadSpec(SPEC)) as unknown as Module;
  f64 = (await loadSpec(SPEC, { dtype: "f64" })) as unknown as Module;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-weights-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A model whose every param and buffer differs from a fresh model's (batchnorm statistics included). */
function trainedLike(mod: Module, seed: number): GeneratedModel {
  const m = mod.createModel({ seed, batchSize: 4 });
  let k = seed;
  for (const rec of [m.params, m.buffers]) {
    for (const name of Object.keys(rec)) {
      if (/\.(gamma|beta|mean|var|bias)$/.test(name)) {
        const a = rec[name]!;
        for (let i = 0; i < a.length; i++) a[i] = 0.5 + ((k++ * 0.37) % 1);
      }
    }
  }
  return m;
}

type Snapshot = Record<string, Uint8Array>;
function snapshot(m: GeneratedModel): Snapshot {
  const out: Snapshot = {};
  for (const [group, rec] of [["p", m.params], ["b", m.buffers]] as const) {
    for (const [name, a] of Object.entries(rec)) out[`${group}:${name}`] = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  }
  return out;
}
function expectSameBits(a: Snapshot, b: Snapshot): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) expect(Buffer.from(a[k]!).equals(Buffer.from(b[k]!)), k).toBe(true);
}

describe("specHash", () => {
  it("is the sha256 hex of the source with CRLF normalised", () => {
    expect(specHash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(specHash("a\r\nb\r\n")).toBe(specHash("a\nb\n"));
    expect(specHash("a\nb")).not.toBe(specHash("a\nb\n"));
    expect(HASH).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("saveWeights / loadWeights", () => {
  it("round-trips every param and buffer bit for bit into a differently seeded model", async () => {
    const a = trainedLike(f32, 1);
    const b = f32.createModel({ seed: 2, batchSize: 4 });
    expect(Buffer.from(snapshot(a)["p:conv1.weight"]!).equals(Buffer.from(snapshot(b)["p:conv1.weight"]!))).toBe(false);
    const file = tmpFile();
    await saveWeights(file, a, f32.info, { model: "tiny", specHash: HASH, epochs: "3", "nnspec.note": "x y" });
    const r = loadWeights(file, b, f32.info, { specHash: HASH });
    expect(r.warnings).toEqual([]);
    expect(r.metadata).toEqual({ format: "pt", "nnspec.model": "tiny", "nnspec.spec_sha256": HASH, epochs: "3", "nnspec.note": "x y" });
    expectSameBits(snapshot(b), snapshot(a));
    // Same weights → same predictions (inference uses the batchnorm running statistics).
    const x = Float32Array.from({ length: 2 * 16 }, (_, i) => Math.sin(i));
    expect(Array.from(b.predict(x))).toEqual(Array.from(a.predict(x)));
    // No temporary files left behind by the atomic write.
    expect(fs.readdirSync(tmp).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("saveWeightsSync writes the same bytes and f64 models round-trip as F64", () => {
    const a = trainedLike(f32, 3);
    const f1 = tmpFile();
    const f2 = tmpFile();
    saveWeightsSync(f1, a, f32.info, { model: "tiny", specHash: HASH });
    return saveWeights(f2, a, f32.info, { model: "tiny", specHash: HASH }).then(() => {
      expect(fs.readFileSync(f1).equals(fs.readFileSync(f2))).toBe(true);
      const d = trainedLike(f64, 4);
      const e = f64.createModel({ seed: 5, batchSize: 4 });
      const f3 = tmpFile();
      saveWeightsSync(f3, d, f64.info, { model: "tiny", specHash: HASH });
      loadWeights(f3, e, f64.info, { specHash: HASH });
      expectSameBits(snapshot(e), snapshot(d));
      expect(e.params["fc1.weight"]).toBeInstanceOf(Float64Array);
    });
  });

  it("writes a standard safetensors file (independent parse of header, metadata, offsets and data)", () => {
    const a = trainedLike(f32, 6);
    const file = tmpFile();
    saveWeightsSync(file, a, f32.info, { model: "tiny", specHash: HASH, epochs: "7" });
    const bytes = fs.readFileSync(file);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    expect(8 + n).toBeLessThanOrEqual(bytes.length);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
    expect(header["__metadata__"]).toEqual({ format: "pt", "nnspec.model": "tiny", "nnspec.spec_sha256": HASH, epochs: "7" });
    const names = Object.keys(header).filter((k) => k !== "__metadata__");
    expect(names.sort()).toEqual([...NAMES].sort());
    const start = 8 + n;
    const spans: [number, number][] = [];
    const shapes = new Map([...f32.info.params, ...f32.info.buffers].map((p) => [p.name, [...p.shape]]));
    for (const name of names) {
      const t = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
      expect(t.dtype).toBe("F32");
      expect(t.shape).toEqual(shapes.get(name));
      const [lo, hi] = t.data_offsets;
      const src = (name in a.params ? a.params : a.buffers)[name]!;
      expect(hi - lo).toBe(4 * src.length);
      spans.push([lo, hi]);
      for (let i = 0; i < src.length; i++) expect(view.getFloat32(start + lo + 4 * i, true)).toBe(src[i]);
    }
    spans.sort((p, q) => p[0] - q[0]);
    let cursor = 0;
    for (const [lo, hi] of spans) {
      expect(lo).toBe(cursor);
      cursor = hi;
    }
    expect(start + cursor).toBe(bytes.length);
  });

  it("exportTensors copies, so later training does not change a snapshot", () => {
    const a = trainedLike(f32, 7);
    const t = exportTensors(a, f32.info);
    expect(Object.keys(t).sort()).toEqual([...NAMES].sort());
    expect(t["fc1.weight"]).toMatchObject({ dtype: "F32", shape: [3, 32] });
    const before = t["fc1.weight"]!.data[0];
    a.params["fc1.weight"]![0] = 1234;
    a.buffers["batchnorm1.var"]![1] = 99;
    expect(t["fc1.weight"]!.data[0]).toBe(before);
    expect(t["batchnorm1.var"]!.data[1]).not.toBe(99);
    expect(exportTensors(f64.createModel({ seed: 1 }), f64.info)["conv1.weight"]!.dtype).toBe("F64");
  });

  it("loads an F32 file written by another tool (PyTorch-style metadata only), warning when a spec hash was expected", () => {
    const a = trainedLike(f32, 8);
    const b = f32.createModel({ seed: 9, batchSize: 4 });
    const file = tmpFile();
    fs.writeFileSync(file, encodeSafetensors(exportTensors(a, f32.info), { format: "pt" }));
    const r = loadWeights(file, b, f32.info, { specHash: HASH });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/does not record which spec/);
    expectSameBits(snapshot(b), snapshot(a));
    // No expectation given: no warning.
    const c = f32.createModel({ seed: 10, batchSize: 4 });
    expect(loadWeights(file, c, f32.info).warnings).toEqual([]);
    // Without any metadata at all.
    fs.writeFileSync(file, encodeSafetensors(exportTensors(a, f32.info)));
    expect(loadWeights(file, f32.createModel({ seed: 11 }), f32.info).metadata).toEqual({});
  });

  it("refuses to save non-finite weights or reserved metadata keys", () => {
    const a = trainedLike(f32, 12);
    a.params["conv1.bias"]![1] = NaN;
    const file = tmpFile();
    expect(() => saveWeightsSync(file, a, f32.info, { model: "tiny", specHash: HASH })).toThrow(/tensor "conv1.bias" has a non-finite value NaN at index \[1\]/);
    expect(fs.existsSync(file)).toBe(false);
    const b = trainedLike(f32, 13);
    expect(() => saveWeightsSync(file, b, f32.info, { model: "tiny", specHash: HASH, format: "np" })).toThrow(WeightsError);
    expect(() => saveWeightsSync(file, b, f32.info, { model: "tiny", specHash: HASH, "nnspec.spec_words_sha256": "w" })).toThrow(/metadata key "nnspec.spec_words_sha256" is reserved/);
    expect(() => saveWeightsSync(file, b, f32.info, { model: "tiny", specHash: HASH, specWordsHash: 5 as never })).toThrow(/meta.specWordsHash must be a string/);
    saveWeightsSync(file, b, f32.info, { model: "tiny", specHash: HASH, specWordsHash: "w" });
    expect(loadWeights(file, trainedLike(f32, 14), f32.info).metadata).toEqual({ format: "pt", "nnspec.model": "tiny", "nnspec.spec_sha256": HASH, "nnspec.spec_words_sha256": "w" });
  });
});

// ------------------------------------------------------------------ rejections

describe("loadWeights rejects bad files and leaves the model untouched", () => {
  let source: GeneratedModel;
  let good: Record<string, SafetensorsTensorInput>;
  const META = () => ({ format: "pt", "nnspec.model": "tiny", "nnspec.spec_sha256": HASH });

  beforeAll(() => {
    source = trainedLike(f32, 21);
    good = exportTensors(source, f32.info);
  });

  function writeFile(tensors: Record<string, SafetensorsTensorInput>, metadata: Record<string, string> = META()): string {
    const file = tmpFile("bad");
    fs.writeFileSync(file, encodeSafetensors(tensors, metadata));
    return file;
  }

  /** Load into a fresh model; expect a WeightsError whose message has every pattern; check nothing changed. */
  function rejects(file: string, patterns: (string | RegExp)[], opts: { specHash?: string; specWordsHash?: string; force?: boolean; tensor?: string; mod?: Module } = {}): WeightsError {
    const mod = opts.mod ?? f32;
    const target = trainedLike(mod, 77);
    const before = snapshot(target);
    let caught: unknown;
    try {
      const words = opts.specWordsHash === undefined ? {} : { specWordsHash: opts.specWordsHash };
      loadWeights(file, target, mod.info, { specHash: opts.specHash ?? HASH, ...words, force: opts.force ?? false });
    } catch (e) {
      caught = e;
    }
    expect(caught, "expected a WeightsError").toBeInstanceOf(WeightsError);
    const err = caught as WeightsError;
    for (const p of patterns) {
      if (typeof p === "string") expect(err.message).toContain(p);
      else expect(err.message).toMatch(p);
    }
    expect(err.message).toContain(file);
    expect(err.file).toBe(file);
    if (opts.tensor !== undefined) expect(err.tensor).toBe(opts.tensor);
    expectSameBits(snapshot(target), before);
    return err;
  }

  it("a file that loads cleanly for comparison", () => {
    const target = f32.createModel({ seed: 1 });
    loadWeights(writeFile(good), target, f32.info, { specHash: HASH });
    expectSameBits(snapshot(target), snapshot(source));
  });

  it("missing file", () => {
    rejects(path.join(tmp, "does-not-exist.safetensors"), ["cannot read weights file", "no such file"]);
    rejects(tmp, ["cannot read weights file"]);
  });

  it("missing tensor", () => {
    const { "batchnorm1.var": _drop, ...rest } = good;
    rejects(writeFile(rest), ['missing tensor "batchnorm1.var"'], { tensor: "batchnorm1.var" });
  });

  it("extra tensor", () => {
    const extra = { ...good, "batchnorm1.num_batches_tracked": { dtype: "F32" as const, shape: [], data: new Float32Array([3]) } };
    rejects(writeFile(extra), ['unexpected tensor "batchnorm1.num_batches_tracked"'], { tensor: "batchnorm1.num_batches_tracked" });
  });

  it("mis-shaped tensor", () => {
    const t = { ...good, "fc1.weight": { ...good["fc1.weight"]!, shape: [32, 3] } };
    rejects(writeFile(t), ['tensor "fc1.weight" has shape [32, 3] but the model expects [3, 32]'], { tensor: "fc1.weight" });
  });

  it("wrong dtype, in both directions (no silent conversion)", () => {
    const wide: Record<string, SafetensorsTensorInput> = {};
    for (const [k, v] of Object.entries(good)) wide[k] = { dtype: "F64", shape: v.shape, data: Float64Array.from(v.data) };
    rejects(writeFile(wide), [/tensor "[^"]+" is F64 but the model is f32 and needs F32/]);
    rejects(writeFile(good), [/tensor "[^"]+" is F32 but the model is f64 and needs F64/], { mod: f64 });
    // Just one tensor wrong: named.
    const one = { ...good, "fc1.bias": { dtype: "F64" as const, shape: [3], data: Float64Array.from(good["fc1.bias"]!.data) } };
    rejects(writeFile(one), ['tensor "fc1.bias" is F64 but the model is f32'], { tensor: "fc1.bias" });
  });

  it("truncated file", () => {
    const full = fs.readFileSync(writeFile(good));
    const file = tmpFile("trunc");
    fs.writeFileSync(file, full.subarray(0, full.length - 6));
    rejects(file, ["invalid safetensors file", /truncated|run past the end/]);
    fs.writeFileSync(file, full.subarray(0, 5));
    rejects(file, ["invalid safetensors file", "shorter than the 8-byte header"]);
  });

  it("header lying about offsets", () => {
    const bytes = fs.readFileSync(writeFile(good));
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    // Claim fc1.bias starts 4 bytes later (same length field, so the header must be re-padded).
    header["fc1.bias"]!.data_offsets = header["fc1.bias"]!.data_offsets.map((o) => o + 4);
    let json = JSON.stringify(header);
    json += " ".repeat((8 - (json.length % 8)) % 8);
    const out = new Uint8Array(8 + json.length + (bytes.length - 8 - n));
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(new TextEncoder().encode(json), 8);
    out.set(bytes.subarray(8 + n), 8 + json.length);
    const file = tmpFile("lying");
    fs.writeFileSync(file, out);
    rejects(file, ["invalid safetensors file", "fc1.bias"]);
  });

  it("non-finite value (in the last tensor, so nothing before it may have been copied)", () => {
    const data = Float32Array.from(good["batchnorm1.var"]!.data);
    data[1] = Infinity;
    const t = { ...good, "batchnorm1.var": { ...good["batchnorm1.var"]!, data } };
    rejects(writeFile(t), ['tensor "batchnorm1.var" has a non-finite value Infinity at index [1]'], { tensor: "batchnorm1.var" });
    const nan = Float32Array.from(good["conv1.weight"]!.data);
    nan[10] = NaN;
    rejects(writeFile({ ...good, "conv1.weight": { ...good["conv1.weight"]!, data: nan } }), ['"conv1.weight" has a non-finite value NaN at index [1, 0, 0, 1]']);
  });

  it("a negative batchnorm variance (which would make every prediction NaN) is refused, naming the tensor and the index", () => {
    const data = Float32Array.from(good["batchnorm1.var"]!.data);
    data[1] = -0.25;
    const t = { ...good, "batchnorm1.var": { ...good["batchnorm1.var"]!, data } };
    rejects(writeFile(t), ['tensor "batchnorm1.var" has the value -0.25 at index [1]; its values must be ≥ 0'], { tensor: "batchnorm1.var" });
    const wide: Record<string, SafetensorsTensorInput> = {};
    for (const [k, v] of Object.entries(t)) wide[k] = { dtype: "F64", shape: v.shape, data: Float64Array.from(v.data) };
    rejects(writeFile(wide), ['"batchnorm1.var" has the value -0.25 at index [1]'], { tensor: "batchnorm1.var", mod: f64 });
    // A zero variance is fine (eps keeps the division finite), and so is a negative mean.
    const zero = Float32Array.from(good["batchnorm1.var"]!.data).fill(0);
    const mean = Float32Array.from(good["batchnorm1.mean"]!.data).fill(-3);
    const ok = { ...good, "batchnorm1.var": { ...good["batchnorm1.var"]!, data: zero }, "batchnorm1.mean": { ...good["batchnorm1.mean"]!, data: mean } };
    expect(loadWeights(writeFile(ok), f32.createModel({ seed: 1 }), f32.info, { specHash: HASH }).warnings).toEqual([]);
  });

  it("the model's info says which buffers are variances", () => {
    expect(f32.info.buffers).toEqual([
      { name: "batchnorm1.mean", shape: [2] },
      { name: "batchnorm1.var", shape: [2], min: 0 },
    ]);
  });

  it("spec hash mismatch: an error, or a warning with force", () => {
    const other = specHash(SPEC + "# changed\n");
    const file = writeFile(good, { ...META(), "nnspec.spec_sha256": other });
    const err = rejects(file, [
      "weights were trained for a different spec (model tiny, spec sha256 " + other.slice(0, 12),
      HASH.slice(0, 12),
      "load with { force: true } to accept it",
    ]);
    expect(err.tensor).toBeUndefined();
    const target = f32.createModel({ seed: 3 });
    const r = loadWeights(file, target, f32.info, { specHash: HASH, force: true });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain("different spec");
    expect(r.metadata["nnspec.spec_sha256"]).toBe(other);
    expectSameBits(snapshot(target), snapshot(source));
    // Without an expected hash, only the model name is compared.
    expect(loadWeights(file, f32.createModel({ seed: 3 }), f32.info).warnings).toEqual([]);
  });

  it("either hash suffices: the words after formatting, the text for a file older than the words hash", () => {
    const identity = (text: string) => ({ specHash: specHash(text), specWordsHash: specWordsHash(text) });
    const formatted = identity(SPEC.replace(/\n {2}/g, "\n\t") + "# a comment\n"); // another text, the same words
    expect(formatted.specHash).not.toBe(HASH);
    const load = (file: string, spec: { specHash: string; specWordsHash: string }) => {
      const target = f32.createModel({ seed: 3 });
      const r = loadWeights(file, target, f32.info, spec);
      expectSameBits(snapshot(target), snapshot(source));
      return r.warnings;
    };
    const both = writeFile(good, { ...META(), "nnspec.spec_words_sha256": specWordsHash(SPEC) });
    expect(load(both, formatted)).toEqual([]);
    // A file written before the words hash (the text hash only) loads when its text matches, as it always did...
    const old = writeFile(good);
    expect(load(old, identity(SPEC))).toEqual([]);
    // ...and is refused when it does not, the words unknown.
    rejects(old, ["different spec (model tiny, spec sha256 " + HASH.slice(0, 12) + "…, words sha256 unknown; this is model tiny, spec sha256 " + formatted.specHash.slice(0, 12)], formatted);
    // Another meaning (tanh for relu: the same tensors), so both hashes differ: refused, naming both of each side.
    const tanh = identity(SPEC.replace("relu", "tanh"));
    const err = rejects(both, [
      `(model tiny, spec sha256 ${HASH.slice(0, 12)}…, words sha256 ${specWordsHash(SPEC).slice(0, 12)}…; ` +
        `this is model tiny, spec sha256 ${tanh.specHash.slice(0, 12)}…, words sha256 ${tanh.specWordsHash.slice(0, 12)}…)`,
      "load with { force: true } to accept it",
    ], tanh);
    expect(err.forceable).toBe(true);
  });

  it("model name mismatch: an error, or a warning with force", () => {
    const file = writeFile(good, { ...META(), "nnspec.model": "lenet5" });
    const named = rejects(file, ["model lenet5", "this is model tiny", "{ force: true }"], { specHash: HASH });
    expect(named.message, "a library error names no CLI flag").not.toContain("--");
    expect(named.forceable).toBe(true);
    const r = loadWeights(file, f32.createModel({ seed: 3 }), f32.info, { specHash: HASH, force: true });
    expect(r.warnings[0]).toContain("model lenet5");
  });

  it("force never overrides a structural problem; the spec mismatch is mentioned as a note", () => {
    const { "fc1.bias": _drop, ...rest } = good;
    const file = writeFile(rest, { ...META(), "nnspec.spec_sha256": "0".repeat(64) });
    rejects(file, ['missing tensor "fc1.bias"', "note: weights were trained for a different spec"], { force: true });
  });
});

describe("the weights functions refuse bad arguments with an OptionError naming them", () => {
  it("loadWeights", () => {
    const file = tmpFile("args");
    saveWeightsSync(file, f32.createModel({ seed: 1 }), f32.info, { model: "tiny", specHash: HASH });
    const m = f32.createModel({ seed: 2 });
    refuses(() => loadWeights(file, m, f32.info, null as never), "loadWeights: options must be an object, got null");
    refuses(() => loadWeights(file, m, f32.info, { specHash: 5 } as never), "loadWeights: specHash must be a string, got 5");
    refuses(() => loadWeights(file, m, f32.info, { force: "yes" } as never), 'loadWeights: force must be true or false, got the string "yes"');
    refuses(() => loadWeights(file, m, f32.info, { froce: true } as never), 'loadWeights: unknown option "froce"', "specHash, specWordsHash, force");
    refuses(() => loadWeights(undefined as never, m, f32.info), "loadWeights: source must be a file path (a non-empty string) or the file's bytes (a Uint8Array or an ArrayBuffer), got undefined");
    refuses(() => loadWeights(file, null as never, f32.info), "loadWeights: model must be an object with params and buffers, got null");
    refuses(() => loadWeights(file, m, null as never), "loadWeights: info must be an object with dtype, params and buffers, got null");
    refuses(() => loadWeights(file, m, { ...f32.info, params: undefined } as never), "loadWeights: info must be an object with dtype, params and buffers");
  });

  it("saveWeights, exportTensors and specHash", async () => {
    const m = f32.createModel({ seed: 1 });
    refuses(() => saveWeightsSync(tmpFile("args"), m, f32.info, null as never), "saveWeights: meta must be an object, got null");
    await expect(saveWeights(tmpFile("args"), m, f32.info, undefined as never)).rejects.toThrow("saveWeights: meta must be an object, got undefined");
    refuses(() => saveWeightsSync("", m, f32.info, { model: "tiny", specHash: HASH }), "saveWeights: path must be a non-empty string");
    refuses(() => exportTensors(undefined as never, f32.info), "exportTensors: model must be an object with params and buffers, got undefined");
    refuses(() => specHash(undefined as never), "specHash: specText must be a string, got undefined");
  });
});
