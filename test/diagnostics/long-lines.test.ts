/**
 * Positions and snippets on long lines: a column is found without scanning
 * the line (so N diagnostics on one line cost N lookups, not N line scans),
 * and the text renderer shows a window of the line around the span, cut with
 * `…`, with the underline still under the span.
 */
import { describe, expect, it } from "vitest";
import { countChars, SourceFile } from "../../diagnostics/source.js";
import { makeDiagnostic } from "../../diagnostics/diagnostic.js";
import { renderText } from "../../diagnostics/render-text.js";

/** The column as the definition says: code points from the line's start, plus one. */
function naiveColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const breaks = [...before.matchAll(/\r\n|\r|\n/g)];
  const last = breaks.at(-1);
  const start = last ? last.index! + last[0].length : 0;
  return { line: breaks.length + 1, column: countChars(text, start, offset) + 1 };
}

/** Deterministic pseudo-random numbers (an LCG). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe("SourceFile.position", () => {
  it("agrees with counting code points, on text with astral characters, CRLF, lone CR and lone surrogates", () => {
    const pieces = ["a", "é", "😀", "\r\n", "\r", "\n", "中", "\ud800", "\udc00", "\t", "𝕏𝕐", " "];
    const rnd = lcg(12);
    let text = "";
    for (let i = 0; i < 3000; i++) text += pieces[Math.floor(rnd() * pieces.length)];
    const file = new SourceFile("t", text);
    for (let offset = 0; offset <= text.length; offset++) {
      if (text[offset - 1] === "\r" && text[offset] === "\n") continue; // inside a CRLF: no token starts there
      expect(file.position(offset), `offset ${offset}`).toEqual(naiveColumn(text, offset));
    }
  });

  it("inside a surrogate pair, counts the pair's first half as one character (as before)", () => {
    const file = new SourceFile("t", "😀x");
    expect([0, 1, 2, 3].map((o) => file.position(o).column)).toEqual([1, 2, 2, 3]);
  });

  it("answers 100,000 lookups on a 10 MB line without scanning it each time", () => {
    const text = "ab😀".repeat(2_500_000) + "\nend";
    const file = new SourceFile("t", text);
    const t0 = performance.now();
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += file.position(text.length - 10 - i).column;
    // a scan per lookup is 10^11 steps (minutes); the index answers in milliseconds. A generous hang guard:
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(sum).toBeGreaterThan(0);
    expect(file.position(text.length - 4)).toEqual({ line: 1, column: 7_500_001 });
  });
});

describe("snippets of long lines", () => {
  const render = (text: string, start: number, end: number) => renderText(makeDiagnostic("NN2001", new SourceFile("t.nnspec", text), { start, end }, { name: "fcc", suggestion: "" }));
  /** The shown source line and the underline line of a rendered diagnostic. */
  const snippet = (out: string) => {
    const lines = out.split("\n");
    const i = lines.findIndex((l) => /^\d+ \| /.test(l));
    return { source: lines[i]!.replace(/^\d+ \| /, ""), underline: lines[i + 1]!.replace(/^ +\| /, "") };
  };

  it("cuts a 1 MB line around the span, marks both cuts with …, and keeps the underline under the span", () => {
    const text = "x".repeat(500_000) + "fcc" + "y".repeat(500_000);
    const out = render(text, 500_000, 500_003);
    expect(Math.max(...out.split("\n").map((l) => l.length))).toBeLessThan(200);
    const { source, underline } = snippet(out);
    expect(source.startsWith("…") && source.endsWith("…")).toBe(true);
    expect(source.indexOf("fcc")).toBe(underline.indexOf("^^^"));
  });

  it("a span near the start of a long line: cut only at the end", () => {
    const text = "model m { fcc 2, " + "relu, ".repeat(100_000) + "}";
    const { source, underline } = snippet(render(text, 10, 13));
    expect(source.startsWith("model m { fcc 2")).toBe(true);
    expect(source.endsWith("…")).toBe(true);
    expect(underline).toBe("          ^^^");
  });

  it("a span near the end of a long line: cut only at the start", () => {
    const text = "relu, ".repeat(100_000) + "fcc 2 }";
    const at = text.length - 7;
    const { source, underline } = snippet(render(text, at, at + 3));
    expect(source.startsWith("…")).toBe(true);
    expect(source.endsWith("fcc 2 }")).toBe(true);
    expect(source.indexOf("fcc")).toBe(underline.indexOf("^^^"));
  });

  it("a very long span: the underline is cut too, and ends with …", () => {
    const text = "  " + "relu ".repeat(100_000);
    const out = render(text, 2, text.length);
    expect(Math.max(...out.split("\n").map((l) => l.length))).toBeLessThan(200);
    expect(snippet(out).underline).toMatch(/^ {2}\^+…$/);
  });

  it("wide characters before the span in a cut line: the underline still lines up in terminal columns", () => {
    const text = "中".repeat(50_000) + "fcc" + "中".repeat(50_000);
    const { source, underline } = snippet(render(text, 50_000, 50_003));
    const cols = (s: string) => [...s].reduce((n, c) => n + (c === "中" ? 2 : 1), 0);
    expect(cols(source.slice(0, source.indexOf("fcc")))).toBe(underline.indexOf("^^^"));
  });

  it("a short line is shown whole, as before", () => {
    const { source, underline } = snippet(render("model m { fcc 2 }", 10, 13));
    expect(source).toBe("model m { fcc 2 }");
    expect(underline).toBe("          ^^^");
  });
});
