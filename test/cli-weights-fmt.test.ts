/**
 * Weights survive `nnspec fmt`: `nnspec train` records the spec's text hash
 * and its words hash (compiler/spec-words.ts); after `nnspec fmt` (another
 * text, the same words) or a comment edit, eval, predict and export load the
 * weights without --force and without a warning, and `train --resume`
 * continues from them. A change of meaning (an activation, a width, a
 * layer's name) is still refused, naming both hashes. A file written before
 * the words hash (the text hash only) is compared by its text, as before.
 * The exported MODEL.py's load_weights checks the same way. All CLI runs in
 * two processes (nnspecMany).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensorInput } from "../runtime/io/index.js";
import { saveNpySync, specHash } from "../runtime/index.js";
import { specWordsHash } from "../compiler/spec-words.js";
import { nnspecMany, type CliResult } from "./helpers/cli.js";
import { python } from "./helpers/python.js";

/** Not formatted: `nnspec fmt` changes its blanks, indentation and blank lines. */
const ORIGINAL = "# six features, three classes\nmodel tiny{\n    input 6   # features\n  fc 4,relu ->4\n\n\n\n   fc 3\n  loss softmax\n}\n";
const VARIANTS = {
  "comment.nnspec": ORIGINAL.replace("# features", "# the six features").replace("  loss", "  # the loss\n  loss"),
  "tanh.nnspec": ORIGINAL.replace("relu", "tanh"), // another meaning, the same tensors
  "wide.nnspec": ORIGINAL.replace("fc 4,relu ->4", "fc 5,relu ->5"),
  "renamed.nnspec": ORIGINAL.replace("fc 3", "out: fc 3"),
  "orig.nnspec": ORIGINAL,
};

