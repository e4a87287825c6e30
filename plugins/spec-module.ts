/**
 * What the bundler plugins share: a `.nnspec` file (and its `?model=NAME`
 * query) → the generated JavaScript module, or a `SpecModuleError` holding the
 * diagnostics rendered as the CLI prints them. Each plugin only adapts this to
 * its bundler's hooks and error objects.
 */
import { readFile, writeFile } from "node:fs/promises";
import { basename, relative } from "node:path";
import { compileSpec, formatDiagnostics, ModelChoiceError, specDeclarations, type Diagnostic } from "../compiler/api.js";

export interface NnspecPluginOptions {
  /** The module specifier generated code imports the runtime from (default "@nnspec/runtime"). */
  runtime?: string;
  /** Element type of the generated modules (default "f32"). */
  dtype?: "f32" | "f64";
  /** Also write FILE.d.ts beside each imported spec, as `nnspec typegen` does, whenever it compiles (default false). */
  typegen?: boolean;
}

/** `import … from "./net.nnspec"`, optionally `?model=NAME` (other query parameters are the bundler's and ignored). */
export const SPEC_ID = /\.nnspec(?:\?.*)?$/;

/** An id's file path and its `model` query parameter. */
export function parseSpecId(id: string): { file: string; query: string; model: string | undefined } {
  const q = id.indexOf("?");
  if (q < 0) return { file: id, query: "", model: undefined };
  const query = id.slice(q);
  return { file: id.slice(0, q), query, model: new URLSearchParams(query.slice(1)).get("model") ?? undefined };
}

/** A spec that does not compile: its error diagnostics (or none, for a wrong model choice) and the text to show. */
export class SpecModuleError extends Error {
  override name = "SpecModuleError";
  constructor(
    message: string,
    readonly file: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(message);
  }
}

export interface SpecModule {
  /** The generated JavaScript (it imports the runtime). */
  code: string;
  model: string;
  /** Warnings of the spec (it compiled), for the bundler to show. */
  warnings: Diagnostic[];
}

/**
 * Read and compile FILE (an absolute path). Diagnostics name it relative to
 * `root` (the project folder), as the generated banner does, so the output does
 * not depend on where the project lives.
 */
export async function loadSpecModule(file: string, model: string | undefined, root: string, options: NnspecPluginOptions = {}): Promise<SpecModule> {
  const shown = relative(root, file).split("\\").join("/") || file;
  const bytes = new Uint8Array(await readFile(file));
  let result;
  try {
    const howToChoose = `a query: import … from "./${basename(file)}?model=NAME"`;
    result = await compileSpec(bytes, { file: shown, model, dtype: options.dtype, runtime: options.runtime, single: true, howToChoose, outputs: ["js"] });
  } catch (e) {
    if (e instanceof ModelChoiceError) throw new SpecModuleError(e.message, file, []);
    throw e;
  }
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    throw new SpecModuleError(formatDiagnostics(errors), file, errors);
  }
  if (options.typegen) await writeDeclarations(file, bytes, shown, options);
  const m = result.modules[0]!;
  return { code: m.js, model: m.model, warnings: result.diagnostics };
}

/** FILE.d.ts for every model of the spec, written only when its text changes (so an editor's language service sees new shapes). */
async function writeDeclarations(file: string, bytes: Uint8Array, shown: string, options: NnspecPluginOptions): Promise<void> {
  const all = await compileSpec(bytes, { file: shown, dtype: options.dtype, runtime: options.runtime, outputs: ["js", "dts"] });
  if (!all.ok) return;
  const text = specDeclarations(basename(file), all.modules);
  const path = `${file}.d.ts`;
  const old = await readFile(path, "utf8").catch(() => undefined);
  if (old !== text) await writeFile(path, text);
}

/** Where a diagnostic (or a related place) starts: 1-based line and column, the source line, and the span's length on it. */
export function placeOf(at: { file: Diagnostic["file"]; span: Diagnostic["span"] }): { line: number; column: number; lineText: string; length: number } {
  const { line, column } = at.file.position(at.span.start);
  const lineText = at.file.lineText(line - 1);
  return { line, column, lineText, length: Math.max(1, Math.min(at.span.end - at.span.start, lineText.length - (column - 1))) };
}

export { formatDiagnostics, type Diagnostic };
