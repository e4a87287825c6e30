/**
 * The names an editor navigates: blocks (declared by `block NAME(…)`, used by
 * invocations), block parameters (declared in the block's head, used in its
 * body) and layer labels (`NAME: …`, declared only). For a place in the text,
 * the name there with its declaration and every use.
 */
import type { BlockDeclaration, Program } from "../../grammar/ast.js";
import type { Span } from "../../diagnostics/source.js";
import { contains, valuesOf, type StatementInfo } from "./statements.js";

export interface NameSymbol {
  kind: "block" | "parameter" | "label";
  name: string;
  /** Where it is declared (absent for an invocation of a block that does not exist). */
  declaration?: Span;
  /** The block a parameter belongs to. */
  block?: BlockDeclaration;
  /** Every occurrence, the declaration included. */
  occurrences: Span[];
}

export function nameAt(program: Program, statements: readonly StatementInfo[], offset: number): NameSymbol | undefined {
  for (const b of program.blocks) {
    if (contains(b.name.span, offset)) return blockSymbol(program, statements, b.name.text);
    const p = b.params.find((q) => contains(q.span, offset));
    if (p) return parameterSymbol(statements, b, p.text);
  }
  for (const { stmt, owner } of statements) {
    if (!contains(stmt.span, offset)) continue;
    if (stmt.label && contains(stmt.label.span, offset)) return { kind: "label", name: stmt.label.text, declaration: stmt.label.span, occurrences: [stmt.label.span] };
    if (stmt.type === "call" && contains(stmt.callee.span, offset)) return blockSymbol(program, statements, stmt.callee.text);
    if (owner.type !== "block") continue;
    const v = valuesOf(stmt).find((x) => x.kind === "name" && contains(x.span, offset));
    if (v?.kind === "name" && owner.params.some((q) => q.text === v.name)) return parameterSymbol(statements, owner, v.name);
  }
  return undefined;
}

function blockSymbol(program: Program, statements: readonly StatementInfo[], name: string): NameSymbol {
  const decl = program.blocks.find((b) => b.name.text === name);
  const uses = statements.flatMap(({ stmt }) => (stmt.type === "call" && stmt.callee.text === name ? [stmt.callee.span] : []));
  const sym: NameSymbol = { kind: "block", name, occurrences: decl ? [decl.name.span, ...uses] : uses };
  if (decl) sym.declaration = decl.name.span;
  return sym;
}

function parameterSymbol(statements: readonly StatementInfo[], block: BlockDeclaration, name: string): NameSymbol {
  const decl = block.params.find((p) => p.text === name)!;
  const uses = statements.filter((s) => s.owner === block).flatMap(({ stmt }) => valuesOf(stmt).flatMap((v) => (v.kind === "name" && v.name === name ? [v.span] : [])));
  return { kind: "parameter", name, declaration: decl.span, block, occurrences: [decl.span, ...uses] };
}
