/**
 * Inlay hints: at the end of each line that ends a statement, the shape it
 * gives (`→ 16x5x5`), unless the line asserts it; and the parameters of the
 * line's layers that have weights. Statements with an error get none.
 */
import { InlayHintKind, type InlayHint, type Range } from "vscode-languageserver";
import type { Statement } from "../../grammar/ast.js";
import { toPosition, type Analysis } from "./analysis.js";
import { count, distinctShapes, hasError, nodeParams, statementOutputs } from "./expansions.js";

export function inlayHints(a: Analysis, range: Range): InlayHint[] {
  if (!a.file) return [];
  const byLine = new Map<number, Statement[]>();
  for (const { stmt } of a.statements) {
    const line = a.file.lineIndex(stmt.span.end);
    if (line < range.start.line || line > range.end.line) continue;
    if (!byLine.has(line)) byLine.set(line, []);
    byLine.get(line)!.push(stmt);
  }
  const hints: InlayHint[] = [];
  for (const stmts of byLine.values()) {
    const shown = stmts.filter((s) => !hasError(a, s));
    if (!shown.length) continue;
    const last = shown.reduce((x, y) => (y.span.end > x.span.end || (y.span.end === x.span.end && y.span.start < x.span.start) ? y : x));
    const parts: string[] = [];
    const shapes = distinctShapes(statementOutputs(a, last));
    if (shapes && !last.assertion) parts.push(`→ ${shapes}`);
    const params = lineParams(a, shown);
    if (params) parts.push(`${params} params`);
    if (parts.length) hints.push({ position: toPosition(a, last.span.end), label: parts.join(" · "), kind: parts[0]!.startsWith("→") ? InlayHintKind.Type : InlayHintKind.Parameter, paddingLeft: true });
  }
  return hints.sort((x, y) => x.position.line - y.position.line);
}

/** The parameters of a line's layer statements, per expansion (`432 | 2,304` when a block's calls differ); "" when none has weights. */
function lineParams(a: Analysis, stmts: readonly Statement[]): string {
  const totals: number[] = [];
  for (const s of stmts) {
    if (s.type !== "layer") continue;
    (a.nodes.get(s.span.start) ?? []).forEach((n, i) => (totals[i] = (totals[i] ?? 0) + nodeParams(n)));
  }
  const distinct = [...new Set(totals.filter((t) => t > 0))];
  return distinct.map(count).join(" | ");
}
