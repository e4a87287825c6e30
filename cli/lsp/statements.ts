/** The statements of a parsed file in text order, and the checked nodes nested in a node list. */
import { nestedBodies, type BlockDeclaration, type ModelDeclaration, type Program, type Statement, type Value } from "../../grammar/ast.js";
import { childLists, type Node } from "../../compiler/model.js";
import type { Span } from "../../diagnostics/source.js";

export interface StatementInfo {
  stmt: Statement;
  /** The model or block the statement is written in. */
  owner: ModelDeclaration | BlockDeclaration;
}

/** Every statement of the file, nested ones included, in text order. */
export function indexStatements(program: Program): StatementInfo[] {
  const out: StatementInfo[] = [];
  const walk = (stmts: Statement[], owner: ModelDeclaration | BlockDeclaration) => {
    for (const stmt of stmts) {
      out.push({ stmt, owner });
      for (const body of nestedBodies(stmt)) walk(body, owner);
    }
  };
  for (const d of [...program.models, ...program.blocks]) walk(d.body, d);
  return out.sort((a, b) => a.stmt.span.start - b.stmt.span.start);
}

/** Every node, nested ones included, each container before its contents. */
export function* allNodes(nodes: readonly Node[]): Generator<Node> {
  for (const n of nodes) {
    yield n;
    for (const list of childLists(n)) yield* allNodes(list);
  }
}

/** The innermost statement whose span holds `offset` (its end included, where the cursor sits after typing). */
export function statementAt(statements: readonly StatementInfo[], offset: number): StatementInfo | undefined {
  let best: StatementInfo | undefined;
  for (const s of statements) {
    if (s.stmt.span.start > offset) break;
    if (offset <= s.stmt.span.end && (!best || s.stmt.span.start >= best.stmt.span.start)) best = s;
  }
  return best;
}

/** The model or block whose text holds `offset`. */
export function declarationAt(program: Program, offset: number): ModelDeclaration | BlockDeclaration | undefined {
  return [...program.models, ...program.blocks].find((d) => d.span.start <= offset && offset <= d.span.end);
}

/** The values a statement is written with that may name block parameters: layer words, call arguments, a repeat count. */
export function valuesOf(s: Statement): Value[] {
  switch (s.type) {
    case "layer":
      return s.args.filter((a): a is Value => a.kind === "name" || a.kind === "number" || a.kind === "dims");
    case "call":
      return s.args;
    case "repeat":
      return s.count ? [s.count] : [];
    default:
      return [];
  }
}

export const contains = (span: Span, offset: number): boolean => span.start <= offset && offset <= span.end;
