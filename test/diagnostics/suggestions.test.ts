/**
 * Every suggested edit removes its diagnostic: over the spec corpus and a
 * table of hand-written cases (one or more per code that has suggestions),
 * each suggestion's edits are applied and the text checked again. The
 * diagnostic (same code at the same place, moved by the edits) must be gone,
 * and no syntax error (NN1xxx) may appear that was not there before.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { applyEdits, mapOffset } from "../../diagnostics/fix.js";
import { toJson } from "../../diagnostics/render-json.js";
import { specCorpus } from "../helpers/spec-corpus.js";

const syntaxCodes = (ds: Diagnostic[]) => new Set(ds.filter((d) => d.code.startsWith("NN1")).map((d) => d.code));

/** Apply each suggestion of each diagnostic of `text`; returns how many were applied. */
function checkSuggestions(name: string, text: string): { applied: number; codes: Set<string> } {
  const before = checkSource(name, text).diagnostics;
  const codes = new Set<string>();
  let applied = 0;
  for (const d of before) {
    for (const s of d.suggestions ?? []) {
      codes.add(d.code);
      const fixed = applyEdits(text, s.edits);
      expect(fixed, `${name}: ${d.code} "${s.message}" changes nothing`).not.toBe(text);
      const after = checkSource(name, fixed).diagnostics;
      const at = mapOffset(d.span.start, s.edits);
      const still = after.filter((a) => a.code === d.code && a.span.start === at);
      expect(still.map((a) => a.message), `${name}: ${d.code} "${s.message}" leaves it in:\n${fixed}`).toEqual([]);
      const newSyntax = [...syntaxCodes(after)].filter((c) => !syntaxCodes(before).has(c));
      expect(newSyntax, `${name}: ${d.code} "${s.message}" makes a syntax error:\n${fixed}`).toEqual([]);
      applied++;
    }
  }
  return { applied, codes };
}

/** Hand-written cases: [code, spec, whether some suggestion of that code is applicable]. */
const CASES: [string, string, boolean][] = [
  ["NN2001", "model m {\n  input 1x8x8\n  maxpol 2\n}\n", true],
  ["NN2001", "model m {\n  input 4\n  relu8, fc 2\n}\n", false],
  ["NN2002", "model m {\n  input 1x8x8\n  conv 3x3 x4 strid 1\n}\n", true],
  ["NN2003", "block b(n) {\n  fc n\n}\nmodel m {\n  input 4\n  bb(2)\n}\n", true],
  ["NN2011", "block b(width) {\n  fc widht\n}\nmodel m {\n  input 4\n  b(2)\n}\n", true],
  ["NN1009", "model m {\n  input 4\n  fc 2 }\n}\n", false],
  ["NN2009", "model m {\n  fc 2\n  input 4\n  loss mse\n}\n", true],
  ["NN2009", "model m {\n  fc 4, relu, input 4 # late\n}\n", true],
  ["NN2010", "model m {\n  input 4\n  loss mse\n  fc 2\n  relu\n}\n", true],
  ["NN2010", "model m {\n  input 4, loss mse, fc 2\n}\n", true],
  ["NN2019", "model m {\n  input 4\n  fc 2\n  input 2\n}\n", false],
  ["NN2020", "model m {\n  input 4\n  fc 2\n  loss sofmax\n}\n", true],
  ["NN2013", "model m {\n  input 1x8x8\n  upsample 2 neares\n}\n", true],
  ["NN2023", "model m {\n  in: input 4\n  fc 2\n  l: loss mse\n}\n", true],
  ["NN2023", "model m {\n  input 4\n  r: repeat 2 { fc 4 }\n}\n", true],
  ["NN2024", "model m {\n  input 4\n  fc 2\n  softmax\n  loss softmax\n}\n", true],
  ["NN2024", "model m {\n  input 4\n  fc 2, softmax\n  loss softmax\n}\n", true],
  ["NN3001", "model m {\n  input 1x4x4\n  conv 5x5 x2 -> 2x4x4\n}\n", false],
  ["NN3002", "model m {\n  input 1x5x5\n  maxpool 2\n}\n", false],
  ["NN3002", "model m {\n  input 1x6x6\n  conv 3x3 x2 stride 2\n}\n", false],
  ["NN3003", "model m {\n  input 1x8x8\n  conv 3x3 x4\n  fc 10\n}\n", true],
  ["NN3003", "model m {\n  input 1x8x8\n  conv 3x3 x4, out: fc 10\n}\n", true],
  ["NN3003", "model m {\n  input 1x8x8\n  softmax\n}\n", true],
  ["NN3004", "model m {\n  input 1x8x8\n  flatten\n  fc 60->10\n}\n", false],
  ["NN3005", "model m {\n  input 1x8x8\n  flatten\n  flatten # again\n  fc 2\n}\n", true],
  ["NN3005", "model m {\n  input 8\n  flatten, fc 2\n}\n", true],
  ["NN3005", "model m {\n  input 8\n  fc 4, flatten\n}\n", true],
  ["NN3006", "model m {\n  input 8x8x8\n  residual { conv 3x3 x16 stride 2 pad 1 }\n}\n", false],
  ["NN3006", "model m {\n  input 8x8x8\n  residual {\n    conv 3x3 x8, batchnorm, relu\n    conv 5x5 x8\n  } -> 8x8x8\n}\n", false],
  ["NN3006", "model m {\n  input 8x8x8\n  residual { conv 3x3 x8 }\n}\n", false],
  ["NN3007", "model m {\n  input 8x8x8\n  residual { conv 3x3 x16 stride 2 pad 1 } shortcut { conv 1x1 x16 }\n}\n", false],
  ["NN3008", "model m {\n  input 1x28x28\n  conv 5x5 x6 -> 6x28x28\n}\n", true],
  ["NN3008", "model m {\n  input 1x28x28\n  conv 5x5 x6 -> 6x20x20\n}\n", false],
  ["NN3008", "model m {\n  input 3x32x32\n  conv 3x3 x8 stride 2 -> 8x16x16 # padding meant\n}\n", false],
  ["NN3008", "block b(n) {\n  fc n\n  relu -> 3\n}\nmodel m {\n  input 4\n  b(2)\n}\n", false],
  ["NN3004", "block b(n) {\n  fc n -> 3\n}\nmodel m {\n  input 4\n  b(2)\n}\n", false],
  ["NN3011", "model m {\n  input 1x8x8\n  conv 3x3 x4 stride 2 pad same\n}\n", true],
  ["NN3013", "model m {\n  input 1x8x8\n  conv 3x3 x4 -> 144\n}\n", false],
  ["NN3014", "model m {\n  input 28x28x1\n  flatten\n  fc 10\n}\n", false],
];

