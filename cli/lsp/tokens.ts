/**
 * Semantic tokens: what each word of the file is, from the lexer and the
 * parsed tree (a layer kind, a block, a block parameter, a label, an option),
 * so an editor colours by meaning, not by a guess from the text alone.
 */
import type { SemanticTokens, SemanticTokensLegend } from "vscode-languageserver";
import { tokenize } from "../../grammar/lexer.js";
import { LAYERS } from "../../compiler/layers/registry.js";
import type { Span } from "../../diagnostics/source.js";
import { toPosition, type Analysis } from "./analysis.js";

export const TOKEN_TYPES = ["keyword", "function", "class", "parameter", "variable", "property", "number", "operator", "comment", "enumMember"] as const;
export const TOKEN_MODIFIERS = ["declaration"] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = (typeof TOKEN_TYPES)[number];
interface Token {
  start: number;
  length: number;
  type: TokenType;
  declaration?: boolean;
}

const BY_TOKEN: Record<string, TokenType> = {
  Model: "keyword",
  Block: "keyword",
  Repeat: "keyword",
  Residual: "keyword",
  Shortcut: "keyword",
  Concat: "keyword",
  Branch: "keyword",
  Gate: "keyword",
  Dims: "number",
  Filters: "number",
  Number: "number",
  Arrow: "operator",
  Plus: "operator",
};

export function semanticTokens(a: Analysis): SemanticTokens {
  if (!a.file || !a.program) return { data: [] };
  const names = namedWords(a);
  const tokens: Token[] = [];
  for (const t of tokenize(a.file.text).tokens) {
    const start = t.startOffset;
    const length = t.image.length;
    const type = BY_TOKEN[t.tokenType.name] ?? names.get(start)?.type;
    if (type) tokens.push({ start, length, type, declaration: names.get(start)?.declaration ?? false });
  }
  for (const m of a.file.text.matchAll(/#[^\r\n]*/g)) tokens.push({ start: m.index, length: m[0].length, type: "comment" });
  tokens.sort((x, y) => x.start - y.start);
  return { data: encode(a, tokens) };
}

/** Identifiers the tree gives a meaning, by start offset. */
function namedWords(a: Analysis): Map<number, { type: TokenType; declaration?: boolean }> {
  const out = new Map<number, { type: TokenType; declaration?: boolean }>();
  const put = (span: Span, type: TokenType, declaration = false) => out.set(span.start, { type, declaration });
  for (const m of a.program!.models) put(m.name.span, "class", true);
  for (const b of a.program!.blocks) {
    put(b.name.span, "function", true);
    b.params.forEach((p) => put(p.span, "parameter", true));
  }
  for (const { stmt, owner } of a.statements) {
    if (stmt.label) put(stmt.label.span, "variable", true);
    if (stmt.type === "call") put(stmt.callee.span, "function");
    const params = owner.type === "block" ? new Set(owner.params.map((p) => p.text)) : new Set<string>();
    const values = stmt.type === "layer" ? stmt.args : stmt.type === "call" ? stmt.args : stmt.type === "repeat" && stmt.count ? [stmt.count] : [];
    const def = stmt.type === "layer" ? LAYERS.get(stmt.kind.text) : undefined;
    if (stmt.type === "layer" && def) put(stmt.kind.span, "function");
    for (const v of values) {
      if (v.kind !== "name") continue;
      if (params.has(v.name)) put(v.span, "parameter");
      else if (def && Object.prototype.hasOwnProperty.call(def.options, v.name)) put(v.span, "property");
      else if (def) put(v.span, "enumMember");
    }
  }
  return out;
}

/** LSP's relative encoding: line delta, start delta (UTF-16), length, type, modifiers. Comments and words never span lines. */
function encode(a: Analysis, tokens: readonly Token[]): number[] {
  const data: number[] = [];
  let line = 0;
  let char = 0;
  for (const t of tokens) {
    const p = toPosition(a, t.start);
    data.push(p.line - line, p.line === line ? p.character - char : p.character, t.length, TOKEN_TYPES.indexOf(t.type), t.declaration ? 1 : 0);
    line = p.line;
    char = p.character;
  }
  return data;
}
