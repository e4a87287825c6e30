/**
 * One open document, checked: the checker's output plus what the editor
 * features look up in it (the statements by place, the nodes each statement
 * expanded to) and the mapping between UTF-16 offsets and LSP positions.
 */
import { fileURLToPath } from "node:url";
import type { Position, Range } from "vscode-languageserver";
import { checkSource, type CheckOutput } from "../../compiler/index.js";
import { allNodes, indexStatements, type StatementInfo } from "./statements.js";
import type { Node } from "../../compiler/model.js";
import type { SourceFile, Span } from "../../diagnostics/source.js";

/** Larger documents are not checked as you type (real specs are a few kilobytes; 250,000 characters of layers take seconds): the server stays responsive. */
export const MAX_DOCUMENT_CHARS = 512 * 1024;

export interface Analysis extends CheckOutput {
  uri: string;
  /** The document's text (the SourceFile's text is the same less a leading BOM). */
  text: string;
  /** 1 when the document starts with a BOM that the SourceFile leaves out. */
  shift: number;
  /** Every statement of the file, in text order, with its place in the tree. */
  statements: StatementInfo[];
  /** The checked nodes each statement expanded to (several for a statement in a block used several times), by the statement's start offset. */
  nodes: Map<number, Node[]>;
  /** Set when the document was too large to check. */
  tooLarge?: boolean;
}

export function analyze(uri: string, text: string): Analysis {
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const base = { uri, text, shift, statements: [], nodes: new Map() };
  if (text.length > MAX_DOCUMENT_CHARS) return { ...base, file: undefined, program: undefined, models: [], partial: [], diagnostics: [], tooLarge: true };
  const out = checkSource(pathOf(uri), text);
  const nodes = new Map<number, Node[]>();
  for (const p of out.partial) {
    for (const n of allNodes(p.nodes)) {
      const list = nodes.get(n.span.start);
      if (list) list.push(n);
      else nodes.set(n.span.start, [n]);
    }
  }
  return { ...out, uri, text, shift, statements: out.program ? indexStatements(out.program) : [], nodes };
}

/** The path diagnostics name: the file's path for a file: URI, the URI itself otherwise. */
function pathOf(uri: string): string {
  try {
    return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

/** UTF-16 offset in the SourceFile's text → LSP position (lines and UTF-16 units, so a surrogate pair counts two). */
export function toPosition(a: { file: SourceFile | undefined; shift: number }, offset: number): Position {
  if (!a.file) return { line: 0, character: 0 };
  const o = Math.max(0, Math.min(offset, a.file.text.length));
  const line = a.file.lineIndex(o);
  return { line, character: o - a.file.lineStarts[line]! + (line === 0 ? a.shift : 0) };
}

export function toRange(a: { file: SourceFile | undefined; shift: number }, span: Span): Range {
  return { start: toPosition(a, span.start), end: toPosition(a, span.end) };
}

/** LSP position → UTF-16 offset in the SourceFile's text, clamped to the line. */
export function toOffset(a: { file: SourceFile | undefined; shift: number }, p: Position): number {
  const file = a.file;
  if (!file) return 0;
  const line = Math.max(0, Math.min(p.line, file.lineCount - 1));
  const start = file.lineStarts[line]!;
  const lineEnd = start + file.lineText(line).length;
  return Math.max(start, Math.min(start + p.character - (line === 0 ? a.shift : 0), lineEnd));
}
