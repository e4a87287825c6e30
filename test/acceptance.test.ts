/**
 * Every spec with `#!` expectation lines behaves as they say, through the CLI's
 * JSON output: the shared acceptance corpus (when ../shared/acceptance exists),
 * and our own specs/ and specs/errors/.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nnspec, ROOT } from "./helpers/cli.js";
import { readExpectations, unmet, type JsonDiag, type JsonModel } from "./helpers/expectations.js";

const ACCEPTANCE = join(ROOT, "..", "shared", "acceptance");

function specFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".nnspec"))
    .sort()
    .map((f) => join(dir, f));
}

function runFile(file: string): void {
  const expectations = readExpectations(readFileSync(file, "utf8"));
  expect(expectations.length, "a spec in this corpus must state its expectations").toBeGreaterThan(0);
  const summary = nnspec(["summary", "--format", "json", file]);
  expect(summary.stderr).toBe("");
  const s = JSON.parse(summary.stdout) as { models: JsonModel[]; diagnostics: JsonDiag[] };
  const check = nnspec(["check", "--format", "json", file]);
  const c = JSON.parse(check.stdout) as { diagnostics: JsonDiag[] };
  // summary and check agree on the diagnostics
  expect(c.diagnostics).toEqual(s.diagnostics);
  expect(check.status).toBe(c.diagnostics.some((d) => d.severity === "error") ? 1 : 0);
  expect(unmet(expectations, c.diagnostics, s.models)).toEqual([]);
  // every diagnostic carries a fix
  for (const d of c.diagnostics) expect(d.help, `${d.code} has help`).toBeTruthy();
}

const corpora: [string, string[]][] = [
  ["shared acceptance: valid", specFiles(join(ACCEPTANCE, "valid"))],
  ["shared acceptance: invalid", specFiles(join(ACCEPTANCE, "invalid"))],
  ["specs", specFiles(join(ROOT, "specs"))],
  ["specs/errors", specFiles(join(ROOT, "specs", "errors"))],
];

for (const [name, files] of corpora) {
  describe.runIf(files.length > 0)(name, () => {
    for (const file of files) it(file.slice(file.lastIndexOf("/", file.lastIndexOf("/") - 1) + 1), () => runFile(file));
  });
}

it("finds the shared acceptance corpus when it exists", () => {
  if (existsSync(ACCEPTANCE)) expect(corpora[0]![1].length + corpora[1]![1].length).toBeGreaterThan(20);
  expect(corpora[2]![1].length).toBeGreaterThanOrEqual(10);
});
