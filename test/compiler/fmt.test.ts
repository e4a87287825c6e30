/**
 * The formatter (compiler/fmt/): the canonical layout on hand-written cases,
 * and two properties over the spec corpus and mutations of it that still
 * parse (blanks, tabs, line breaks, comments and commas inserted, blanks
 * removed): formatting twice is formatting once, and the formatted spec means
 * the same — the same summary and diagnostics as `check` gives (spans and
 * lines aside), the same words and the same comments in the same order, and
 * the same words hash (compiler/spec-words.ts, which weights files record).
 * And the repository keeps its own specs and docs examples formatted.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check } from "../../compiler/api.js";
import { formatSpec } from "../../compiler/fmt/index.js";
import { fmtLines } from "../../compiler/fmt/lex.js";
import { specWordsHash } from "../../compiler/spec-words.js";
import { specCorpus } from "../helpers/spec-corpus.js";
import { ROOT } from "../helpers/root.js";

const RUNS = Math.max(0.1, Number(process.env.FUZZ_RUNS ?? 1));
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const params = (n: number): fc.Parameters<unknown> => ({ numRuns: Math.max(1, Math.round(n * RUNS)), ...(SEED === undefined ? {} : { seed: SEED }) });

function formatted(text: string): string {
  const r = formatSpec("t.nnspec", text);
  if ("errors" in r) throw new Error(`not formatted: ${r.errors.map((e) => e.message).join("; ")}`);
  return r.text;
}

/** What a spec means: its models' summaries and its diagnostics without places. */
function meaning(text: string): unknown {
  const r = check(text, { file: "t.nnspec" });
  return { models: r.models, diagnostics: r.diagnostics.map((d) => [d.code, d.severity, d.message, d.help, d.related.map((x) => x.message)]) };
}

/** The words (every token but line breaks) and the comments, in order. */
function words(text: string): { tokens: string[]; comments: string[] } {
  const lines = fmtLines(text.replace(/^\ufeff/, ""));
  return { tokens: lines.flatMap((l) => l.tokens.map((t) => t.image)), comments: lines.flatMap((l) => (l.comment === undefined ? [] : [l.comment])) };
}

/** Formatting `text` is idempotent and keeps its meaning; false when the text does not parse (nothing to check). */
function holds(text: string): boolean {
  const r = formatSpec("t.nnspec", text);
  if ("errors" in r) return false;
  expect(formatted(r.text), "fmt(fmt(x)) = fmt(x)").toBe(r.text);
  expect(r.changed).toBe(r.text !== text);
  expect(words(r.text)).toEqual(words(text));
  expect(specWordsHash(r.text), "the words hash weights files record").toBe(specWordsHash(text));
  expect(meaning(r.text)).toEqual(meaning(text));
  return true;
}

