/**
 * Code actions from the diagnostics' suggestions (`Diagnostic.suggestions`):
 * each becomes a quick fix whose workspace edit is the suggestion's edits; the
 * unambiguous ones (`applicable`) are preferred. This file does not know which
 * diagnostics have suggestions.
 */
import { CodeActionKind, type CodeAction, type Range } from "vscode-languageserver";
import { toRange, type Analysis } from "./analysis.js";
import { lspDiagnostic } from "./diagnostics.js";

export function codeActions(a: Analysis, range: Range): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of a.diagnostics) {
    if (!d.suggestions?.length || !overlaps(toRange(a, d.span), range)) continue;
    for (const s of d.suggestions) {
      const action: CodeAction = {
        title: s.message,
        kind: CodeActionKind.QuickFix,
        diagnostics: [lspDiagnostic(a, d)],
        edit: { changes: { [a.uri]: s.edits.map((e) => ({ range: toRange(a, e.span), newText: e.text })) } },
      };
      if (s.applicable) action.isPreferred = true;
      actions.push(action);
    }
  }
  return actions;
}

/** Ranges that touch (an empty range at a diagnostic's end still asks for its fixes). */
function overlaps(x: Range, y: Range): boolean {
  const before = (p: Range["start"], q: Range["start"]) => p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(x.end, y.start) && !before(y.end, x.start);
}
