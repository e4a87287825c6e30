#!/usr/bin/env node
/**
 * The CommonJS build of the runtime for `require("nnspec/runtime")` on Node 20
 * (which cannot require ES modules): esbuild bundles dist/runtime/index.js
 * (compiled by tsc first) into dist/runtime/index.cjs, with `#platform` as its
 * Node implementation. `import.meta.url` does not exist in CommonJS; the
 * runtime uses it in platform/node.ts (to find kernels.wasm and the worker
 * module next to it) and data.ts (to find the `mnist` package), so it becomes
 * the URL of dist/runtime/platform/node.js, where those relative paths hold.
 * The kernel worker threads still run the ES module dist/runtime/wasm/worker.js.
 */
import { build } from "esbuild";
import { statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const entry = join(ROOT, "dist", "runtime", "index.js");
const outfile = join(ROOT, "dist", "runtime", "index.cjs");

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
  banner: { js: 'const __nnspec_import_meta_url = require("node:url").pathToFileURL(require("node:path").join(__dirname, "platform", "node.js")).href;' },
  define: { "import.meta.url": "__nnspec_import_meta_url" },
});
process.stdout.write(`build-cjs: ${relative(ROOT, entry)} -> ${relative(ROOT, outfile)} (${statSync(outfile).size} bytes)\n`);
