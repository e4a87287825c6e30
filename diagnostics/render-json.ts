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
}

export function jsonSpan(file: SourceFile, span: Span): JsonSpan {
  return { file: file.path, start: file.position(span.start), end: file.position(span.end) };
}

export function toJson(d: Diagnostic): JsonDiagnostic {
  const out: JsonDiagnostic = { severity: d.severity, code: d.code, message: d.message, span: jsonSpan(d.file, d.span), related: [] };
  if (d.help !== undefined) out.help = d.help;
  out.related = d.related.map((r) => ({ message: r.message, span: jsonSpan(r.file, r.span) }));
  // keep key order stable: severity, code, message, help, span, related
  return d.help !== undefined ? { severity: out.severity, code: out.code, message: out.message, help: d.help, span: out.span, related: out.related } : out;
}
