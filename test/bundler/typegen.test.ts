/**
 * `nnspec typegen`: the declarations it writes beside each spec type the
 * fixture app's imports under `tsc --strict` with "moduleResolution": "bundler"
 * (a one-model file as a module, a two-model file's `?model=NAME` imports as
 * ambient modules), with literal shapes: a wrong shape is a type error.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nnspec, ROOT } from "../helpers/cli.js";
import { APP, freshDir } from "../helpers/bundler.js";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const TSCONFIG = { compilerOptions: { strict: true, noEmit: true, module: "esnext", moduleResolution: "bundler", target: "es2022", types: [] }, include: ["*.ts"] };

function tsc(dir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSC, "-p", join(dir, "tsconfig.json")], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("nnspec typegen", () => {
  it("writes FILE.d.ts beside each spec; tsc --strict accepts the app and its literal shapes, and rejects a wrong shape", () => {
    const dir = freshDir("typegen");
    cpSync(APP, dir, { recursive: true, filter: (src) => !src.includes("broken") });
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG));
    // Literal shapes: the right ones are accepted, a wrong one is an error (an unused @ts-expect-error fails too).
    const shapes = ['import { info, wideInfo } from "./main";', "export const classes: 10 = info.outputShape[0];", 'export const name: "wide" = wideInfo.name;', "// @ts-expect-error: the model has 10 classes", "export const wrong: 11 = info.outputShape[0];"];
    writeFileSync(join(dir, "shapes.ts"), shapes.join("\n") + "\n");
    const r = nnspec(["typegen", "lenet5.nnspec", "pair.nnspec"], { cwd: dir });
    expect(r.stderr).toBe("wrote lenet5.nnspec.d.ts\nwrote pair.nnspec.d.ts\n");
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, "pair.nnspec.d.ts"), "utf8")).toContain('declare module "*/pair.nnspec?model=narrow"');
    const typed = tsc(dir);
    expect(typed.out).toBe("");
    expect(typed.status).toBe(0);
  });

  it("a spec with errors exits 1 with its diagnostics and writes nothing", () => {
    const dir = freshDir("typegen-broken");
    cpSync(join(APP, "broken"), dir, { recursive: true });
    const r = nnspec(["typegen", "broken.nnspec"], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error[NN3001]");
    expect(existsSync(join(dir, "broken.nnspec.d.ts"))).toBe(false);
  });
});
