/**
 * Formatting: the whole document through the formatter (`formatSpec` from
 * compiler/fmt, issue 15 part F), as one edit; nothing when the document has
 * syntax errors (the formatter refuses those) or is already formatted.
 *
 * TODO(lead, issue 15 merge): part F's `compiler/fmt/index.ts` is on another
 * branch. This loads it by a computed path so that this branch builds without
 * it; once both are merged, replace `loadFormatter` with a static
 * import of `formatSpec` from `../../compiler/fmt/index.js` (the import-graph
 * test then sees the edge) and drop the fallback.
 */
import type { TextEdit } from "vscode-languageserver";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { toPosition, type Analysis } from "./analysis.js";

export type FormatSpec = (fileName: string, text: string) => { text: string; changed: boolean } | { errors: Diagnostic[] };

let formatter: Promise<FormatSpec | undefined> | undefined;

/** The formatter, or undefined when this build has none. */
export function loadFormatter(): Promise<FormatSpec | undefined> {
  const path = ["..", "..", "compiler", "fmt", "index.js"].join("/");
  formatter ??= import(path).then(
    (m: { formatSpec?: FormatSpec }) => m.formatSpec,
    () => undefined,
  );
  return formatter;
}

/** The edit that formats the document with `format` (null without a formatter or a checked text; none when the formatter refuses or nothing changes). */
export function formatDocument(a: Analysis, format: FormatSpec | undefined): TextEdit[] | null {
  if (!format || !a.file) return null;
  const r = format(a.file.path, a.file.text);
  if ("errors" in r || !r.changed) return [];
  return [{ range: { start: toPosition(a, 0), end: toPosition(a, a.file.text.length) }, newText: r.text }];
}
