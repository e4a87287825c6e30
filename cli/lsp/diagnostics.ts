/** The checker's diagnostics as LSP diagnostics: help after the message, block call sites and other places as related information. */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from "vscode-languageserver";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { MAX_DOCUMENT_CHARS, toRange, type Analysis } from "./analysis.js";

export function lspDiagnostics(a: Analysis): LspDiagnostic[] {
  if (a.tooLarge) {
    const message = `nnspec does not check documents of more than ${MAX_DOCUMENT_CHARS} characters as you type (this one has ${a.text.length}); run \`nnspec check\` on the file`;
    return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Warning, source: "nnspec", message }];
  }
  return a.diagnostics.map((d) => lspDiagnostic(a, d));
}

export function lspDiagnostic(a: Analysis, d: Diagnostic): LspDiagnostic {
  const lines = [d.message];
  if (d.label) lines.push(d.label);
  if (d.help !== undefined) lines.push(`help: ${d.help}`);
  const out: LspDiagnostic = {
    range: toRange(a, d.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "nnspec",
    message: lines.join("\n"),
  };
  if (d.related.length) out.relatedInformation = d.related.map((r) => ({ location: { uri: a.uri, range: toRange(a, r.span) }, message: r.message }));
  return out;
}
