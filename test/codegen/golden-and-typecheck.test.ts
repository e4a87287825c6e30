/**
 * Generated code as users read it: golden files for two specs (review changes
 * by eye; regenerate with `npx vitest run test/codegen/golden-and-typecheck.test.ts -u`),
 * and every example spec compiles to a module that passes `tsc --strict`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import { compileModel } from "../../compiler/emit/index.js";
import { ROOT } from "../helpers/cli.js";
import { TMP } from "../helpers/compile.js";

async function compileFile(path: string, shown: string, dtype: "f32" | "f64" = "f32") {
  const r = checkSource(shown, readFileSync(path));
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return Promise.all(r.models.map((m) => compileModel(m, { dtype, specPath: shown })));
}

describe("golden generated code", () => {
  for (const spec of ["lenet5", "cifar_cnn"]) {
    it(`specs/${spec}.nnspec`, async () => {
      const [c] = await compileFile(join(ROOT, "specs", `${spec}.nnspec`), `specs/${spec}.nnspec`);
      await expect(c!.typescript).toMatchFileSnapshot(join("..", "golden", "codegen", `${spec}.ts.golden`));
    });
  }

  it("is deterministic", async () => {
    const a = await compileFile(join(ROOT, "specs", "resnet20.nnspec"), "specs/resnet20.nnspec");
    const b = await compileFile(join(ROOT, "specs", "resnet20.nnspec"), "specs/resnet20.nnspec");
    expect(a[0]!.typescript).toBe(b[0]!.typescript);
  });
});

describe("every example spec compiles and type-checks", () => {
  it("passes tsc --strict --noEmit (float32 and float64)", async () => {
    const dir = join(TMP, "typecheck");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const shared = join(ROOT, "..", "shared", "acceptance", "valid");
    const specs = [
      ...readdirSync(join(ROOT, "specs")).filter((f) => f.endsWith(".nnspec")).map((f) => join(ROOT, "specs", f)),
      ...(existsSync(shared) ? readdirSync(shared).filter((f) => f.endsWith(".nnspec")).map((f) => join(shared, f)) : []),
    ];
    expect(specs.length).toBeGreaterThanOrEqual(10);
    const files: string[] = [];
    for (const [i, spec] of specs.entries()) {
      for (const dtype of ["f32", "f64"] as const) {
        for (const c of await compileFile(spec, spec.slice(spec.lastIndexOf("/") + 1), dtype)) {
          const file = join(dir, `${i}_${dtype}_${c.fileName}`);
          writeFileSync(file, c.typescript);
          files.push(file);
        }
      }
    }
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const args = ["--ignoreConfig", "--noEmit", "--strict", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--target", "ES2022", "--types", "node", "--skipLibCheck", ...files];
    const r = spawnSync(process.execPath, [tsc, ...args], { cwd: ROOT, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 180_000);
});
