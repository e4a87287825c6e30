/** `nnspec compile`: loaded on demand, since it brings ts-morph and prettier. */
import { mkdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { writeFileAtomic } from "../runtime/io/atomic.js";
import { toJson } from "../diagnostics/render-json.js";
import { displayPath } from "../diagnostics/display.js";
import { compileSpec, ModelChoiceError } from "../compiler/api.js";
import { DEFAULT_RUNTIME } from "../compiler/emit/runtime-specifier.js";
import { describeIoError, fileError, readSpec, UsageError } from "./io.js";
import { choice, parse, shared } from "./args.js";
import { checkOutputs } from "./paths.js";
import { printDiagnosticsText } from "./output.js";

/** The output folder, created if missing; a file in its place is a usage error, not a raw EEXIST. */
function makeOutDir(outDir: string, given: string): void {
  try {
    if (statSync(outDir, { throwIfNoEntry: false })?.isDirectory() === false) throw new UsageError(`-o ${displayPath(given)} is a file, not a folder; compile writes one file per model into the folder -o names`);
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw fileError(outDir, describeIoError(e));
  }
}

export async function compile(argv: string[]): Promise<number> {
  const { values, positionals } = parse("compile", argv, {
    ...shared("model", "format", "force"),
    out: { type: "string", short: "o" },
    dtype: { type: "string" },
    js: { type: "boolean" },
    runtime: { type: "string" },
  }, "one");
  const dtype = choice(values.dtype ?? "f32", "--dtype", ["f32", "f64"] as const);
  const runtime = (values.runtime as string | undefined) ?? DEFAULT_RUNTIME;
  if (!/^[^\s"'`\\]+$/.test(runtime)) throw new UsageError(`--runtime must be a module specifier without quotes or spaces, not ${JSON.stringify(runtime)}`);
  const outDir = resolve((values.out as string | undefined) ?? ".");
  const file = positionals[0]!;
  const spec = readSpec(file);
  // The banner names the spec relative to the output, so the file is the same wherever it is generated from.
  const specPath = relative(outDir, resolve(file)).split("\\").join("/");
  const outputs: ("js" | "dts")[] = values.js ? ["js", "dts"] : [];
  // Generate everything first, then write: a failure leaves no partial set behind.
  const result = await compileSpec(spec.bytes, { file, size: spec.size, model: values.model as string | undefined, dtype, runtime, specPath, outputs }).catch((e: unknown) => {
    throw e instanceof ModelChoiceError ? new UsageError(e.message) : e;
  });
  if (values.format === "json") process.stdout.write(JSON.stringify({ diagnostics: result.diagnostics.map(toJson) }) + "\n");
  else printDiagnosticsText(result.diagnostics);
  if (!result.ok) return 1;
  makeOutDir(outDir, (values.out as string | undefined) ?? ".");
  const files: [string, string][] = [];
  for (const m of result.modules) {
    files.push([m.fileName, m.ts]);
    if (values.js) files.push([m.fileName.replace(/\.ts$/, ".js"), m.js], [m.fileName.replace(/\.ts$/, ".d.ts"), m.dts]);
  }
  checkOutputs([{ role: "the spec", path: file }], files.map(([name]) => ({ role: "-o", path: join(outDir, name), kind: "module" })), values.force === true);
  for (const [name, text] of files) {
    const path = join(outDir, name);
    try {
      await writeFileAtomic(path, new TextEncoder().encode(text));
    } catch (e) {
      throw fileError(path, describeIoError(e));
    }
    if (values.format !== "json") process.stderr.write(`wrote ${displayPath(relative(process.cwd(), path) || path)}\n`);
  }
  return 0;
}
