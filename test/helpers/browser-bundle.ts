/**
 * Browser bundles of the built runtime package (packages/runtime/dist/), made
 * with esbuild as an app's build would: platform "browser", so the package's
 * `browser` conditions choose `@nnspec/runtime` (portable.js; `nnspec/runtime`
 * re-exports it) and `#platform` (platform/browser.js).
 */
import { build, type BuildResult, type Metafile } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { compileToSource } from "./compile.js";
import { LENET5, LENET5_PATH } from "./lenet5.js";
import { ROOT } from "./root.js";

export interface Bundle {
  code: string;
  metafile: Metafile;
  warnings: BuildResult["warnings"];
}

/** Bundles `entry` (a file, or source text resolved from `resolveDir`) for the browser, in memory. */
export async function bundleForBrowser(entry: { file: string } | { contents: string; resolveDir: string }, options: { minify?: boolean } = {}): Promise<Bundle> {
  const r = await build({
    ...("file" in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: entry.resolveDir, loader: "ts" } }),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    minify: options.minify ?? false,
    logLevel: "silent",
  });
  return { code: r.outputFiles[0]!.text, metafile: r.metafile, warnings: r.warnings };
}

/** The inputs of a bundle that are Node built-ins (`node:fs`, `fs`, …): none for a browser build. */
export function nodeImports(b: Bundle): string[] {
  const found = new Set<string>();
  for (const input of Object.values(b.metafile.inputs)) for (const i of input.imports) if (i.path.startsWith("node:") || i.external) found.add(i.path);
  for (const m of b.code.matchAll(/["'](node:[a-z_/]+)["']/g)) found.add(m[1]!);
  return [...found].sort();
}

/** Writes the generated LeNet-5 module (TypeScript, importing `@nnspec/runtime`) into `dir` as lenet5.ts. */
export async function writeLenet5(dir: string): Promise<string> {
  const { code } = await compileToSource(LENET5, { path: LENET5_PATH.slice(ROOT.length + 1) });
  const file = join(dir, "lenet5.ts");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, code);
  return file;
}