describe("suggestions: hand-written cases", () => {
  for (const [code, text, applicable] of CASES) {
    it(`${code}: ${JSON.stringify(text.split("\n").slice(1, -2).join(" / "))}`, () => {
      const ds = checkSource("case.nnspec", text).diagnostics.filter((d) => d.code === code);
      expect(ds.length, `no ${code} in the case`).toBeGreaterThan(0);
      const suggestions = ds.flatMap((d) => d.suggestions ?? []);
      expect(suggestions.length, `${code} has no suggestion`).toBeGreaterThan(0);
      expect(suggestions.some((s) => s.applicable)).toBe(applicable);
      const { codes } = checkSuggestions("case.nnspec", text);
      expect(codes.has(code)).toBe(true);
    });
  }
});

describe("suggestions: the spec corpus", () => {
  const corpus = specCorpus();
  it("has specs, and some suggestions to apply", () => {
    expect(corpus.length).toBeGreaterThan(40);
    const total = corpus.reduce((n, { name, path }) => n + checkSuggestions(name, readFileSync(path, "utf8")).applied, 0);
    expect(total).toBeGreaterThan(5);
  });
});

describe("suggestions in the JSON output", () => {
  it("are rendered with line/column spans, and absent when there are none", () => {
    const [d] = checkSource("t.nnspec", "model m {\n  input 1x8x8\n  maxpol 2\n}\n").diagnostics;
    expect(toJson(d!).suggestions).toEqual([
      { message: "replace `maxpol` with `maxpool`", applicable: true, edits: [{ span: { file: "t.nnspec", start: { line: 3, column: 3 }, end: { line: 3, column: 9 } }, text: "maxpool" }] },
    ]);
    const [w] = checkSource("t.nnspec", "model m {\n  input 4\n  fc 2\n  flatten\n  loss mse\n}\n").diagnostics;
    expect(w!.code).toBe("NN3005");
    const [plain] = checkSource("t.nnspec", "model m {\n  fc 2\n}\n").diagnostics;
    expect(plain!.code).toBe("NN2008");
    expect("suggestions" in toJson(plain!)).toBe(false);
  });
});
