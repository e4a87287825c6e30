/**
 * What a statement became in the checked models: a layer statement's nodes
 * (one per expansion: a statement in a block used three times has three), a
 * block invocation's expansions (the nodes it produced, its input and output).
 */
import type { BlockDeclaration, CallStatement, Statement } from "../../grammar/ast.js";
import type { Related } from "../../diagnostics/diagnostic.js";
import type { Node } from "../../compiler/model.js";
import { formatShape, numel, type Shape } from "../../compiler/shape.js";
import type { Analysis } from "./analysis.js";

export interface Expansion {
  /** The call site as the checker recorded it (`in \`basic(16)\``). */
  call: Related;
  /** The block invocations from the model down to this call (the call last). */
  trail: Related[];
  input: Shape;
  output: Shape;
  /** The nodes written directly in the block (nested ones are inside them). */
  nodes: Node[];
}

/** Each expansion of a block invocation, in the order the checker made them. */
export function callExpansions(a: Analysis, call: CallStatement): Expansion[] {
  const block = a.program?.blocks.find((b) => b.name.text === call.callee.text);
  if (!block) return [];
  const top = new Set(topLevel(block).map((s) => s.span.start));
  const groups = new Map<Related, { trail: Related[]; nodes: Node[] }>();
  for (const [start, nodes] of a.nodes) {
    if (!top.has(start)) continue;
    for (const n of nodes) {
      const k = n.trail.findIndex((t) => t.span.start === call.span.start && t.span.end === call.span.end);
      if (k < 0) continue;
      const r = n.trail[k]!;
      if (!groups.has(r)) groups.set(r, { trail: n.trail.slice(0, k + 1), nodes: [] });
      groups.get(r)!.nodes.push(n);
    }
  }
  return [...groups].map(([r, { trail, nodes }]) => {
    nodes.sort((x, y) => x.span.start - y.span.start);
    return { call: r, trail, input: nodes[0]!.input, output: nodes[nodes.length - 1]!.output, nodes };
  });
}

/** A block's statements at its top level, repeats opened (they add no nesting). */
function topLevel(block: BlockDeclaration): Statement[] {
  const out: Statement[] = [];
  const walk = (stmts: Statement[]) => stmts.forEach((s) => (s.type === "repeat" ? walk(s.body) : out.push(s)));
  walk(block.body);
  return out;
}

/** The output shapes a statement gave, one per expansion (empty when it was not checked). */
export function statementOutputs(a: Analysis, s: Statement): Shape[] {
  if (s.type === "call") return callExpansions(a, s).map((e) => e.output);
  if (s.type === "repeat") return [];
  return (a.nodes.get(s.span.start) ?? []).map((n) => n.output);
}

/** `16x5x5`, or `16x32x32 | 32x16x16` for a statement whose expansions differ. */
export function distinctShapes(shapes: readonly Shape[]): string {
  return [...new Set(shapes.map(formatShape))].join(" | ");
}

/** An error is reported inside the statement: what the checker recorded for it is its recovery (e.g. `fc` after a map), not a shape to show. */
export function hasError(a: Analysis, s: Statement): boolean {
  return a.diagnostics.some((d) => d.severity === "error" && d.span.start >= s.span.start && d.span.start < Math.max(s.span.end, s.span.start + 1));
}

/** A node's trainable parameters. */
export function nodeParams(n: Node): number {
  return n.type === "layer" ? n.params.reduce((s, p) => s + numel(p.shape), 0) : 0;
}

/** 61706 → "61,706". */
export const count = (n: number): string => n.toLocaleString("en-US");
