/**
 * `nnspec fmt`: the canonical layout of a spec (docs/language.md,
 * "Formatting"). Only blanks, indentation and blank lines change: the
 * tokens, comments and line breaks between statements stay as written, so
 * the meaning cannot change. A file with syntax errors is not formatted.
 */
import { DiagnosticBag, sortDiagnostics, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { SourceFile } from "../../diagnostics/source.js";
import { parseSource } from "../../grammar/cst-to-ast.js";
import { fmtLines } from "./lex.js";
import { layout } from "./layout.js";

/** The formatted text and whether it differs, or the syntax errors (NN1xxx) that stop formatting. */
export function formatSpec(fileName: string, text: string): { text: string; changed: boolean } | { errors: Diagnostic[] } {
  const bom = text.startsWith("\ufeff") ? "\ufeff" : "";
  const body = text.slice(bom.length);
  const bag = new DiagnosticBag();
  parseSource(new SourceFile(fileName, body), bag);
  const errors = bag.items.filter((d) => d.severity === "error" && d.code.startsWith("NN1"));
  if (errors.length > 0) return { errors: sortDiagnostics(errors) };
  const newline = /\r\n?|\n/.exec(body)?.[0] ?? "\n";
  const formatted = bom + layout(fmtLines(body), newline);
  return { text: formatted, changed: formatted !== text };
}
