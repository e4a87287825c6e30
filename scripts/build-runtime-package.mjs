#!/usr/bin/env node
/**
 * Assembles the runtime package, packages/runtime/ (`@nnspec/runtime`, no
 * dependencies), from the build: tsc compiles runtime/ into dist/runtime/
 * (the TypeScript sources stay at the top of the repository, where the
 * compiler and the CLI import them), build-wasm adds kernels.wasm and
 * build-cjs the CommonJS index.cjs; this copies dist/runtime/ to
 * packages/runtime/dist/ as it is, so the relative paths inside it (the
 * wasm and worker URLs, index.cjs's platform/node.js) hold unchanged.
 * packages/runtime/package.json maps its exports and `#platform` into dist/.
 *
 * It also writes `nnspec/runtime`, which re-exports the runtime package:
 * dist/reexport/runtime.{js,cjs,d.ts}. (The CLI keeps running its own
 * dist/runtime/, which it imports by relative path.)
 *
 *   node scripts/build-runtime-package.mjs           assemble (the last step of `npm run build`)
 *   node scripts/build-runtime-package.mjs --check   only fail when packages/runtime/dist/ is missing
 *                                                    (the runtime package's prepack: `npm pack` there needs a build)
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FROM = join(ROOT, "dist", "runtime");
const TO = join(ROOT, "packages", "runtime", "dist");
const NAME = "@nnspec/runtime";

if (process.argv[2] === "--check") {
  if (existsSync(join(TO, "index.js")) && existsSync(join(TO, "wasm", "kernels.wasm"))) process.exit(0);
  process.stderr.write("build-runtime-package: packages/runtime/dist/ is not built: run `npm run build` at the repository's root first\n");
  process.exit(1);
}

rmSync(TO, { recursive: true, force: true });
// kernels.wat (build-wasm --wat) is for reading, not for the package.
cpSync(FROM, TO, { recursive: true, filter: (src) => !src.endsWith(".wat") });

const REEXPORT = join(ROOT, "dist", "reexport");
mkdirSync(REEXPORT, { recursive: true });
const note = `// nnspec/runtime is the runtime package, ${NAME}.\n`;
writeFileSync(join(REEXPORT, "runtime.js"), `${note}export * from "${NAME}";\n`);
writeFileSync(join(REEXPORT, "runtime.d.ts"), `${note}export * from "${NAME}";\n`);
writeFileSync(join(REEXPORT, "runtime.cjs"), `${note}"use strict";\nmodule.exports = require("${NAME}");\n`);
console.log(`build-runtime-package: dist/runtime/ -> packages/runtime/dist/; nnspec/runtime -> dist/reexport/ (re-exports ${NAME})`);
