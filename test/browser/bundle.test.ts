/**
 * `nnspec/runtime` and a generated model bundle for the browser with no
 * `node:` import and no shims: esbuild, platform "browser", nothing marked
 * external. (The Node entry, for contrast, cannot be bundled for a browser.)
 * The minified sizes are printed, not asserted.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { requireBuilt } from "../helpers/build.js";
import { bundleForBrowser, nodeImports, writeLenet5 } from "../helpers/browser-bundle.js";
import { TMP } from "../helpers/compile.js";
import { ROOT } from "../helpers/root.js";

beforeAll(() => requireBuilt("browser"));

describe("browser bundles", () => {
  it("nnspec/runtime: no node: import, the wasm and worker URLs in the form bundlers rewrite", async () => {
    const b = await bundleForBrowser({ contents: 'export * from "nnspec/runtime";', resolveDir: ROOT });
    expect(nodeImports(b)).toEqual([]);
    expect(b.warnings).toEqual([]);
    expect(Object.keys(b.metafile.inputs)).toContain("dist/runtime/platform/browser.js");
    expect(Object.keys(b.metafile.inputs)).not.toContain("dist/runtime/platform/node.js");
    expect(b.code).toContain('new URL("../wasm/kernels.wasm", import.meta.url)');
    expect(b.code).toMatch(/new \w+\.Worker\(new URL\("\.\.\/wasm\/worker\.js", import\.meta\.url\), \{ type: "module" \}\)/);
  });

  it("the kernel worker module: no node: import", async () => {
    const b = await bundleForBrowser({ file: join(ROOT, "dist", "runtime", "wasm", "worker.js") });
    expect(nodeImports(b)).toEqual([]);
  });

  it("a generated LeNet-5 module with the runtime: no node: import", async () => {
    const file = await writeLenet5(join(TMP, "browser-bundle"));
    const b = await bundleForBrowser({ contents: `export { createModelAsync, info } from ${JSON.stringify(file)};`, resolveDir: ROOT });
    expect(nodeImports(b)).toEqual([]);
    expect(b.warnings).toEqual([]);
    const min = await bundleForBrowser({ contents: `export { createModelAsync, info } from ${JSON.stringify(file)}; export { loadWeights, SGD } from "nnspec/runtime";`, resolveDir: ROOT }, { minify: true });
    console.log(`LeNet-5 + runtime (createModelAsync, loadWeights, SGD), minified: ${(min.code.length / 1024).toFixed(1)} KB of JS, plus kernels.wasm`);
  });

  it("the Node entry (files, MNIST) does not bundle for a browser: that is why browsers get portable.js", async () => {
    await expect(bundleForBrowser({ file: join(ROOT, "dist", "runtime", "index.js") })).rejects.toThrow(/node:(fs|module|path)/);
  });
});
