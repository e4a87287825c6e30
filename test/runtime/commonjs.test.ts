/**
 * `require("nnspec/runtime")` from CommonJS on Node 20, which cannot require
 * ES modules: it re-exports `require("@nnspec/runtime")`, whose `require`
 * condition loads packages/runtime/dist/index.cjs (scripts/build-cjs.mjs, copied
 * by scripts/build-runtime-package.mjs). (Node 20.19 and later could require the ES module
 * itself; 20.0–20.18, which package.json's engines allow, cannot, so the test
 * checks that the CommonJS build is what loads.) A .cjs script run by node requires it, runs the
 * wasm kernels on two threads and round-trips weights through bytes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { requireBuilt } from "../helpers/build.js";
import { TMP } from "../helpers/compile.js";
import { CJS_RUNTIME_RESULT, cjsRuntimeScript } from "../helpers/cjs-script.js";
import { ROOT } from "../helpers/root.js";

beforeAll(() => requireBuilt("cjs"));

it("require(\"nnspec/runtime\") works from a .cjs file, with the ES module's exports", async () => {
  const dir = join(TMP, "commonjs");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "use-runtime.cjs");
  writeFileSync(file, cjsRuntimeScript("nnspec/runtime", "@nnspec/runtime"));
  const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  const esm = Object.keys(await import(join(ROOT, "packages", "runtime", "dist", "index.js"))).sort();
  expect(out.keys).toEqual(esm);
  expect(out.resolved).toBe(join(ROOT, "packages", "runtime", "dist", "index.cjs"));
  expect(out).toMatchObject({ same: true, ...CJS_RUNTIME_RESULT });
});
