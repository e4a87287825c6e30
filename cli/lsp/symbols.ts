/** The outline: models and blocks, their statements nested as written, each layer with the shape it gives. */
import { SymbolKind, type DocumentSymbol } from "vscode-languageserver";
import { nestedBodies, type Statement } from "../../grammar/ast.js";
import { toRange, type Analysis } from "./analysis.js";
import { distinctShapes, statementOutputs } from "./expansions.js";

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  if (!a.program) return [];
  const decls = [...a.program.models, ...a.program.blocks].sort((x, y) => x.span.start - y.span.start);
  return decls.map((d) => {
    const detail = d.type === "block" ? `block(${d.params.map((p) => p.text).join(", ")})` : "model";
    return symbol(a, d.name.text || "?", detail, d.type === "model" ? SymbolKind.Class : SymbolKind.Function, d.span, d.name.span, d.body);
  });
}

function statementSymbol(a: Analysis, s: Statement): DocumentSymbol {
  const word = s.type === "layer" ? s.kind.text : s.type === "call" ? `${s.callee.text}(…)` : s.type === "repeat" ? `repeat ${s.count && s.count.kind !== "name" ? s.count.text : s.count?.name ?? ""}`.trim() : s.type;
  const name = s.label ? `${s.label.text}: ${word}` : word;
  const shapes = distinctShapes(statementOutputs(a, s));
  const kind = s.type === "layer" ? SymbolKind.Field : s.type === "call" ? SymbolKind.Module : SymbolKind.Struct;
  const selection = s.label?.span ?? (s.type === "layer" ? s.kind.span : s.type === "call" ? s.callee.span : { start: s.span.start, end: s.span.start });
  return symbol(a, name, shapes ? `→ ${shapes}` : "", kind, s.span, selection, nestedBodies(s).flat());
}

function symbol(a: Analysis, name: string, detail: string, kind: SymbolKind, span: Statement["span"], selection: Statement["span"], body: Statement[]): DocumentSymbol {
  const out: DocumentSymbol = { name: name || "?", detail, kind, range: toRange(a, span), selectionRange: toRange(a, selection) };
  if (body.length) out.children = body.map((s) => statementSymbol(a, s));
  return out;
}
