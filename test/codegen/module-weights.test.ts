/**
 * A generated module's own weights functions: `saveWeights(model)` returns a
 * safetensors file recording the model's name and `info.specHash` (what
 * `nnspec train` writes, minus the training metadata) and
 * `loadWeights(model, bytes, opts?)` checks bytes as the runtime's
 * loadWeights does, against this module's spec.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors } from "../../runtime/io/index.js";
import { specWordsHash } from "../../compiler/spec-words.js";
import { encodeWeights, loadWeights as rtLoadWeights, specHash, WeightsError, type WeightsInfo } from "../../runtime/weights.js";
import { requireBuilt } from "../helpers/build.js";
import { freshDir } from "../helpers/bundler.js";
import { nnspec } from "../helpers/cli.js";
import { loadSpec, type GeneratedModel } from "../helpers/compile.js";
import { LENET5, LENET5_PATH } from "../helpers/lenet5.js";

const SPEC = "model tiny { input 1x4x4, conv 3x3 x2 pad same, batchnorm, relu, flatten -> 32, fc 3, loss softmax }\n";
/** The same model from another spec (tanh for relu): same name, tensors and shapes, other spec hashes. */
const OTHER_SPEC = SPEC.replace("relu", "tanh");
/** The same spec, formatted and with a comment: another text hash, the same words hash. */
const FORMATTED_SPEC = `# formatted\n\n${SPEC.replace(/, /g, " ,\t").replace(/\n$/, "   # tiny\n\n")}`;

interface Module {
  info: WeightsInfo & { name: string; specHash: string; specWordsHash: string };
  createModel(options?: { batchSize?: number; seed?: number; threads?: number }): GeneratedModel;
  loadWeights(model: GeneratedModel, bytes: Uint8Array | ArrayBuffer, opts?: { force?: boolean; source?: string }): { metadata: Record<string, string>; warnings: string[] };
  saveWeights(model: GeneratedModel): Uint8Array;
}

let tiny: Module;
let other: Module;
let formatted: Module;
beforeAll(async () => {
  tiny = (await loadSpec(SPEC)) as unknown as Module;
  other = (await loadSpec(OTHER_SPEC)) as unknown as Module;
  formatted = (await loadSpec(FORMATTED_SPEC)) as unknown as Module;
});

const values = (m: GeneratedModel) => Object.values({ ...m.params, ...m.buffers }).map((a) => Array.from(a));

