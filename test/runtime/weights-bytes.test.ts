/**
 * Weights from memory (browsers have no files): loadWeights(bytes, …) runs the
 * same checks as loadWeights(path, …) — the same messages, with the name given
 * in `source` where the path would be — and encodeWeights returns the bytes
 * saveWeights writes. The spec hash is the same SHA-256 as before, computed
 * without node:crypto.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSafetensors } from "../../runtime/io/index.js";
import { OptionError } from "../../runtime/options.js";
import { sha256Hex } from "../../runtime/sha256.js";
import { encodeWeights, exportTensors, loadWeights, saveWeights, specHash, WeightsError, type WeightsInfo } from "../../runtime/weights.js";
import { loadSpec, type GeneratedModel } from "../helpers/compile.js";
import { LENET5 } from "../helpers/lenet5.js";

const SPEC = "model tiny { input 1x4x4, conv 3x3 x2 pad same, batchnorm, relu, flatten -> 32, fc 3, loss softmax }\n";
const HASH = specHash(SPEC);

interface Module {
  info: WeightsInfo & { name: string };
  createModel(options?: { batchSize?: number; seed?: number }): GeneratedModel;
}
let mod: Module;
let tmp: string;
beforeAll(async () => {
  mod = (await loadSpec(SPEC)) as unknown as Module;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-weights-bytes-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("sha256Hex", () => {
  it("equals node:crypto's SHA-256 at every padding boundary and on random bytes", () => {
    let seed = 1;
    const random = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100_003]) {
      const bytes = random(n);
      expect(sha256Hex(bytes), `${n} bytes`).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });

  it("keeps specHash what it was (the hash stored in existing weights files)", () => {
    const text = LENET5;
    expect(specHash(text)).toBe(createHash("sha256").update(text.replace(/\r\n/g, "\n"), "utf8").digest("hex"));
    expect(specHash("héllo → ✓\r\n")).toBe(createHash("sha256").update("héllo → ✓\n", "utf8").digest("hex"));
  });
});

describe("encodeWeights", () => {
  it("returns the bytes saveWeights writes, and they load into another model", async () => {
    const a = mod.createModel({ seed: 1, batchSize: 2 });
    const file = path.join(tmp, "a.safetensors");
    await saveWeights(file, a, mod.info, { model: "tiny", specHash: HASH, epochs: "2" });
    const bytes = encodeWeights(a, mod.info, { specHash: HASH, epochs: "2" });
    expect(Buffer.from(bytes).equals(fs.readFileSync(file))).toBe(true);
    const b = mod.createModel({ seed: 2, batchSize: 2 });
    const r = loadWeights(bytes, b, mod.info, { specHash: HASH });
    expect(r).toEqual({ metadata: { format: "pt", "nnspec.model": "tiny", "nnspec.spec_sha256": HASH, epochs: "2" }, warnings: [] });
    expect(b.params).toEqual(a.params);
    // An ArrayBuffer (what fetch(…).arrayBuffer() gives) loads too.
    const c = mod.createModel({ seed: 3, batchSize: 2 });
    loadWeights(bytes.slice().buffer, c, mod.info);
    expect(c.params).toEqual(a.params);
  });

  it("without a spec hash records none (and loading then warns when one is expected)", () => {
    const bytes = encodeWeights(mod.createModel({ seed: 1 }), mod.info);
    const r = loadWeights(bytes, mod.createModel({ seed: 2 }), mod.info, { specHash: HASH, source: "w.safetensors" });
    expect(r.metadata).toEqual({ format: "pt", "nnspec.model": "tiny" });
    expect(r.warnings).toEqual(["w.safetensors does not record which spec it was trained for (no nnspec.spec_sha256 metadata); loaded by tensor names and shapes only"]);
    expect(() => encodeWeights(mod.createModel(), mod.info, { specHash: 3 as never })).toThrow(/cannot encode weights: meta.model and meta.specHash must be strings/);
  });
});

describe("loadWeights(bytes) checks what loadWeights(path) checks", () => {
  /** Bad variants of a good file's tensors and metadata. */
  function badFiles(): Record<string, Uint8Array> {
    const good = exportTensors(mod.createModel({ seed: 9 }), mod.info);
    const meta = { format: "pt", "nnspec.model": "tiny", "nnspec.spec_sha256": HASH };
    const { "fc1.bias": _drop, ...missing } = good;
    const nan = Float32Array.from(good["fc1.weight"]!.data);
    nan[4] = NaN;
    const full = encodeSafetensors(good, meta);
    return {
      missing: encodeSafetensors(missing, meta),
      shape: encodeSafetensors({ ...good, "fc1.weight": { ...good["fc1.weight"]!, shape: [32, 3] } }, meta),
      nan: encodeSafetensors({ ...good, "fc1.weight": { ...good["fc1.weight"]!, data: nan } }, meta),
      truncated: full.subarray(0, full.length - 6),
      short: full.subarray(0, 5),
      otherSpec: encodeSafetensors(good, { ...meta, "nnspec.spec_sha256": specHash("other") }),
      otherModel: encodeSafetensors(good, { ...meta, "nnspec.model": "other" }),
    };
  }

  function failure(load: () => unknown): WeightsError {
    try {
      load();
    } catch (err) {
      expect(err).toBeInstanceOf(WeightsError);
      return err as WeightsError;
    }
    throw new Error("expected a WeightsError");
  }

  for (const name of ["missing", "shape", "nan", "truncated", "short", "otherSpec", "otherModel"]) {
    it(name, () => {
      const bytes = badFiles()[name]!;
      const file = path.join(tmp, `${name}.safetensors`);
      fs.writeFileSync(file, bytes);
      const target = mod.createModel({ seed: 5 });
      const before = structuredClone(target.params);
      const fromFile = failure(() => loadWeights(file, target, mod.info, { specHash: HASH }));
      const fromBytes = failure(() => loadWeights(bytes, target, mod.info, { specHash: HASH, source: "fetched.safetensors" }));
      expect(fromBytes.message).toBe(fromFile.message.split(file).join("fetched.safetensors"));
      expect(fromBytes.tensor).toBe(fromFile.tensor);
      expect(target.params).toEqual(before); // nothing copied
    });
  }

  it("names the bytes \"weights\" when no source is given, and refuses what is not bytes", () => {
    const e = failure(() => loadWeights(badFiles()["short"]!, mod.createModel(), mod.info));
    expect(e.message).toMatch(/^weights: invalid safetensors file: file is 5 bytes/);
    expect(() => loadWeights([1, 2] as never, mod.createModel(), mod.info)).toThrow(
      new OptionError("loadWeights: source must be a file path (a non-empty string) or the file's bytes (a Uint8Array or an ArrayBuffer), got an array of 2 values", "source"),
    );
  });
});
