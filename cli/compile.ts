/** `nnspec compile`: loaded on demand, since it brings ts-morph and prettier. */
import { mkdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { writeFileAtomic } from "../runtime/io/atomic.js";
import { toJson } from "../diagnostics/render-json.js";
import { compileSpec, ModelChoiceError } from "../compiler/api.js";
import { describeIoError, readSpec, UsageError } from "./io.js";
import { parse } from "./args.js";
import { printDiagnosticsText } from "./output.js";

const HELP_HINT = "(try: nnspec compile --help)";

export async function compile(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    model: { type: "string" },
    out: { type: "string", short: "o" },
    dtype: { type: "string" },
    js: { type: "boolean" },
    runtime: { type: "string" },
    format: { type: "string" },
  });
  if (values.help) {
    const { COMMAND_HELP } = await import("./help.js");
    process.stdout.write(COMMAND_HELP.compile + "\n");
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`compile takes exactly one FILE ${HELP_HINT}`);
  const dtype = values.dtype ?? "f32";
  if (dtype !== "f32" && dtype !== "f64") throw new UsageError(`--dtype must be f32 or f64, not ${String(dtype)}`);
  const runtime = (values.runtime as string | undefined) ?? "nnspec/runtime";
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
  try {
    mkdirSync(outDir, { recursive: true });
    if (!statSync(outDir).isDirectory()) throw new UsageError(`${outDir}: not a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${outDir}: ${describeIoError(e)}`);
  }
  const files: [string, string][] = [];
  for (const m of result.modules) {
    files.push([m.fileName, m.ts]);
    if (values.js) files.push([m.fileName.replace(/\.ts$/, ".js"), m.js], [m.fileName.replace(/\.ts$/, ".d.ts"), m.dts]);
  }
  for (const [name, text] of files) {
    const path = join(outDir, name);
    try {
      await writeFileAtomic(path, new TextEncoder().encode(text));
    } catch (e) {
      throw new UsageError(`${path}: ${describeIoError(e)}`);
    }
    if (values.format !== "json") process.stderr.write(`wrote ${relative(process.cwd(), path) || path}\n`);
  }
  return 0;
}
