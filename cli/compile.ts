/** `nnspec compile`: loaded on demand, since it brings ts-morph and prettier. */
import { mkdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { writeFileAtomic } from "../runtime/io/atomic.js";
import { toJson } from "../diagnostics/render-json.js";
import { displayPath } from "../diagnostics/display.js";
import { describeIoError, fileError, UsageError } from "./io.js";
import { choice, parse, shared } from "./args.js";
import { checkOutputs } from "./paths.js";
import { checkFiles } from "./check.js";
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
  makeOutDir(outDir, (values.out as string | undefined) ?? ".");
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
  const spec = { role: "the spec", path: positionals[0]! };
  checkOutputs([spec], files.map(([name]) => ({ role: "-o", path: join(outDir, name), kind: "module" })), values.force === true);
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
