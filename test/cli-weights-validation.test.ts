/**
 * Weights with a negative batchnorm variance made eval, predict and export
 * produce NaN probabilities; they are refused on load, in one line naming the
 * tensor and the index (exit 2), and nothing is written.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSafetensors, exportTensors, saveNpySync, specHash, type WeightsInfo } from "../runtime/index.js";
import { nnspecAsync } from "./helpers/cli.js";
import { loadSpec } from "./helpers/compile.js";

const SPEC = "model bn {\n  input 6\n  fc 4\n  batchnorm\n  relu\n  fc 3\n  loss softmax\n}\n";
const dir = mkdtempSync(join(tmpdir(), "nnspec-bnvar-"));
const spec = join(dir, "bn.nnspec");
const weights = join(dir, "bad.safetensors");
const input = join(dir, "x.npy");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  writeFileSync(spec, SPEC);
  const mod = await loadSpec(SPEC);
  const info = mod.info as unknown as WeightsInfo;
  const tensors = exportTensors(mod.createModel({ batchSize: 1, seed: 1 }), info);
  tensors["batchnorm1.var"]!.data[2] = -0.5;
  writeFileSync(weights, encodeSafetensors(tensors, { format: "pt", "nnspec.model": "bn", "nnspec.spec_sha256": specHash(SPEC) }));
  saveNpySync(input, { dtype: "<f4", shape: [2, 6], data: new Float32Array(12).fill(0.5) });
});

describe("a negative batchnorm variance is refused by every command that loads weights", () => {
  it.each([
    ["predict", ["predict", spec, "--weights", weights, "--input", input]],
    ["predict --output", ["predict", spec, "--weights", weights, "--input", input, "--output", join(dir, "y.npy")]],
    ["eval", ["eval", spec, "--weights", weights, "--data", dir]],
    ["export", ["export", spec, "--weights", weights, "--onnx", join(dir, "bn.onnx")]],
  ])("%s", async (_, args) => {
    const r = await nnspecAsync(args);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^nnspec: [^\n]+\n$/);
    expect(r.stderr).toContain('tensor "batchnorm1.var" has the value -0.5 at index [2]; its values must be ≥ 0');
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, "y.npy")) || existsSync(join(dir, "bn.onnx"))).toBe(false);
  }, 60_000);
});