const dir = mkdtempSync(join(tmpdir(), "nnspec-weights-fmt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

function writeInputs(): void {
  writeFileSync(at("tiny.nnspec"), ORIGINAL);
  for (const [name, text] of Object.entries(VARIANTS)) writeFileSync(at(name), text);
  for (const [split, n] of [["train", 16], ["test", 8]] as const) {
    saveNpySync(at(`${split}_x.npy`), { dtype: "<f4", shape: [n, 6], data: Float32Array.from({ length: n * 6 }, (_, i) => Math.sin(i)) });
    saveNpySync(at(`${split}_y.npy`), { dtype: "<i4", shape: [n], data: Int32Array.from({ length: n }, (_, i) => i % 3) });
  }
  saveNpySync(at("x.npy"), { dtype: "<f4", shape: [2, 6], data: new Float32Array(12).fill(0.5) });
}

/** `file`'s tensors and metadata with the metadata replaced by `edit`'s result, as `to`. */
function rewrite(file: string, to: string, edit: (metadata: Record<string, string>) => Record<string, string>): void {
  const { tensors, metadata } = decodeSafetensors(readFileSync(file));
  writeFileSync(to, encodeSafetensors(tensors as unknown as Record<string, SafetensorsTensorInput>, edit(metadata)));
}

const ok = (r: CliResult) => expect(r.status, r.stderr).toBe(0);
function refused(r: CliResult, ...patterns: RegExp[]): void {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^nnspec: [^\n]+\n$/);
  for (const p of patterns) expect(r.stderr).toMatch(p);
}

describe("weights trained before `nnspec fmt`", () => {
  it("load after fmt and after a comment edit, without --force; another meaning is refused; a file with the text hash only is compared as before", async () => {
    writeInputs();
    const js = ["--kernels", "js"];
    const weights = at("w.safetensors");
    const [train] = nnspecMany([["train", "tiny.nnspec", "--data", dir, "--epochs", "1", "--batch", "8", "--quiet", ...js, "--out", weights]], { cwd: dir });
    ok(train!);
    const saved = decodeSafetensors(readFileSync(weights)).metadata;
    expect(saved["nnspec.spec_sha256"]).toBe(specHash(ORIGINAL));
    expect(saved["nnspec.spec_words_sha256"]).toBe(specWordsHash(ORIGINAL));
    // As written before the words hash existed, and one whose words are another spec's.
    rewrite(weights, at("old.safetensors"), ({ "nnspec.spec_words_sha256": _, ...rest }) => rest);
    rewrite(weights, at("other.safetensors"), (m) => ({ ...m, "nnspec.spec_words_sha256": "0".repeat(64) }));

    const evalOf = (spec: string, file = weights, ...rest: string[]) => ["eval", spec, "--weights", file, "--data", dir, "--format", "json", ...js, ...rest];
    const runs = {
      fmt: ["fmt", "tiny.nnspec"],
      eval: evalOf("tiny.nnspec"),
      predict: ["predict", "tiny.nnspec", "--weights", weights, "--input", "x.npy", "--format", "json", ...js],
      onnx: ["export", "tiny.nnspec", "--weights", weights, "--onnx", "tiny.onnx"],
      pytorch: ["export", "tiny.nnspec", "--weights", weights, "--pytorch", "py"],
      resume: ["train", "tiny.nnspec", "--data", dir, "--epochs", "2", "--batch", "8", "--quiet", ...js, "--resume", weights, "--out", at("resumed.safetensors")],
      comment: evalOf("comment.nnspec"),
      tanh: evalOf("tanh.nnspec"),
      tanhForced: evalOf("tanh.nnspec", weights, "--force"),
      wide: evalOf("wide.nnspec"),
      renamed: evalOf("renamed.nnspec"),
      oldSameText: evalOf("orig.nnspec", at("old.safetensors")),
      oldFormatted: evalOf("tiny.nnspec", at("old.safetensors")),
      otherWords: evalOf("orig.nnspec", at("other.safetensors")),
    };
    const results = nnspecMany(Object.values(runs), { cwd: dir });
    const r = Object.fromEntries(Object.keys(runs).map((k, i) => [k, results[i]!])) as Record<keyof typeof runs, CliResult>;

    ok(r.fmt);
    const formatted = readFileSync(at("tiny.nnspec"), "utf8");
    expect(formatted).not.toBe(ORIGINAL);
    expect(specHash(formatted)).not.toBe(specHash(ORIGINAL));

    // After fmt, and after a comment edit: loaded, no --force, no warning.
    for (const k of ["eval", "predict", "resume", "comment", "oldSameText"] as const) {
      ok(r[k]);
      expect(r[k].stderr, k).toBe("");
    }
    expect(r.comment.stdout).toBe(r.eval.stdout);
    const resumed = decodeSafetensors(readFileSync(at("resumed.safetensors"))).metadata;
    expect([resumed["nnspec.spec_sha256"], resumed["nnspec.spec_words_sha256"]]).toEqual([specHash(formatted), specWordsHash(ORIGINAL)]);
    for (const k of ["onnx", "pytorch"] as const) {
      ok(r[k]);
      expect(r[k].stderr, k).toMatch(/^wrote [^\n]*weights from [^\n]*w\.safetensors\n$/);
    }

    // Another meaning: refused, naming both hashes of each side and --force; with --force, a warning.
    const both = (file: string, spec: string) => new RegExp(`spec sha256 ${file.slice(0, 12)}…, words sha256 ${spec.slice(0, 12)}…`);
    const tanh = readFileSync(at("tanh.nnspec"), "utf8");
    refused(r.tanh, /weights were trained for a different spec/, both(specHash(ORIGINAL), specWordsHash(ORIGINAL)), both(specHash(tanh), specWordsHash(tanh)), /pass --force to load anyway/);
    ok(r.tanhForced);
    expect(r.tanhForced.stderr).toMatch(/^warning: .*different spec/);
    refused(r.wide, /tensor "fc1\.weight" has shape \[4, 6\] but the model expects \[5, 6\]/, /note: weights were trained for a different spec/);
    refused(r.renamed, /missing tensors? "out\.weight"/, /note: weights were trained for a different spec/);

    // The text hash only: compared by it, as before (the formatted text is refused, the unformatted one loads).
    refused(r.oldFormatted, /different spec \(model tiny, spec sha256 \w{12}…, words sha256 unknown; this is model tiny/);
    // A words hash recorded and different, the text the same: the text suffices.
    ok(r.otherWords);
    expect(r.otherWords.stderr).toBe("");

    // The exported MODEL.py checks the same way: the formatted spec's module loads the weights saved before fmt; other words and text are refused.
    rewrite(weights, at("stranger.safetensors"), (m) => ({ ...m, "nnspec.spec_sha256": "1".repeat(64), "nnspec.spec_words_sha256": "0".repeat(64) }));
    const script = [
      "import sys",
      `sys.path.insert(0, ${JSON.stringify(at("py"))})`,
      "import tiny",
      "m = tiny.Model()",
      `tiny.load_weights(m, ${JSON.stringify(weights)})`,
      `tiny.save_weights(m, ${JSON.stringify(at("saved.safetensors"))})`,
      "for name in ('old.safetensors', 'stranger.safetensors'):",
      "    try:",
      `        tiny.load_weights(m, ${JSON.stringify(dir)} + '/' + name)`,
      "        print(name, 'loaded')",
      "    except ValueError as e:",
      "        print(name, 'refused:', e)",
    ].join("\n");
    const py = await python(["-c", script]);
    expect(py.status, py.stderr).toBe(0);
    expect(py.stdout).toMatch(/^old\.safetensors refused: .*holds weights for another spec \(sha256 [0-9a-f]{64}, words sha256 None;/m);
    expect(py.stdout).toMatch(new RegExp(`^stranger\\.safetensors refused: .*words sha256 0{64}; this module's are ${specHash(formatted)} and ${specWordsHash(formatted)}\\)$`, "m"));
    const fromPython = decodeSafetensors(readFileSync(at("saved.safetensors"))).metadata;
    expect(fromPython["nnspec.spec_sha256"]).toBe(specHash(formatted));
    expect(fromPython["nnspec.spec_words_sha256"]).toBe(specWordsHash(ORIGINAL));
  }, 120_000);
});
