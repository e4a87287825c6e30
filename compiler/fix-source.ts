/**
 * `nnspec check --fix`: apply the applicable suggestions of a spec's
 * diagnostics, round after round (a fix can reveal the next mistake), until
 * none is left or the rounds run out. Text in, text out; the CLI writes it.
 */
import { checkSource } from "./index.js";
import type { Diagnostic, Edit } from "../diagnostics/diagnostic.js";
import { applyEdits, editsOverlap, mapOffset } from "../diagnostics/fix.js";

/** One applied suggestion: its diagnostic's code, the suggestion's message and where it was made (an offset into the fixed text). */
export interface AppliedFix {
  code: string;
  message: string;
  offset: number;
}

export interface FixResult {
  text: string;
  fixes: AppliedFix[];
  /** What remains: the diagnostics of the fixed text. */
  diagnostics: Diagnostic[];
}

/** More rounds than any real chain of fixes needs; a pair of fixes that undid each other would stop here. */
export const MAX_FIX_ROUNDS = 8;

/** The applicable suggestions of `diagnostics` that do not overlap one taken before them, in order. */
export function pickFixes(diagnostics: readonly Diagnostic[]): { diagnostic: Diagnostic; message: string; edits: Edit[] }[] {
  const taken: { diagnostic: Diagnostic; message: string; edits: Edit[] }[] = [];
  for (const d of diagnostics) {
    const s = d.suggestions?.find((x) => x.applicable);
    if (!s || taken.some((t) => editsOverlap(t.edits, s.edits))) continue;
    taken.push({ diagnostic: d, message: s.message, edits: s.edits });
  }
  return taken;
}

export function fixSource(path: string, text: string): FixResult {
  let current = text;
  const fixes: AppliedFix[] = [];
  let result = checkSource(path, current);
  for (let round = 0; round < MAX_FIX_ROUNDS; round++) {
    const picked = pickFixes(result.diagnostics);
    if (picked.length === 0) break;
    const edits = picked.flatMap((p) => p.edits);
    for (const f of fixes) f.offset = mapOffset(f.offset, edits);
    // Where the fix's first edit lands in the new text (the edits of one round do not overlap).
    for (const p of picked) fixes.push({ code: p.diagnostic.code, message: p.message, offset: mapOffset(p.edits[0]!.span.start, edits.filter((e) => e !== p.edits[0])) });
    current = applyEdits(current, edits);
    result = checkSource(path, current);
  }
  return { text: current, fixes, diagnostics: result.diagnostics };
}
