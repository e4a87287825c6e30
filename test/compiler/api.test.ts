/**
 * The programmatic API (`import { check, compile, formatDiagnostics } from "nnspec"`):
 * result shapes, model choice, and sameness with the CLI (one compile path, one renderer).
 */
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { check, compile, formatDiagnostics, ModelChoiceError } from "../../compiler/api.js";
import { APP, freshDir } from "../helpers/bundler.js";
import { requireBuilt } from "../helpers/build.js";
import { nnspec, ROOT } from "../helpers/cli.js";

const PAIR = readFileSync(join(APP, "pair.nnspec"), "utf8");
const BROKEN = readFileSync(join(APP, "broken", "broken.nnspec"), "utf8");

describe("compile", () => {
  it("gives the module nnspec compile --js writes, byte for byte", async () => {
    const dir = freshDir("api-vs-cli");
    cpSync(join(APP, "lenet5.nnspec"), join(dir, "lenet5.nnspec"));
    const r = nnspec(["compile", "lenet5.nnspec", "--js"], { cwd: dir });
    expect(r.status).toBe(0);
    const c = await compile(readFileSync(join(dir, "lenet5.nnspec")), { file: "lenet5.nnspec" });
    if (!c.ok) expect.fail(formatDiagnostics(c.diagnostics));
    expect(c.model).toBe("lenet5");
    expect(c.fileName).toBe("lenet5.ts");
    expect(c.ts).toBe(readFileSync(join(dir, "lenet5.ts"), "utf8"));
    expect(c.js).toBe(readFileSync(join(dir, "lenet5.js"), "utf8"));
    expect(c.dts).toBe(readFileSync(join(dir, "lenet5.d.ts"), "utf8"));
  });

  it("a spec with errors: ok false, its diagnostics, and no code", async () => {
    const c = await compile(BROKEN, { file: "broken.nnspec" });
    expect(c).toEqual({ ok: false, diagnostics: [expect.objectContaining({ code: "NN3001", severity: "error" })] });
  });

  it("picks a model of a file with several; throws ModelChoiceError naming them when none or a wrong one is given", async () => {
    const wide = await compile(PAIR, { file: "pair.nnspec", model: "wide", dtype: "f64", runtime: "my-runtime" });
    expect(wide.ok && wide.model).toBe("wide");
    expect(wide.ok && wide.ts).toContain('from "my-runtime"');
    expect(wide.ok && wide.ts).toContain("Float64Array");
    const none = await compile(PAIR, { file: "pair.nnspec" }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ModelChoiceError);
    expect(none).toMatchObject({ message: "pair.nnspec defines 2 models (narrow, wide); pick one with the model option", models: ["narrow", "wide"] });
    await expect(compile(PAIR, { file: "pair.nnspec", model: "deep" })).rejects.toThrow("no model 'deep' in pair.nnspec (models: narrow, wide)");
    await expect(compile("# nothing\n")).rejects.toBeInstanceOf(ModelChoiceError);
  });
});

describe("check and formatDiagnostics", () => {
  it("check summarises each model; a spec with errors is not ok", () => {
    const ok = check(PAIR);
    expect(ok.ok).toBe(true);
    expect(ok.models.map((m) => [m.name, m.params, m.outputShape])).toEqual([
      ["narrow", 15, [3]],
      ["wide", 131, [3]],
    ]);
    const bad = check(BROKEN, { file: "broken.nnspec" });
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.map((d) => d.code)).toEqual(["NN3001"]);
  });

  it("formatDiagnostics prints what nnspec check prints (colour only when asked)", () => {
    requireBuilt("cli");
    const file = join(freshDir("api-format"), "broken.nnspec");
    writeFileSync(file, BROKEN);
    const cli = nnspec(["check", file]);
    const { diagnostics } = check(BROKEN, { file });
    expect(cli.stderr).toBe(`${formatDiagnostics(diagnostics)}\n\nchecked 1 file, 0 models: 1 error, 0 warnings\n`);
    expect(formatDiagnostics(diagnostics)).not.toContain("\x1b[");
    expect(formatDiagnostics(diagnostics, { color: true })).toContain("\x1b[1;31merror[NN3001]");
    expect(formatDiagnostics([])).toBe("");
  });

  it("require() of nnspec/vite and nnspec/esbuild gives the plugins (the CommonJS build); require(\"nnspec\") loads ts-morph and prettier only to compile", () => {
    requireBuilt("api");
    const file = join(freshDir("api-cjs"), "plugins.cjs");
    const code = [
      'const { check } = require("nnspec");',
      "const heavy = () => Object.keys(require.cache).filter((k) => /[\\\\/]node_modules[\\\\/](ts-morph|prettier)[\\\\/]/.test(k)).length > 0;",
      'check("model m {\\n  input 4\\n  fc 2\\n}\\n");',
      'const vite = require("nnspec/vite"); const esbuild = require("nnspec/esbuild");',
      "console.log(vite.default().name, typeof esbuild.default().setup, heavy());",
    ];
    writeFileSync(file, code.join("\n") + "\n");
    const r = spawnSync(process.execPath, [file], { encoding: "utf8", cwd: ROOT });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("nnspec function false\n");
  });
});
