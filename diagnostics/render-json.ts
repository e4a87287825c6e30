/** The JSON form of diagnostics: the contract other tools rely on (lines and columns 1-based, end exclusive). */
import type { Diagnostic } from "./diagnostic.js";
import type { SourceFile, Span } from "./source.js";

export interface JsonSpan {
  file: string;
  start: { line: number; column: number };
  end: { line: number; column: number };
}

export interface JsonDiagnostic {
  severity: "error" | "warning";
  code: string;
  message: string;
  help?: string;
  span: JsonSpan;
  related: { message: string; span: JsonSpan }[];
  /** Fixes as edits (absent when there are none); `applicable` ones are what `nnspec check --fix` applies. */
  suggestions?: JsonSuggestion[];
}

export interface JsonSuggestion {
  message: string;
  applicable: boolean;
  /** Each edit: the text of `span` becomes `text` (an insertion when start and end are equal). */
  edits: { span: JsonSpan; text: string }[];
}

export function jsonSpan(file: SourceFile, span: Span): JsonSpan {
  return { file: file.path, start: file.position(span.start), end: file.position(span.end) };
}

export function toJson(d: Diagnostic): JsonDiagnostic {
  const out: JsonDiagnostic = { severity: d.severity, code: d.code, message: d.message, span: jsonSpan(d.file, d.span), related: [] };
  if (d.help !== undefined) out.help = d.help;
  out.related = d.related.map((r) => ({ message: r.message, span: jsonSpan(r.file, r.span) }));
  // keep key order stable: severity, code, message, help, span, related, suggestions
  const ordered: JsonDiagnostic = d.help !== undefined ? { severity: out.severity, code: out.code, message: out.message, help: d.help, span: out.span, related: out.related } : out;
  if (d.suggestions?.length)
    ordered.suggestions = d.suggestions.map((x) => ({ message: x.message, applicable: x.applicable, edits: x.edits.map((e) => ({ span: jsonSpan(e.file, e.span), text: e.text })) }));
  return ordered;
}
