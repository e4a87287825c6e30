/**
 * The message table's `{placeholders}`: the type `ArgsOf<code>` names exactly
 * the placeholders `format` fills, so a report that misses one does not
 * compile; at run time a missing one throws; and nothing in the corpus renders
 * with a placeholder left unfilled.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import { makeDiagnostic } from "../../diagnostics/diagnostic.js";
import { format, MESSAGES, placeholders, type Code } from "../../diagnostics/messages.js";
import { SourceFile } from "../../diagnostics/source.js";
import { ROOT } from "../helpers/cli.js";

const CODES = Object.keys(MESSAGES) as Code[];
const texts = (code: Code): string[] => {
  const t: { message: string; help?: string } = MESSAGES[code];
  return t.help === undefined ? [t.message] : [t.message, t.help];
};
const UNFILLED = /\{\w+\}/;

/** Type errors (0-based line, text) of a module placed in test/ (so `../diagnostics/…` resolves), compiled with the project's options. */
function typeErrors(source: string): { line: number; text: string }[] {
  const config = ts.readConfigFile(join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const path = join(ROOT, "test", "placeholder-probe.ts");
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (name === path ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === path || fileExists(name);
  const program = ts.createProgram([path], { ...options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(path)).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1,
    text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
}

/** Every .nnspec file under a folder. */
function specFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? specFiles(path) : name.endsWith(".nnspec") ? [path] : [];
  });
}

describe("placeholders", () => {
  it("ArgsOf<code> names exactly the placeholders format fills, for every code", () => {
    const lines = [`import type { ArgsOf } from "../diagnostics/messages.js";`, `type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;`];
    for (const code of CODES) {
      const names = [...new Set(texts(code).flatMap(placeholders))];
      lines.push(`export const ${code}: Same<keyof ArgsOf<"${code}">, ${names.map((n) => JSON.stringify(n)).join(" | ") || "never"}> = true;`);
    }
    expect(typeErrors(lines.join("\n"))).toEqual([]);
  });

  it("a report that misses a placeholder, or names one the message lacks, does not compile", () => {
    const calls = [`{ what: "w", rule: "r", value: 1, hint: "" }`, `{ what: "w", rule: "r", value: 1 }`, `{ what: "w", rule: "r", value: 1, hint: "", extra: 2 }`];
    const errors = typeErrors(
      [
        `import { makeDiagnostic } from "../diagnostics/diagnostic.js";`,
        `import { SourceFile } from "../diagnostics/source.js";`,
        ...calls.map((args) => `makeDiagnostic("NN2013", new SourceFile("x", ""), { start: 0, end: 0 }, ${args});`),
      ].join("\n"),
    );
    const onLine = (line: number) => errors.filter((e) => e.line === line).map((e) => e.text).join("\n");
    expect(onLine(2)).toBe("");
    expect(onLine(3)).toMatch(/Property 'hint' is missing/);
    expect(onLine(4)).toMatch(/'extra' does not exist/);
    expect(errors.length).toBe(2);
  });

  it("finds placeholders as format does: `{ … }` and a lone `{` are text", () => {
    expect(placeholders("add a `}` to close {what}")).toEqual(["what"]);
    expect(placeholders("`residual { … } shortcut { … }` or {a}{b} and {a}")).toEqual(["a", "b"]);
    expect(format("{x} is {{y}}", { x: "{y}", y: 2 })).toBe("{y} is {2}");
  });

  it("a missing argument throws instead of leaving the text half filled", () => {
    expect(() => format("{what} must be {rule}", { what: "w" })).toThrow(/\{rule\}/);
    const file = new SourceFile("x", "");
    expect(() => makeDiagnostic("NN2013", file, { start: 0, end: 0 }, { what: "w", rule: "r", value: 1 } as never)).toThrow(/\{hint\}/);
  });

  it("keeps a blank help out and takes the severity from the table", () => {
    const file = new SourceFile("x", "");
    const at = { start: 0, end: 0 };
    const blank = makeDiagnostic("NN2013", file, at, { what: "w", rule: "r", value: 1, hint: "" });
    expect(blank.help).toBeUndefined();
    expect(blank.severity).toBe("error");
    const warning = makeDiagnostic("NN2024", file, at, {});
    expect(warning.severity).toBe("warning");
    expect(warning.help).toBe(MESSAGES.NN2024.help);
  });

  it("nothing in the specs and the acceptance corpus renders with a placeholder unfilled", () => {
    const files = [...specFiles(join(ROOT, "specs")), ...specFiles(join(ROOT, "..", "shared", "acceptance"))];
    const seen = new Set<Code>();
    for (const f of files) {
      for (const d of checkSource(f, readFileSync(f)).diagnostics) {
        seen.add(d.code);
        expect(d.message, `${f}: ${d.code}`).not.toMatch(UNFILLED);
        if (d.help !== undefined) expect(d.help, `${f}: ${d.code}`).not.toMatch(UNFILLED);
      }
    }
    // the corpus reaches many codes (20 when this was written), so an empty loop above would not pass unnoticed
    expect(seen.size).toBeGreaterThanOrEqual(15);
  });
});
