#!/usr/bin/env node
/**
 * The CommonJS build, for `require("nnspec")`, `require("nnspec/vite")` and
 * `require("nnspec/esbuild")` (the package's `require` condition): esbuild
 * bundles tsc's ES modules in dist/ into dist/cjs/*.cjs. Packages stay
 * external (required at run time) except the ES-module-only chevrotain,
 * which is bundled so Node 20 without require(esm) loads it: its loader
 * (grammar/chevrotain.ts, a top-level await, which CommonJS cannot have) is
 * replaced by a static import of chevrotain's single-file bundle.
 * `import.meta.url` (nnspec's package.json lookup) becomes the bundle's own file URL.
 */
import { build } from "esbuild";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHEVROTAIN = join(dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "chevrotain.mjs");

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
  absWorkingDir: ROOT,
  entryPoints: Object.entries(ENTRIES).map(([out, entry]) => ({ in: entry, out })),
  outdir: "dist/cjs",
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["prettier", "ts-morph", "vite", "esbuild"],
  define: { "import.meta.url": "__nnspec_module_url" },
  banner: { js: 'const __nnspec_module_url = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [staticChevrotain, sharedCompiler],
  logLevel: "warning",
});
console.log(`build-cjs: ${Object.values(ENTRIES).join(", ")} -> dist/cjs/`);