describe("the canonical layout", () => {
  it("indents by two, puts one blank between words, keeps the comma style and the line breaks", () => {
    const text = "model  m{\n\tinput 1x8x8   # the input\n    conv 3x3 x4 pad 1,relu\n\n\n\n l1 :maxpool 2\n  flatten\nfc 10\n}";
    expect(formatted(text)).toBe("model m {\n  input 1x8x8  # the input\n  conv 3x3 x4 pad 1, relu\n\n  l1: maxpool 2\n  flatten\n  fc 10\n}\n");
  });

  it("aligns the assertions of a model or block, across nested bodies, and end-of-line comments", () => {
    const text = [
      "block b(w) {",
      "  conv 3x3 x w pad 1 -> 8x4x4 # a",
      "}",
      "",
      "model m {",
      "  input 8x4x4 # the input",
      "  residual {",
      "  conv 3x3 x8 pad 1 nobias -> 8x4x4",
      "  } -> 8x4x4",
      "  b(8)->8x4x4 # sized",
      "  relu->8x4x4",
      "  flatten -> 128",
      "  fc 128->10",
      "  channels 0 : 4",
      "}",
    ].join("\n");
    expect(formatted(text)).toBe(
      [
        "block b(w) {",
        "  conv 3x3 x w pad 1 -> 8x4x4  # a",
        "}",
        "",
        "model m {",
        "  input 8x4x4                # the input",
        "  residual {",
        "    conv 3x3 x8 pad 1 nobias -> 8x4x4",
        "  }                          -> 8x4x4",
        "  b(8)                       -> 8x4x4  # sized",
        "  relu                       -> 8x4x4",
        "  flatten                    -> 128",
        "  fc 128->10",
        "  channels 0:4",
        "}",
        "",
      ].join("\n"),
    );
  });

  it("keeps own-line comments at the depth of their place, CRLF line ends and a byte order mark", () => {
    expect(formatted("\ufeff# top\r\nmodel m {\r\n# inside\r\n    input 4\r\n\r\n}\r\n")).toBe("\ufeff# top\r\nmodel m {\r\n  # inside\r\n  input 4\r\n}\r\n");
  });

  it("refuses a file with syntax errors and reports them", () => {
    const r = formatSpec("bad.nnspec", "model m {\n  input 4\n");
    expect("errors" in r && r.errors.map((e) => e.code)).toEqual(["NN1003"]);
  });

  it("leaves an already formatted file unchanged", () => {
    const r = formatSpec("t.nnspec", "model m {\n  input 4\n  fc 2\n}\n");
    expect(r).toEqual({ text: "model m {\n  input 4\n  fc 2\n}\n", changed: false });
  });
});

const corpus = specCorpus().map(({ name, path }) => ({ name, text: readFileSync(path, "utf8") }));

describe("fmt properties", () => {
  it("over the spec corpus: idempotent, and the same meaning", () => {
    const formattedCount = corpus.filter(({ name, text }) => {
      try {
        return holds(text);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }).length;
    expect(formattedCount).toBeGreaterThan(corpus.length - 5);
  });

  it("over mutations of the corpus: idempotent, and the same meaning", () => {
    const inserts = [" ", "\t", "   ", "\n", "\n\n\n", " # note\n", "\n  # own line\n", ",", "\r\n"];
    const mutant = fc
      .record({
        spec: fc.constantFrom(...corpus.map((c) => c.text)),
        edits: fc.array(fc.record({ at: fc.nat(), insert: fc.constantFrom(...inserts), removeBlanks: fc.boolean() }), { minLength: 1, maxLength: 6 }),
      })
      .map(({ spec, edits }) => {
        let text = spec;
        for (const e of edits) {
          // Only between words: at a blank or a line break, so no word is cut in two.
          const gaps = [...text.matchAll(/[ \t]+|\r?\n/g)];
          if (gaps.length === 0) break;
          const g = gaps[e.at % gaps.length]!;
          const end = g.index + g[0].length;
          text = e.removeBlanks && g[0].trim() === "" && !g[0].includes("\n") ? text.slice(0, g.index) + text.slice(end) : text.slice(0, end) + e.insert + text.slice(end);
        }
        return text;
      });
    let parsed = 0;
    fc.assert(
      fc.property(mutant, (text) => {
        if (holds(text)) parsed++;
      }),
      params(150),
    );
    // Most mutations keep a spec readable; the property must have been tested, not skipped.
    expect(parsed).toBeGreaterThan(Math.round(150 * RUNS) / 3);
  });
});

describe("the repository's own specs are formatted (nnspec fmt changes nothing)", () => {
  const own = corpus.filter(({ name }) => !name.startsWith("acceptance/"));
  it.each(own.map((c) => [c.name, c.text] as const))("%s", (name, text) => {
    const r = formatSpec(name, text);
    // A spec with syntax errors (in specs/errors) is not formatted: nothing to compare.
    if (!("errors" in r)) expect(r.text, `run: nnspec fmt ${name}`).toBe(text);
  });

  it.each(["README.md", join("docs", "language.md")])("the nnspec examples in %s", (doc) => {
    const blocks = [...readFileSync(join(ROOT, doc), "utf8").matchAll(/```nnspec\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const r = formatSpec(doc, block);
      if (!("errors" in r)) expect(r.text, doc).toBe(block);
    }
  });
});
