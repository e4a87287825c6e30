import { describe, expect, it } from "vitest";
import { parseSource } from "../../grammar/cst-to-ast.js";
import { SourceFile } from "../../diagnostics/source.js";
import { DiagnosticBag } from "../../diagnostics/diagnostic.js";
import { codes, diagnose } from "../helpers/check.js";

function parse(text: string) {
  const bag = new DiagnosticBag();
  const program = parseSource(new SourceFile("t.nnspec", text), bag);
  return { program, diagnostics: bag.items };
}

describe("parser", () => {
  it("reads models, blocks, labels, assertions and comma-separated statements", () => {
    const { program, diagnostics } = parse("block b(n, w) { repeat n { conv 3x3 x w pad 1, relu } }\nmodel m {\n input 3x8x8\n c1: conv 3x3 x4 -> 4x6x6 # comment\n b(2, 4)\n}\n");
    expect(diagnostics).toEqual([]);
    expect(program.blocks.map((b) => [b.name.text, b.params.map((p) => p.text)])).toEqual([["b", ["n", "w"]]]);
    const body = program.models[0]!.body;
    expect(body.map((s) => s.type)).toEqual(["layer", "layer", "call"]);
    const conv = body[1]!;
    expect(conv.label?.text).toBe("c1");
    expect(conv.assertion?.dims).toEqual([4, 6, 6]);
    expect(conv.type === "layer" && conv.args.map((a) => a.kind)).toEqual(["dims", "filters"]);
  });

  it("reads `fc IN->N` as the layer's own arrow and a second arrow as the assertion", () => {
    const { program } = parse("model m { input 4, fc 4->3, fc 3->2 -> 2 }");
    const [, a, b] = program.models[0]!.body;
    expect(a!.assertion).toBeUndefined();
    expect(a!.type === "layer" && a!.args.map((x) => x.kind)).toEqual(["number", "arrow", "number"]);
    expect(b!.assertion?.dims).toEqual([2]);
  });

  it("attaches `shortcut` on the next line to the residual before it", () => {
    const { program, diagnostics } = parse("model m {\n input 4x4x4\n residual { relu }\n shortcut { relu } -> 4x4x4\n}");
    expect(diagnostics).toEqual([]);
    const r = program.models[0]!.body[1]!;
    expect(r.type === "residual" && r.shortcut?.body.length).toBe(1);
    expect(r.assertion?.dims).toEqual([4, 4, 4]);
  });

  it("reports a stray shortcut", () => {
    expect(codes("model m {\n input 4\n shortcut { relu }\n}")).toContain("NN1011");
  });

  it("recovers from a syntax error and keeps checking the rest of the file", () => {
    const d = diagnose("model a {\n input 4\n fc 2 )\n}\nmodel b {\n input 4\n dropout 2\n}\n");
    expect(d.some((x) => x.startsWith("NN1009 3:"))).toBe(true);
    expect(d.some((x) => x.startsWith("NN2013 7:"))).toBe(true);
  });

  it("reports unexpected characters once per run and goes on", () => {
    const d = diagnose("model m {\n input 4 @@\n convv 3\n}");
    expect(d[0]).toMatch(/^NN1001 2:10 unexpected character "@"/);
    expect(d.some((x) => x.startsWith("NN2001 3:2"))).toBe(true);
  });

  it("counts columns in characters across CRLF, tabs, Chinese and emoji", () => {
    expect(diagnose("model m {\r\n\tinput 4 # 中文注释\r\n\tconvv 3\r\n}\r\n")[0]).toMatch(/^NN2001 3:2 /);
    expect(diagnose("model m { input 4 } # 😀😀\nmodel 😀")[0]).toMatch(/^NN1001 2:7 /);
    expect(diagnose("model m {\r input 4\r fc 0\r}")[0]).toMatch(/^NN2013 3:5 /);
  });

  it("names the unclosed brace", () => {
    expect(diagnose("model m {\n input 4\n residual { relu\n}\n")).toEqual([expect.stringMatching(/^NN1003 1:9 this `\{` is never closed/)]);
  });

  it("refuses absurd nesting before parsing", () => {
    expect(codes("model m { " + "residual { ".repeat(5000))).toEqual(["NN1006"]);
  });

  it("reports numbers it cannot represent", () => {
    expect(codes("model m { input 1e400 }")).toEqual(["NN1007"]);
    expect(codes("model m { input 99999999999999999999x2x2 }")).toEqual(["NN1007"]);
  });
});
