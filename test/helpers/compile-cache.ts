/**
 * An on-disk cache of generated code for the tests, shared by the test files
 * of a run and by later runs: several files compile the same spec (DenseNet-121's
 * module takes ~20 s, mostly prettier). An entry is keyed by a hash of what
 * the code is made from (the spec text, the model, the compile options) and of
 * the contents of every source the compiler is made of (compiler/, grammar/,
 * diagnostics/, runtime/, whose helpers it imports), package.json (its version
 * is in the banner) and package-lock.json (prettier's version), so an edit to
 * any of them is a miss. Parallel test files
 * write an entry to a temporary file and rename it into place.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { compileModel } from "../../compiler/emit/index.js";
import type { CheckedModel } from "../../compiler/model.js";
import { ROOT } from "./root.js";

const DIR = join(ROOT, "test", ".tmp", "compile-cache");
/** What the generated code is made from: the compiler and the modules it imports. */
const SOURCES = ["compiler", "grammar", "diagnostics", "runtime"];

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourcesOf(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []))
    .sort();
}

/** A hash of the paths and contents of the .ts files under `dirs` (recursively) and of `files`. */
export function sourcesHash(root: string, dirs: readonly string[], files: readonly string[]): string {
  const h = createHash("sha256");
  for (const file of [...dirs.flatMap((d) => sourcesOf(join(root, d))), ...files.map((f) => join(root, f))]) h.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  return h.digest("hex");
}

let compilerHash: string | undefined;
/** The compiler's sources, package.json and package-lock.json, hashed once per test file. */
const compilerSources = (): string => (compilerHash ??= sourcesHash(ROOT, SOURCES, ["package.json", "package-lock.json"]));

/** The code `produce` makes from `inputs` (JSON), from the cache when an entry has the same inputs and compiler sources. */
export async function cachedCode(inputs: Record<string, unknown>, produce: () => Promise<string> | string): Promise<string> {
  const key = createHash("sha256").update(compilerSources()).update("\0").update(JSON.stringify(inputs)).digest("hex").slice(0, 32);
  const file = join(DIR, `${key}.ts`);
  try {
    return readFileSync(file, "utf8");
  } catch {
    // a miss: produce it below
  }
  const code = await produce();
  mkdirSync(DIR, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, file);
  return code;
}

/**
 * compileModel's formatted TypeScript for model `m`, checked (and not changed
 * since) from the text `spec` at `specPath`, through the cache.
 */
export async function compiledTypeScript(spec: string, m: CheckedModel, opts: { dtype: "f32" | "f64"; specPath: string; inPlaceConcat?: boolean }): Promise<string> {
  const options = { dtype: opts.dtype, specPath: opts.specPath, inPlaceConcat: opts.inPlaceConcat ?? true };
  return cachedCode({ spec, model: m.name, ...options }, async () => (await compileModel(m, options)).typescript);
}
