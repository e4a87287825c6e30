/**
 * What the tests still run from dist/, and a check that it is not older than
 * its sources. Vitest runs the TypeScript sources, `@nnspec/runtime` included
 * (vitest.config.ts aliases it to runtime/index.ts), but some things only
 * exist built: the wasm kernels, the modules of the kernels' worker threads
 * (worker_threads cannot run .ts), the CLI (bin/nnspec.js loads dist/cli/),
 * the runtime's declarations that tsc checks generated code against, and the
 * runtime package (packages/runtime/dist/, a copy of dist/runtime/).
 * `npm test` builds first; a bare `npx vitest run` after an edit fails fast,
 * naming the file to rebuild, instead of quietly testing old code.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ROOT } from "./root.js";

/** A built file and the sources it is made from (absolute paths). */
export interface Built {
  file: string;
  sources: string[];
}

/** Relative imports of a compiled module: `from "./x.js"`, `import "./x.js"`, `import("./x.js")`; and the runtime's `#platform`. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+|#platform)["']/g;
/** What `#platform` is in dist/ (package.json `imports`): both implementations count. */
const PLATFORM = ["runtime/platform/node.js", "runtime/platform/browser.js"];

/** dist/ENTRY and every dist/ module it (or its .d.ts) imports, transitively, each built by tsc from the .ts at the same place outside dist/. */
export function compiledFrom(root: string, entry: string): Built[] {
  const dist = join(root, "dist");
  const out: Built[] = [];
  const seen = new Set<string>();
  const todo = [join(dist, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    out.push({ file, sources: [join(root, relative(dist, file)).replace(/\.js$/, ".ts")] });
    // the declarations too: their type-only imports are gone from the .js
    for (const code of [file, file.replace(/\.js$/, ".d.ts")].filter((f) => existsSync(f))) {
      for (const m of readFileSync(code, "utf8").matchAll(IMPORT)) {
        if (m[1] === "#platform") todo.push(...PLATFORM.map((p) => join(dist, p)));
        else todo.push(join(dirname(file), m[1]!));
      }
    }
  }
  return out;
}

/** dist/runtime/wasm/kernels.wasm, built by scripts/build-wasm.mjs from every runtime/wasm/src/*.as.ts. */
export function wasmKernels(root: string): Built {
  const src = join(root, "runtime", "wasm", "src");
  const sources = readdirSync(src)
    .filter((f) => f.endsWith(".as.ts"))
    .map((f) => join(src, f));
  return { file: join(root, "dist", "runtime", "wasm", "kernels.wasm"), sources };
}

/**
 * The runtime package's files (packages/runtime/dist/, copied from dist/runtime/ by
 * scripts/build-runtime-package.mjs) and `nnspec/runtime`'s re-exports of it (dist/reexport/),
 * each built from the dist/runtime/ file it copies (or, for the re-exports, from the package's entries).
 */
export function runtimePackage(root: string): Built[] {
  const from = join(root, "dist", "runtime");
  const to = join(root, "packages", "runtime", "dist");
  const copies = (readdirSync(from, { recursive: true, encoding: "utf8" }) as string[])
    .filter((f) => !f.endsWith(".wat") && statSync(join(from, f)).isFile())
    .map((f) => ({ file: join(to, f), sources: [join(from, f)] }));
  const reexports = ["runtime.js", "runtime.cjs", "runtime.d.ts"].map((f) => ({ file: join(root, "dist", "reexport", f), sources: [join(to, "index.js")] }));
  return [...copies, ...reexports];
}

/** The first built file that is missing or older than one of its sources, as a message; null when all are fresh. */
export function staleness(root: string, built: readonly Built[]): string | null {
  const show = (p: string) => relative(root, p);
  for (const b of built) {
    if (!existsSync(b.file)) return `${show(b.file)} is missing: run \`npm run build\``;
    const made = statSync(b.file).mtimeMs;
    for (const s of b.sources) {
      if (!existsSync(s)) return `${show(b.file)} has no source ${show(s)} any more: run \`npm run build\` (and delete dist/ if it stays)`;
      if (statSync(s).mtimeMs > made) return `dist/ is older than ${show(s)} (${show(b.file)} was built before it changed): run \`npm run build\``;
    }
  }
  return null;
}

/** What a test needs built, and why. */
const NEEDS = {
  wasm: {
    why: "the wasm kernels and their worker threads run from dist/",
    built: (root: string) => [wasmKernels(root), ...compiledFrom(root, "runtime/wasm/worker.js")],
  },
  cli: {
    why: "bin/nnspec.js runs dist/",
    built: (root: string) => [...compiledFrom(root, "cli/main.js"), wasmKernels(root), ...compiledFrom(root, "runtime/wasm/worker.js")],
  },
  cjs: {
    why: "require(\"@nnspec/runtime\") (and \"nnspec/runtime\") loads packages/runtime/dist/index.cjs, bundled from dist/runtime/",
    built: (root: string) => {
      const esm = compiledFrom(root, "runtime/index.js");
      return [...esm, { file: join(root, "dist", "runtime", "index.cjs"), sources: esm.map((b) => b.file) }, wasmKernels(root), ...runtimePackage(root)];
    },
  },
  browser: {
    why: "browser bundles are made from the runtime package, packages/runtime/dist/ (portable.js, the kernel worker, kernels.wasm)",
    built: (root: string) => [...compiledFrom(root, "runtime/portable.js"), ...compiledFrom(root, "runtime/wasm/worker.js"), wasmKernels(root), ...runtimePackage(root)],
  },
  runtime: {
    why: "modules compiled by the CLI and bundles of the plugins import @nnspec/runtime (packages/runtime/dist/) when they run in plain Node",
    built: (root: string) => [...compiledFrom(root, "runtime/index.js"), wasmKernels(root), ...runtimePackage(root)],
  },
  api: {
    why: "import and require of \"nnspec\" load dist/compiler/api.js and dist/cjs/index.cjs",
    built: (root: string) => {
      const esm = compiledFrom(root, "compiler/api.js");
      return [...esm, { file: join(root, "dist", "cjs", "index.cjs"), sources: esm.map((b) => b.file) }];
    },
  },
  runtimeTypes: {
    why: "tsc checks generated code against the runtime package's declarations (packages/runtime/dist/)",
    built: (root: string) => [...compiledFrom(root, "runtime/index.js"), ...runtimePackage(root)],
  },
} as const;

export type Need = keyof typeof NEEDS;

const checked = new Map<Need, string | null>();

/** Throws, naming the file to rebuild, when what `need` runs from dist/ is older than its sources (checked once per process). */
export function requireBuilt(need: Need): void {
  if (!checked.has(need)) {
    const problem = staleness(ROOT, NEEDS[need].built(ROOT));
    checked.set(need, problem === null ? null : `${problem} (${NEEDS[need].why})`);
  }
  const message = checked.get(need);
  if (message) throw new Error(message);
}
