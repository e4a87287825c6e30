/**
 * Formatting: the whole document through the formatter (`formatSpec` from
 * compiler/fmt), as one edit; nothing when the document has syntax errors
 * (the formatter refuses those) or is already formatted.
 */
import type { TextEdit } from "vscode-languageserver";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { formatSpec } from "../../compiler/fmt/index.js";
import { toPosition, type Analysis } from "./analysis.js";

export type FormatSpec = (fileName: string, text: string) => { text: string; changed: boolean } | { errors: Diagnostic[] };

/** The edit that formats the document with `format` (null without a checked text; none when the formatter refuses or nothing changes). */
export function formatDocument(a: Analysis, format: FormatSpec = formatSpec): TextEdit[] | null {
  if (!a.file) return null;
  const r = format(a.file.path, a.file.text);
  if ("errors" in r || !r.changed) return [];
  return [{ range: { start: toPosition(a, 0), end: toPosition(a, a.file.text.length) }, newText: r.text }];
}
