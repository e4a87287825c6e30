#!/usr/bin/env node
/**
 * The CommonJS builds, for `require()` on Node 20 (which cannot require ES
 * modules): esbuild bundles tsc's ES modules in dist/.
 *
 * 1. The compiler and the bundler plugins — `require("nnspec")`,
 *    `require("nnspec/vite")`, `require("nnspec/esbuild")` — into
 *    dist/cjs/*.cjs. Packages stay external (required at run time) except the
 *    ES-module-only chevrotain, which is bundled: its loader
 *    (grammar/chevrotain.ts, a top-level await, which CommonJS cannot have) is
 *    replaced by a static import of chevrotain's single-file bundle.
 *    `import.meta.url` (nnspec's package.json lookup) becomes the bundle's own
 *    file URL.
 * 2. The runtime — `require("nnspec/runtime")` — into dist/runtime/index.cjs,
 *    with `#platform` as its Node implementation. The runtime uses
 *    `import.meta.url` in platform/node.ts (to find kernels.wasm and the worker
 *    module next to it) and data.ts (to find the `mnist` package), so it
 *    becomes the URL of dist/runtime/platform/node.js, where those relative
 *    paths hold. The kernel worker threads still run the ES module
 *    dist/runtime/wasm/worker.js.
 */
import { build } from "esbuild";
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHEVROTAIN = join(dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "chevrotain.mjs");
const COMMON = { absWorkingDir: ROOT, bundle: true, format: "cjs", platform: "node", target: "node20", logLevel: "warning" };

/** dist/grammar/chevrotain.js without its top-level await. */
const staticChevrotain = {
  name: "static-chevrotain",
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]grammar[\\/]chevrotain\.js$/ }, () => ({
      contents: `export { createToken, Lexer, CstParser, EOF } from ${JSON.stringify(CHEVROTAIN)};`,
      loader: "js",
    }));
  },
};

/** The plugins' bundles require the compiler's (./index.cjs) rather than carrying a copy. */
const sharedCompiler = {
  name: "shared-compiler",
  setup(b) {
    b.onResolve({ filter: /\/compiler\/api\.js$/ }, (args) => (/[\\/]dist[\\/]plugins[\\/]/.test(args.importer) ? { path: "./index.cjs", external: true } : undefined));
  },
};

const ENTRIES = { index: "dist/compiler/api.js", vite: "dist/plugins/vite.js", esbuild: "dist/plugins/esbuild.js" };

await build({
  ...COMMON,
  entryPoints: Object.entries(ENTRIES).map(([out, entry]) => ({ in: entry, out })),
  outdir: "dist/cjs",
  outExtension: { ".js": ".cjs" },
  external: ["prettier", "ts-morph", "vite", "esbuild"],
  define: { "import.meta.url": "__nnspec_module_url" },
  banner: { js: 'const __nnspec_module_url = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [staticChevrotain, sharedCompiler],
});
console.log(`build-cjs: ${Object.values(ENTRIES).join(", ")} -> dist/cjs/`);

const RUNTIME = "dist/runtime/index.cjs";
await build({
  ...COMMON,
  entryPoints: ["dist/runtime/index.js"],
  outfile: RUNTIME,
  banner: { js: 'const __nnspec_import_meta_url = require("node:url").pathToFileURL(require("node:path").join(__dirname, "platform", "node.js")).href;' },
  define: { "import.meta.url": "__nnspec_import_meta_url" },
});
console.log(`build-cjs: dist/runtime/index.js -> ${RUNTIME} (${statSync(join(ROOT, RUNTIME)).size} bytes)`);
