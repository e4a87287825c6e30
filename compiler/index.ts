/** nnspec's compiler front end: source → checked models + diagnostics. Never throws on any input. */
import { parseSource } from "../grammar/cst-to-ast.js";
import { decodeSource } from "../grammar/decode.js";
import { SourceFile } from "../diagnostics/source.js";
import type { Program } from "../grammar/ast.js";
import { checkProgram } from "./check.js";
import { DiagnosticBag, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { CheckedModel, Node } from "./model.js";

export interface CheckOutput {
  file: SourceFile | undefined;
  program: Program | undefined;
  models: CheckedModel[];
  /** Each model's nodes as far as checking got, also when it has errors (see `checkProgram`). */
  partial: { model: string; nodes: Node[] }[];
  diagnostics: Diagnostic[];
}

/** Check a file's bytes (or text). */
export function checkSource(path: string, content: Uint8Array | string, size?: number): CheckOutput {
  const bag = new DiagnosticBag();
  const file = typeof content === "string" ? new SourceFile(path, content.charCodeAt(0) === 0xfeff ? content.slice(1) : content) : decodeSource(path, content, bag, size);
  if (!file) return { file: undefined, program: undefined, models: [], partial: [], diagnostics: bag.items };
  try {
    const program = parseSource(file, bag);
    const { models, partial } = checkProgram(program, bag);
    return { file, program, models, partial, diagnostics: sortDiagnostics(bag.items) };
  } catch (e) {
    // A bug in nnspec, not in the spec: say so plainly rather than crash the caller.
    const message = e instanceof Error ? e.message : String(e);
    throw new InternalError(`nnspec failed on ${path}: ${message}. This is a bug in nnspec; please report it with the spec.`, { cause: e });
  }
}

export class InternalError extends Error {}

export type { Diagnostic } from "../diagnostics/diagnostic.js";
export type { CheckedModel, Node, LayerNode, ResidualNode } from "./model.js";
export { allLayers } from "./model.js";
export { LAYERS } from "./layers/registry.js";
