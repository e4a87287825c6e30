/**
 * nnspec's programmatic entry (`import { check, compile } from "nnspec"`):
 * a spec's text in, diagnostics and module text out, no file system. The CLI's
 * `compile` command and the bundler plugins (plugins/) run the same
 * `compileSpec`; code generation (ts-morph, prettier) loads on the first compile.
 */
import { checkSource } from "./index.js";
import { DEFAULT_RUNTIME } from "./emit/runtime-specifier.js";
import { summarize, type ModelSummary } from "./summary.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

export interface CheckOptions {
  /** The path diagnostics name (default "input.nnspec"); nothing is read from it. */
  file?: string;
}

export interface CompileOptions extends CheckOptions {
  /** Which model of the file to compile; required when the file defines several. */
  model?: string;
  /** Element type of the generated module (default "f32"). */
  dtype?: "f32" | "f64";
  /** The module specifier the generated code imports the runtime from (default "@nnspec/runtime", the runtime package). */
  runtime?: string;
  /** The spec path written in the generated banner (default: `file`). */
  specPath?: string;
}

export interface CheckResult {
  /** True when no diagnostic is an error (warnings allowed). */
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Each model the file defines, summarised (none when the file has errors that stop checking). */
  models: ModelSummary[];
}

/** One generated module: TypeScript, and the same as JavaScript plus declarations. */
export interface CompiledSpecModule {
  model: string;
  /** `MODEL.ts`; the JavaScript and declarations are `MODEL.js` and `MODEL.d.ts`. */
  fileName: string;
  ts: string;
  js: string;
  dts: string;
}

export type CompileResult = ({ ok: true } & CompiledSpecModule & { diagnostics: Diagnostic[] }) | { ok: false; diagnostics: Diagnostic[] };

/** A wrong `model` option, or a file without (exactly one) model to compile: the caller's choice, not the spec, must change. */
export class ModelChoiceError extends Error {
  override name = "ModelChoiceError";
  constructor(
    message: string,
    /** The models the file defines. */
    readonly models: string[],
  ) {
    super(message);
  }
}

/** Check a spec: its diagnostics and a summary of each model. Never throws on any input. */
export function check(source: string | Uint8Array, options: CheckOptions = {}): CheckResult {
  const r = checkSource(options.file ?? "input.nnspec", source);
  return { ok: !hasErrors(r.diagnostics), diagnostics: r.diagnostics, models: r.models.map(summarize) };
}

/**
 * Compile one model of a spec into a module. With errors in the spec: `{ ok: false, diagnostics }`
 * and no code. Throws `ModelChoiceError` when `model` names no model of the file, or when the
 * file defines none or several and `model` is not given.
 */
export async function compile(source: string | Uint8Array, options: CompileOptions = {}): Promise<CompileResult> {
  const r = await compileSpec(source, { ...options, single: true });
  if (!r.ok) return r;
  return { ok: true, ...r.modules[0]!, diagnostics: r.diagnostics };
}

export interface CompileSpecOptions extends CompileOptions {
  /** Insist on exactly one model (`compile`); otherwise every model of the file when `model` is not given (`nnspec compile`). */
  single?: boolean;
  /** Which of the JavaScript and the declarations to make besides the TypeScript (default both; `[]` leaves both ""). */
  outputs?: readonly ("js" | "dts")[];
  /** How the caller picks a model, for the message when the file defines several (default "the model option"). */
  howToChoose?: string;
  /** The size of `source` as read, when it was cut at the reader's limit (see `checkSource`). */
  size?: number;
}

export type CompileSpecResult = { ok: true; diagnostics: Diagnostic[]; modules: CompiledSpecModule[] } | { ok: false; diagnostics: Diagnostic[] };

/** Check, pick the models, generate: what `compile`, `nnspec compile` and the bundler plugins share. */
export async function compileSpec(source: string | Uint8Array, options: CompileSpecOptions = {}): Promise<CompileSpecResult> {
  const file = options.file ?? "input.nnspec";
  const checked = checkSource(file, source, options.size);
  if (hasErrors(checked.diagnostics)) return { ok: false, diagnostics: checked.diagnostics };
  const chosen = chooseModels(file, checked.models, options.model, options.single ? (options.howToChoose ?? "the model option") : undefined);
  const { compileModel, toJavaScript } = await import("./emit/index.js");
  const outputs = options.outputs ?? ["js", "dts"];
  const modules: CompiledSpecModule[] = [];
  for (const m of chosen) {
    const c = await compileModel(m, { dtype: options.dtype ?? "f32", runtime: options.runtime ?? DEFAULT_RUNTIME, specPath: options.specPath ?? file });
    const { js, dts } = outputs.length ? toJavaScript(c.fileName, c.typescript, { declarations: outputs.includes("dts") }) : { js: "", dts: "" };
    modules.push({ model: c.model, fileName: c.fileName, ts: c.typescript, js, dts });
  }
  return { ok: true, diagnostics: checked.diagnostics, modules };
}

/** The models to compile; `single` (how to choose, for the message) insists on exactly one. */
function chooseModels<M extends { name: string }>(file: string, models: M[], wanted: string | undefined, single: string | undefined): M[] {
  const names = models.map((m) => m.name);
  if (wanted !== undefined) {
    const hit = models.filter((m) => m.name === wanted);
    if (!hit.length) throw new ModelChoiceError(`no model '${wanted}' in ${file} (models: ${names.join(", ") || "none"})`, names);
    return hit;
  }
  if (!models.length) throw new ModelChoiceError(`${file} defines no model`, names);
  if (single !== undefined && models.length > 1) throw new ModelChoiceError(`${file} defines ${models.length} models (${names.join(", ")}); pick one with ${single}`, names);
  return models;
}

/**
 * The text of NAME.d.ts (`nnspec typegen`, and the plugins' `typegen` option), for a spec
 * file NAME and its compiled modules: the module's declarations when the file has one model;
 * otherwise one ambient module per model, matching the `NAME?model=MODEL` imports.
 */
export function specDeclarations(name: string, modules: readonly CompiledSpecModule[]): string {
  const head = `// Generated by nnspec from ${name}; do not edit: it is written again when the spec changes (nnspec typegen).\n`;
  if (modules.length === 1) return head + modules[0]!.dts;
  const ambient = modules.map((m) => `declare module "*/${name}?model=${m.model}" {\n${m.dts.replace(/^export declare /gm, "export ").trimEnd()}\n}\n`);
  return `${head}// ${name} defines ${modules.length} models: import one with "./${name}?model=NAME".\n${ambient.join("\n")}`;
}

function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}

export { checkSource, InternalError, allLayers, LAYERS, type CheckOutput, type CheckedModel, type Node, type LayerNode, type ResidualNode } from "./index.js";
export type { ModelSummary, LayerRow } from "./summary.js";
export type { Diagnostic, Related } from "../diagnostics/diagnostic.js";
export type { Code, Severity } from "../diagnostics/messages.js";
export { SourceFile, type Span, type Position } from "../diagnostics/source.js";
export { formatDiagnostics, renderText, type TextOptions } from "../diagnostics/render-text.js";
export { toJson, type JsonDiagnostic, type JsonSpan } from "../diagnostics/render-json.js";
