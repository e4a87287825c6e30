/**
 * The layer registry is the one list of kinds and of their option words:
 * the reader, the usage texts, the reserved block-parameter names and
 * docs/language.md all follow from it. These tests fail when they disagree.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAYERS, OPTION_WORDS, RESERVED } from "../../compiler/layers/registry.js";
import { codes, diagnose } from "../helpers/check.js";
import { ROOT } from "../helpers/cli.js";

const DOC = readFileSync(join(ROOT, "docs", "language.md"), "utf8");

/** The backquoted words of the docs between two markers. */
function docWords(from: string, to: string): string[] {
  const start = DOC.indexOf(from);
  const end = DOC.indexOf(to, start + from.length);
  expect(start, `docs/language.md has "${from}"`).toBeGreaterThanOrEqual(0);
  expect(end, `docs/language.md has "${to}" after "${from}"`).toBeGreaterThan(start);
  return [...DOC.slice(start + from.length, end).matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

describe("docs/language.md lists what the registry defines", () => {
  it("every layer kind as a reserved word, in registry order", () => {
    expect(docWords("**Reserved words.** The keywords above, and every layer kind:", "None of them")).toEqual([...LAYERS.keys()]);
  });

  it("the structure keywords in the token table", () => {
    const keywords = [...RESERVED].filter((w) => !LAYERS.has(w));
    expect(docWords("| keyword |", "\n")).toEqual(keywords);
  });

  it("every option word", () => {
    expect(docWords("**Option words** —", "cannot").sort()).toEqual([...OPTION_WORDS].sort());
  });

  it("docs/interop.md's ONNX table has a row for every kind with an ONNX mapping", () => {
    const interop = readFileSync(join(ROOT, "docs", "interop.md"), "utf8");
    const table = interop.slice(interop.indexOf("| nnspec | ONNX"), interop.indexOf("\n\n", interop.indexOf("| nnspec | ONNX")));
    const rows = [...table.matchAll(/^\| ([^|]*) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z0-9]+)/g)].map((w) => w[1]!));
    expect([...LAYERS.values()].filter((d) => d.onnx && !rows.includes(d.kind)).map((d) => d.kind)).toEqual([]);
  });

  it("a section for every layer kind under Layers", () => {
    const layers = DOC.slice(DOC.indexOf("\n## Layers\n"), DOC.indexOf("\n## Windows"));
    const documented = [...layers.matchAll(/^### (.*)$/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z0-9]+)/g)].map((w) => w[1]!));
    expect([...LAYERS.keys()].filter((k) => !documented.includes(k))).toEqual([]);
  });
});

describe("options are declared once, in the layer's definition", () => {
  it("the usage text lists the declared options in order", () => {
    for (const def of LAYERS.values()) {
      const listed = [...def.usage.matchAll(/\[(?:\+ )?([a-z0-9]+)/g)].map((m) => m[1]!).filter((w) => w in def.options);
      expect(listed, def.kind).toEqual(Object.keys(def.options));
      expect(def.usage.startsWith(def.kind), def.kind).toBe(true);
    }
  });

  it("the reader refuses an undeclared option, listing the declared ones", () => {
    expect(diagnose("model m { input 1x8x8, conv 3x3 x2 strid 2 }")[0]).toMatch(/NN2002 .*unknown option `strid` for `conv`/);
    expect(diagnose("model m { input 1x8x8, maxpool 2 nobias }")[0]).toMatch(/NN2002 .*`nobias` for `maxpool`/);
  });

  it("an option word is never taken as another option's value, for every layer alike", () => {
    expect(diagnose("model m { input 1x8x8, conv 3x3 x2 stride pad 1 }")[0]).toMatch(/NN2012 .*`conv` needs a value after `stride`/);
    expect(diagnose("model m { input 4, fc 2\n loss mse + l2 l2 }")[0]).toMatch(/NN2012 .*`loss` needs a value after `l2`/);
  });

  it("names inherited by every object are not options (`constructor`, `toString`, `__proto__`)", () => {
    expect(codes("model m { input 1x8x8, conv 3x3 x4 constructor }")).toEqual(["NN2002"]);
    expect(codes("model m { input 4, fc 3 toString }")).toEqual(["NN2002"]);
    expect(codes("model m { input 4, fc 3\n loss mse + __proto__ 1 }")).toEqual(["NN2002"]);
  });

  it("reserves every option word, and only those, as block parameter names", () => {
    const model = "model m { input 4 }\n";
    for (const w of OPTION_WORDS) expect(codes(`${model}block b(${w}) { relu }`), w).toEqual(["NN2014"]);
    expect(codes(`${model}block b(width, p, stage) { relu }`)).toEqual([]);
  });
});
