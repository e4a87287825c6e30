/**
 * Machine-applicable fixes: the one place that builds `Edit`s and
 * `Suggestion`s (diagnostic.ts), and applies them to a text. Reports attach
 * suggestions as data (`{ suggestions: [...] }` in their extra); nothing else
 * cuts source text.
 */
import type { Edit, Suggestion } from "./diagnostic.js";
import type { SourceFile, Span } from "./source.js";
import { candidates } from "./suggest.js";

/** A suggestion; `applicable` only when the fix is unambiguous (one candidate, no guess about intent). */
export function fix(message: string, edits: Edit[], applicable: boolean): Suggestion {
  return { message, edits, applicable };
}

/** The text of `span` becomes `text`. */
export function replace(file: SourceFile, span: Span, text: string): Edit {
  return { file, span: { start: span.start, end: span.end }, text };
}

/** `text` inserted at `offset`. */
export function insert(file: SourceFile, offset: number, text: string): Edit {
  return { file, span: { start: offset, end: offset }, text };
}

const isBlank = (c: string | undefined) => c === " " || c === "\t";

/** Where the line holding `offset` starts, and its indentation. */
function lineStart(text: string, offset: number): { start: number; indent: string } {
  let start = offset;
  while (start > 0 && text[start - 1] !== "\n" && text[start - 1] !== "\r") start--;
  let i = start;
  while (isBlank(text[i])) i++;
  return { start, indent: text.slice(start, i) };
}

/**
 * Insert the statement `stmt` before the statement at `span`: on a line of
 * its own with the same indentation when that statement starts its line,
 * otherwise as `stmt, ` in the same line (the comma style).
 */
export function insertStatementBefore(file: SourceFile, span: Span, stmt: string): Edit {
  const { start, indent } = lineStart(file.text, span.start);
  const newline = file.text.includes("\r\n") ? "\r\n" : "\n";
  return start + indent.length === span.start ? insert(file, span.start, `${stmt}${newline}${indent}`) : insert(file, span.start, `${stmt}, `);
}

/**
 * Remove the statement at `span` with its separator: the whole line when it
 * is alone on it (a comment after it goes too), else the comma after it (or
 * before it, for the last statement of a comma-separated line).
 */
export function deleteStatement(file: SourceFile, span: Span): Edit {
  const text = file.text;
  let end = span.end;
  while (isBlank(text[end])) end++;
  if (text[end] === ",") {
    end++;
    while (isBlank(text[end])) end++;
    return replace(file, { start: span.start, end }, "");
  }
  const { start, indent } = lineStart(text, span.start);
  if (start + indent.length === span.start && (end >= text.length || text[end] === "\n" || text[end] === "\r" || text[end] === "#")) {
    while (end < text.length && text[end] !== "\n" && text[end] !== "\r") end++;
    if (text[end] === "\r") end++;
    if (text[end] === "\n") end++;
    return replace(file, { start, end }, "");
  }
  let begin = span.start;
  while (begin > 0 && isBlank(text[begin - 1])) begin--;
  if (text[begin - 1] === ",") begin--;
  return replace(file, { start: begin, end: span.end }, "");
}

/** Remove `label:` (the label's name at `span`, its colon and the blanks after it). */
export function deleteLabel(file: SourceFile, span: Span): Edit {
  const text = file.text;
  let end = span.end;
  while (isBlank(text[end])) end++;
  if (text[end] === ":") end++;
  while (isBlank(text[end])) end++;
  return replace(file, { start: span.start, end }, "");
}

/**
 * "Did you mean": one suggestion per closest known word, each replacing the
 * word at `span`; applicable only when there is exactly one.
 */
export function typoFixes(file: SourceFile, span: Span, word: string, known: readonly string[]): Suggestion[] {
  const found = candidates(word, known);
  return found.map((c) => fix(`replace \`${word}\` with \`${c}\``, [replace(file, span, c)], found.length === 1));
}

/** The edits of one file applied to its text (they must not overlap; throws when they do). */
export function applyEdits(text: string, edits: readonly Pick<Edit, "span" | "text">[]): string {
  const sorted = [...edits].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  let out = "";
  let at = 0;
  for (const e of sorted) {
    if (e.span.start < at) throw new Error(`internal: overlapping edits at offset ${e.span.start}`);
    out += text.slice(at, e.span.start) + e.text;
    at = e.span.end;
  }
  return out + text.slice(at);
}

/** Whether two edit lists touch overlapping text (an insertion at the same offset counts as overlapping). */
export function editsOverlap(a: readonly Edit[], b: readonly Edit[]): boolean {
  return a.some((x) => b.some((y) => x.file.path === y.file.path && x.span.start <= y.span.end && y.span.start <= x.span.end));
}

/** Where `offset` of the old text is after the edits (an offset inside a replaced span maps to the replacement's start). */
export function mapOffset(offset: number, edits: readonly Pick<Edit, "span" | "text">[]): number {
  let shift = 0;
  for (const e of [...edits].sort((a, b) => a.span.start - b.span.start)) {
    if (e.span.start <= offset && offset < e.span.end) return e.span.start + shift;
    if (e.span.end <= offset) shift += e.text.length - (e.span.end - e.span.start);
  }
  return offset + shift;
}
