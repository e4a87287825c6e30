/**
 * Human rendering, like rustc and tsc:
 *
 *   error[NN3001]: the 5x5 window does not fit the 1x4x4 input: …
 *    --> model.nnspec:5:3
 *     |
 *   5 |   conv 5x5 x8
 *     |   ^^^^^^^^^^^
 *     |
 *    ::: model.nnspec:12:3
 *   12 |   stage(3, 64)
 *      |   ------------ in `stage(3, 64)`
 *     = help: pad the input …
 *
 * Colour only when asked (the CLI asks on a TTY without NO_COLOR).
 */
import { countChars, type SourceFile, type Span } from "./source.js";
import type { Diagnostic } from "./diagnostic.js";
import { displayPath } from "./display.js";

export interface TextOptions {
  color: boolean;
}

const ansi = (code: string, on: boolean) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** Several diagnostics as the CLI prints them: each rendered, separated by a blank line ("" for none). */
export function formatDiagnostics(diags: readonly Diagnostic[], opts: Partial<TextOptions> = {}): string {
  return diags.map((d) => renderText(d, { color: opts.color ?? false })).join("\n\n");
}

export function renderText(d: Diagnostic, opts: TextOptions = { color: false }): string {
  const bold = ansi("1", opts.color);
  const red = ansi("1;31", opts.color);
  const yellow = ansi("1;33", opts.color);
  const blue = ansi("1;34", opts.color);
  const sev = d.severity === "error" ? red(`error[${d.code}]`) : yellow(`warning[${d.code}]`);
  const pos = d.file.position(d.span.start);
  const lines: number[] = [pos.line, ...d.related.filter((r) => r.file === d.file).map((r) => r.file.position(r.span.start).line)];
  const width = String(Math.max(...lines)).length;
  const pad = " ".repeat(width);
  const out: string[] = [];
  out.push(`${sev}${bold(`: ${d.message}`)}`);
  out.push(`${pad}${blue("-->")} ${displayPath(d.file.path)}:${pos.line}:${pos.column}`);
  out.push(`${pad} ${blue("|")}`);
  out.push(...snippet(d.file, d.span, d.label, "^", width, d.severity === "error" ? red : yellow, blue));
  for (const r of d.related) {
    const rp = r.file.position(r.span.start);
    out.push(`${pad}${blue("::: ")}${displayPath(r.file.path)}:${rp.line}:${rp.column}`);
    out.push(...snippet(r.file, r.span, r.message, "-", width, blue, blue));
  }
  if (d.help) {
    out.push(`${pad} ${blue("=")} ${bold("help")}: ${d.help}`);
  }
  return out.join("\n");
}

/** Longest line shown whole (UTF-16 units); a longer one is cut around the span, with `…` at each cut. */
const LINE_LIMIT = 120;
/** Source kept before the span in a cut line. */
const LEAD_CONTEXT = 40;

/** The source line(s) of a span with an underline; long spans show their first line, long lines a window around the span. */
function snippet(file: SourceFile, span: Span, label: string | undefined, mark: string, width: number, color: (s: string) => string, gutter: (s: string) => string): string[] {
  const lineIdx = file.lineIndex(span.start);
  const lineStart = file.lineStarts[lineIdx] ?? 0;
  const lineEnd = lineStart + lineLength(file, lineIdx);
  const from = Math.min(span.start, lineEnd);
  const to = Math.max(from, Math.min(span.end, lineEnd));
  const win = shownWindow(file.text, lineStart, lineEnd, from);
  const cutBefore = win.start > lineStart ? "…" : "";
  const cutAfter = win.end < lineEnd ? "…" : "";
  const marked = Math.min(to, win.end);
  // Show the line with control characters made visible; keep tabs so the underline lines up.
  const shown = cutBefore + sanitize(file.text.slice(win.start, win.end)) + cutAfter;
  const lead = " ".repeat(cutBefore.length) + sanitize(file.text.slice(win.start, from)).replace(/[^\t]/gu, (c) => " ".repeat(charWidth(c)));
  const n = Math.max(1, countChars(file.text, from, marked));
  const underline = color(mark.repeat(n) + (to > marked ? "…" : "") + (label ? ` ${label}` : ""));
  const no = String(lineIdx + 1).padStart(width);
  return [`${gutter(`${no} |`)} ${shown}`, `${" ".repeat(width)} ${gutter("|")} ${lead}${underline}`];
}

/** Length of a 0-based line without its line break, in UTF-16 units. */
function lineLength(file: SourceFile, line: number): number {
  const start = file.lineStarts[line] ?? file.text.length;
  let end = file.lineStarts[line + 1] ?? file.text.length;
  if (end > start && file.text.charCodeAt(end - 1) === 10) end--;
  if (end > start && file.text.charCodeAt(end - 1) === 13) end--;
  return end - start;
}

/** The part of a line shown: all of a short line; of a long one, LINE_LIMIT units starting a little before `at`, not splitting a surrogate pair. */
function shownWindow(text: string, lineStart: number, lineEnd: number, at: number): Span {
  if (lineEnd - lineStart <= LINE_LIMIT) return { start: lineStart, end: lineEnd };
  let start = Math.max(lineStart, Math.min(at - LEAD_CONTEXT, lineEnd - LINE_LIMIT));
  let end = Math.min(lineEnd, start + LINE_LIMIT);
  if (start > lineStart && isLowSurrogate(text.charCodeAt(start)) && isHighSurrogate(text.charCodeAt(start - 1))) start--;
  if (end < lineEnd && isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end))) end++;
  return { start, end };
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Controls, line and paragraph separators and bidirectional overrides would break or reorder the shown line: each shows as U+FFFD. */
function sanitize(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, "\ufffd");
}

/** Columns a character takes in a terminal: 2 for wide East Asian characters. */
function charWidth(c: string): number {
  const cp = c.codePointAt(0) ?? 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}
