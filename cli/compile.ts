/** `nnspec compile`: loaded on demand, since it brings ts-morph and prettier. */
import { mkdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { writeFileAtomic } from "../runtime/io/atomic.js";
import { toJson } from "../diagnostics/render-json.js";
import { describeIoError, UsageError } from "./io.js";
import { choice, parse, shared } from "./args.js";
import { checkFiles } from "./check.js";
import { printDiagnosticsText } from "./output.js";

export async function compile(argv: string[]): Promise<number> {
  const { values, positionals } = parse("compile", argv, {
    ...shared("model", "format"),
    out: { type: "string", short: "o" },
    dtype: { type: "string" },
    js: { type: "boolean" },
    runtime: { type: "string" },
  }, "one");
  const dtype = choice(values.dtype ?? "f32", "--dtype", ["f32", "f64"] as const);
  const runtime = (values.runtime as string | undefined) ?? "nnspec/runtime";
  if (!/^[^\s"'`\\]+$/.test(runtime)) throw new UsageError(`--runtime must be a module specifier without quotes or spaces, not ${JSON.stringify(runtime)}`);
  const outDir = resolve((values.out as string | undefined) ?? ".");
  const [result] = checkFiles(positionals);
  const diags = result!.diagnostics;
  const failed = diags.some((d) => d.severity === "error");
  if (values.format === "json") process.stdout.write(JSON.stringify({ diagnostics: diags.map(toJson) }) + "\n");
  else printDiagnosticsText(diags);
  if (failed) return 1;
  let models = result!.models;
  const wanted = values.model as string | undefined;
  if (wanted !== undefined) {
    models = models.filter((m) => m.name === wanted);
    if (!models.length) throw new UsageError(`no model '${wanted}' in ${positionals[0]} (models: ${result!.models.map((m) => m.name).join(", ") || "none"})`);
  }
  if (!models.length) throw new UsageError(`${positionals[0]} defines no model`);
  try {
    mkdirSync(outDir, { recursive: true });
    if (!statSync(outDir).isDirectory()) throw new UsageError(`${outDir}: not a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${outDir}: ${describeIoError(e)}`);
  }
  // The banner names the spec relative to the output, so the file is the same wherever it is generated from.
  const specPath = relative(outDir, resolve(positionals[0]!)).split("\\").join("/");
  // Generate everything first, then write: a failure leaves no partial set behind.
  const { compileModel, toJavaScript } = await import("../compiler/emit/index.js");
  const files: [string, string][] = [];
  for (const m of models) {
    const c = await compileModel(m, { dtype, runtime, specPath });
    files.push([c.fileName, c.typescript]);
    if (values.js) {
      const { js, dts } = toJavaScript(c.fileName, c.typescript);
      files.push([c.fileName.replace(/\.ts$/, ".js"), js], [c.fileName.replace(/\.ts$/, ".d.ts"), dts]);
    }
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
