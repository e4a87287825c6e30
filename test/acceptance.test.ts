/**
 * Every spec with `#!` expectation lines behaves as they say, through the CLI's
 * JSON output: the shared acceptance corpus (../shared/acceptance; missing, it
 * is a failing test), and our own specs/ and specs/errors/. `check` runs once
 * per corpus, on all its files (a CLI process costs ~0.3 s of CPU, and there
 * are ~80 files); `summary`, which takes one file, once per file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { acceptanceSpecsOrFail } from "./helpers/acceptance.js";
import { nnspec, ROOT } from "./helpers/cli.js";
import { readExpectations, unmet, type JsonDiag, type JsonModel } from "./helpers/expectations.js";

function specFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".nnspec"))
    .sort()
    .map((f) => join(dir, f));
}

/** `nnspec check --format json` on every file of a corpus: its exit status, and the diagnostics of each file. */
interface CheckRun {
  status: number | null;
  diagnostics: JsonDiag[];
}

function runFile(file: string, check: CheckRun): void {
  const expectations = readExpectations(readFileSync(file, "utf8"));
  expect(expectations.length, "a spec in this corpus must state its expectations").toBeGreaterThan(0);
  const summary = nnspec(["summary", "--format", "json", file]);
  expect(summary.stderr).toBe("");
  const s = JSON.parse(summary.stdout) as { models: JsonModel[]; diagnostics: JsonDiag[] };
  const c = { diagnostics: check.diagnostics.filter((d) => d.span.file === file) };
  // summary and check agree on the diagnostics
  expect(c.diagnostics).toEqual(s.diagnostics);
  expect(unmet(expectations, c.diagnostics, s.models)).toEqual([]);
  // every diagnostic carries a fix
  for (const d of c.diagnostics) expect(d.help, `${d.code} has help`).toBeTruthy();
}

const corpora: [string, string[]][] = [
  ["shared acceptance: valid", acceptanceSpecsOrFail("valid")],
  ["shared acceptance: invalid", acceptanceSpecsOrFail("invalid")],
  ["specs", specFiles(join(ROOT, "specs"))],
  ["specs/errors", specFiles(join(ROOT, "specs", "errors"))],
];

for (const [name, files] of corpora) {
  describe(name, () => {
    const check: CheckRun = { status: null, diagnostics: [] };
    beforeAll(() => {
      if (!files.length) return;
      const r = nnspec(["check", "--format", "json", ...files]);
      Object.assign(check, { status: r.status, diagnostics: (JSON.parse(r.stdout) as { diagnostics: JsonDiag[] }).diagnostics });
    });
    it("check's exit status is 1 when there are errors, else 0", () => {
      expect(check.status).toBe(check.diagnostics.some((d) => d.severity === "error") ? 1 : 0);
      // every diagnostic is in one of the files
      expect(check.diagnostics.filter((d) => !files.includes(d.span.file))).toEqual([]);
    });
    for (const file of files) it(file.slice(file.lastIndexOf("/", file.lastIndexOf("/") - 1) + 1), () => runFile(file, check));
  });
}

it("finds the specs", () => {
  expect(corpora[0]![1].length + corpora[1]![1].length).toBeGreaterThan(20);
  expect(corpora[2]![1].length).toBeGreaterThanOrEqual(10);
});
