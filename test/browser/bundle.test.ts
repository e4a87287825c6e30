/**
 * The runtime package `@nnspec/runtime` (and `nnspec/runtime`, its re-export) and a generated model bundle for the browser with no
 * `node:` import and no shims: esbuild, platform "browser", nothing marked
 * external. (The Node entry, for contrast, cannot be bundled for a browser.)
 * The minified sizes are printed, not asserted.
 */
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { requireBuilt } from "../helpers/build.js";
import { bundleForBrowser, nodeImports, writeLenet5 } from "../helpers/browser-bundle.js";
import { TMP } from "../helpers/compile.js";
import { ROOT } from "../helpers/root.js";
import { STRICT_PROJECT } from "../helpers/typecheck.js";

beforeAll(() => requireBuilt("browser"));

describe("browser bundles", () => {
  it.each(["@nnspec/runtime", "nnspec/runtime"])("%s: no node: import, the wasm and worker URLs in the form bundlers rewrite", async (name) => {
    const b = await bundleForBrowser({ contents: `export * from "${name}";`, resolveDir: ROOT });
    expect(nodeImports(b)).toEqual([]);
    expect(b.warnings).toEqual([]);
    expect(Object.keys(b.metafile.inputs)).toContain("packages/runtime/dist/platform/browser.js");
    expect(Object.keys(b.metafile.inputs)).not.toContain("packages/runtime/dist/platform/node.js");
    expect(Object.keys(b.metafile.inputs).filter((f) => f.startsWith("dist/runtime/"))).toEqual([]);
    expect(b.code).toContain('new URL("../wasm/kernels.wasm", import.meta.url)');
    expect(b.code).toContain('new Worker(new URL("../wasm/worker.js", import.meta.url), { type: "module" })');
  });

  it("is free of side effects (package.json sideEffects): importing an optimizer leaves the kernels out", async () => {
    const b = await bundleForBrowser({ contents: 'export { SGD } from "@nnspec/runtime";', resolveDir: ROOT });
    expect(b.code).toMatch(/\bSGD = class\b|class SGD\b/);
    expect(b.code).not.toContain("kernels.wasm");
    expect(b.code).not.toContain("FinalizationRegistry");
  });

  it("the kernel worker module: no node: import", async () => {
    const b = await bundleForBrowser({ file: join(ROOT, "packages", "runtime", "dist", "wasm", "worker.js") });
    expect(nodeImports(b)).toEqual([]);
  });

  it("a generated LeNet-5 module with the runtime: no node: import", async () => {
    const file = await writeLenet5(join(TMP, "browser-bundle"));
    const b = await bundleForBrowser({ contents: `export { createModelAsync, info } from ${JSON.stringify(file)};`, resolveDir: ROOT });
    expect(nodeImports(b)).toEqual([]);
    expect(b.warnings).toEqual([]);
    const min = await bundleForBrowser({ contents: `export { createModelAsync, info } from ${JSON.stringify(file)}; export { loadWeights, SGD } from "@nnspec/runtime";`, resolveDir: ROOT }, { minify: true });
    const worker = await bundleForBrowser({ file: join(ROOT, "packages", "runtime", "dist", "wasm", "worker.js") }, { minify: true });
    const wasm = statSync(join(ROOT, "packages", "runtime", "dist", "wasm", "kernels.wasm")).size;
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(`LeNet-5 + runtime (createModelAsync, loadWeights, SGD), minified: ${kb(min.code.length)} of JS (${kb(gzipSync(min.code).length)} gzipped), the kernel worker ${kb(worker.code.length)}, kernels.wasm ${kb(wasm)}`);
  });

  it("a generated module type-checks against the browser entry's declarations, as a Vite project resolves them", async () => {
    requireBuilt("runtimeTypes");
    const file = await writeLenet5(join(TMP, "browser-bundle"));
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const args = [tsc, "--ignoreConfig", "--noEmit", ...STRICT_PROJECT, "--module", "ESNext", "--moduleResolution", "bundler", "--target", "ES2022", "--lib", "ES2022,DOM", "--skipLibCheck", "--explainFiles", file];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    expect(r.stdout).not.toMatch(/error TS/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("packages/runtime/dist/portable.d.ts");
    expect(r.stdout).not.toContain("packages/runtime/dist/index.d.ts");
  });

  it("the Node entry (files, MNIST) does not bundle for a browser: that is why browsers get portable.js", async () => {
    await expect(bundleForBrowser({ file: join(ROOT, "packages", "runtime", "dist", "index.js") })).rejects.toThrow(/node:(fs|module|path)/);
  });
});
