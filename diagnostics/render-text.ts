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
  out.push(`${pad}${blue("-->")} ${d.file.path}:${pos.line}:${pos.column}`);
  out.push(`${pad} ${blue("|")}`);
  out.push(...snippet(d.file, d.span, d.label, "^", width, d.severity === "error" ? red : yellow, blue));
  for (const r of d.related) {
    const rp = r.file.position(r.span.start);
    out.push(`${pad}${blue("::: ")}${r.file.path}:${rp.line}:${rp.column}`);
    out.push(...snippet(r.file, r.span, r.message, "-", width, blue, blue));
  }
  if (d.help) {
    out.push(`${pad} ${blue("=")} ${bold("help")}: ${d.help}`);
  }
  return out.join("\n");
}

/** The source line(s) of a span with an underline; long spans show their first line. */
function snippet(file: SourceFile, span: Span, label: string | undefined, mark: string, width: number, color: (s: string) => string, gutter: (s: string) => string): string[] {
  const start = file.position(span.start);
  const lineIdx = start.line - 1;
  const rawLine = file.lineText(lineIdx);
  const lineStart = file.lineStarts[lineIdx] ?? 0;
  const lineEnd = lineStart + rawLine.length;
  const from = span.start - lineStart;
  const to = Math.max(from, Math.min(span.end, lineEnd) - lineStart);
  // Show the line with control characters made visible; keep tabs so the underline lines up.
  const shown = sanitize(rawLine);
  const lead = sanitize(rawLine.slice(0, from)).replace(/[^\t]/gu, (c) => " ".repeat(charWidth(c)));
  const n = Math.max(1, countChars(rawLine, from, to));
  const underline = color(mark.repeat(n) + (label ? ` ${label}` : ""));
  const no = String(start.line).padStart(width);
  return [`${gutter(`${no} |`)} ${shown}`, `${" ".repeat(width)} ${gutter("|")} ${lead}${underline}`];
}

function sanitize(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "\ufffd");
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