describe("generated loadWeights / saveWeights", () => {
  it("info.specHash and info.specWordsHash are the spec's hashes, computed at compile time", () => {
    expect(tiny.info.specHash).toBe(specHash(SPEC));
    expect(other.info.specHash).toBe(specHash(OTHER_SPEC));
    expect(other.info.specHash).not.toBe(tiny.info.specHash);
    expect(tiny.info.specWordsHash).toBe(specWordsHash(SPEC));
    expect(other.info.specWordsHash).not.toBe(tiny.info.specWordsHash);
    expect(formatted.info.specWordsHash).toBe(tiny.info.specWordsHash);
    expect(formatted.info.specHash).not.toBe(tiny.info.specHash);
  });

  it("saveWeights: the runtime's encodeWeights with the model's name and spec hash, and nothing else", () => {
    const a = tiny.createModel({ seed: 1, batchSize: 2 });
    const bytes = tiny.saveWeights(a);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const spec = { specHash: specHash(SPEC), specWordsHash: specWordsHash(SPEC) };
    expect(Buffer.from(bytes).equals(Buffer.from(encodeWeights(a, tiny.info, spec)))).toBe(true);
    expect(decodeSafetensors(bytes).metadata).toEqual({ format: "pt", "nnspec.model": "tiny", "nnspec.spec_sha256": spec.specHash, "nnspec.spec_words_sha256": spec.specWordsHash });
  });

  it("round trip through bytes (Uint8Array and ArrayBuffer), bit for bit, also with the runtime's loadWeights", () => {
    const a = tiny.createModel({ seed: 1, batchSize: 2 });
    const bytes = tiny.saveWeights(a);
    for (const given of [bytes, bytes.slice().buffer]) {
      const b = tiny.createModel({ seed: 2, batchSize: 2 });
      expect(values(b)).not.toEqual(values(a));
      expect(tiny.loadWeights(b, given)).toEqual({ metadata: decodeSafetensors(bytes).metadata, warnings: [] });
      expect(values(b)).toEqual(values(a));
    }
    const c = tiny.createModel({ seed: 3, batchSize: 2 });
    expect(rtLoadWeights(bytes, c, tiny.info, { specHash: specHash(SPEC) }).warnings).toEqual([]);
    expect(values(c)).toEqual(values(a));
  });

  it("a tampered file is refused, naming the source, and the model is left as it was", () => {
    const bytes = tiny.saveWeights(tiny.createModel({ seed: 1, batchSize: 2 }));
    const b = tiny.createModel({ seed: 2, batchSize: 2 });
    const before = values(b);
    // The last 4 bytes are the last value of the last tensor in the file (fc1.weight): make it NaN.
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(nan.length - 4, Number.NaN, true);
    expect(() => tiny.loadWeights(b, nan, { source: "tiny.safetensors" })).toThrow(/^tiny\.safetensors: tensor "fc1\.weight" has a non-finite value NaN at index \[2, 31\]$/);
    expect(() => tiny.loadWeights(b, bytes.subarray(0, bytes.length - 1))).toThrow(WeightsError);
    expect(() => tiny.loadWeights(b, bytes.subarray(0, bytes.length - 1))).toThrow(/^weights: /);
    expect(values(b)).toEqual(before);
  });

  it("a file saved by the same model from another spec is refused without force, loaded with a warning with it", () => {
    const a = other.createModel({ seed: 1, batchSize: 2 });
    const bytes = other.saveWeights(a);
    const b = tiny.createModel({ seed: 2, batchSize: 2 });
    const before = values(b);
    let error: unknown;
    try {
      tiny.loadWeights(b, bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).forceable).toBe(true);
    expect((error as Error).message).toMatch(
      /^weights: weights were trained for a different spec \(model tiny, spec sha256 \w{12}…, words sha256 \w{12}…; this is model tiny, spec sha256 \w{12}…, words sha256 \w{12}…\); load with \{ force: true \} to accept it$/,
    );
    expect(values(b)).toEqual(before);
    const r = tiny.loadWeights(b, bytes, { force: true });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/different spec.*loading anyway \(force: true\)/);
    expect(values(b)).toEqual(values(a));
  });

  it("a file saved from the spec before it was formatted loads without a warning (the words hash matches), and the other way round", () => {
    const a = tiny.createModel({ seed: 1, batchSize: 2 });
    const b = formatted.createModel({ seed: 2, batchSize: 2 });
    expect(formatted.loadWeights(b, tiny.saveWeights(a)).warnings).toEqual([]);
    expect(values(b)).toEqual(values(a));
    const c = tiny.createModel({ seed: 3, batchSize: 2 });
    expect(tiny.loadWeights(c, formatted.saveWeights(b)).warnings).toEqual([]);
    expect(values(c)).toEqual(values(a));
  });

  it("a file written by `nnspec train` loads without a warning: the module's spec hash is the CLI's", async () => {
    requireBuilt("cli");
    const out = join(freshDir("module-weights"), "lenet5.safetensors");
    const r = nnspec(["train", LENET5_PATH, "--data", "mnist", "--epochs", "1", "--limit", "32", "--batch", "16", "-q", "--threads", "1", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lenet = (await loadSpec(LENET5)) as unknown as Module;
    const m = lenet.createModel({ batchSize: 1, threads: 1 });
    const { metadata, warnings } = lenet.loadWeights(m, readFileSync(out));
    expect(warnings).toEqual([]);
    expect(metadata["nnspec.spec_sha256"]).toBe(lenet.info.specHash);
    const saved = decodeSafetensors(lenet.saveWeights(m)).metadata;
    expect(metadata["nnspec.spec_words_sha256"]).toBe(lenet.info.specWordsHash);
    expect(saved).toEqual({
      format: metadata["format"],
      "nnspec.model": metadata["nnspec.model"],
      "nnspec.spec_sha256": metadata["nnspec.spec_sha256"],
      "nnspec.spec_words_sha256": metadata["nnspec.spec_words_sha256"],
    });
    m.dispose();
  });
});
