import type { SourceFile, Span } from "./source.js";
import { MESSAGES, format, type ArgsOf, type ArgValue, type Code, type Severity } from "./messages.js";

/** Placeholder values by name, as `format` reads them. */
export type Args = Readonly<Record<string, ArgValue>>;

/** A labelled secondary place, e.g. the block invocation that led to an error. */
export interface Related {
  message: string;
  file: SourceFile;
  span: Span;
}

/** One replacement: the text of `span` in `file` becomes `text` (an insertion when the span is empty). */
export interface Edit {
  file: SourceFile;
  span: Span;
  text: string;
}

/**
 * A machine-applicable fix for a diagnostic: applying all its edits (they do
 * not overlap) removes that diagnostic. `applicable` marks the unambiguous
 * ones, which `nnspec check --fix` applies; the others are offered (editor
 * code actions) but never applied without the user choosing.
 */
export interface Suggestion {
  message: string;
  edits: Edit[];
  applicable: boolean;
}

/** What a report may add besides the message: a label under the underline, and related places. */
export interface ReportExtra {
  label?: string;
  related?: Related[];
  /** Fixes as edits (see fix.ts, which builds them). */
  suggestions?: Suggestion[];
}

/** A diagnostic is data; rendering it (text or JSON) is a separate step. */
export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  help?: string;
  file: SourceFile;
  span: Span;
  /** Short text written under the primary span's underline. */
  label?: string;
  related: Related[];
  /** Fixes that can be applied as edits (absent when there are none). */
  suggestions?: Suggestion[];
}

/**
 * A diagnostic from its code and the values of its placeholders: `args` must
 * name every `{placeholder}` of the code's message and help (checked by the
 * types, and again here). Severity comes from the message table.
 */
export function makeDiagnostic<C extends Code>(code: C, file: SourceFile, span: Span, args: NoInfer<ArgsOf<C>>, extra: ReportExtra = {}): Diagnostic {
  const template: { severity: Severity; message: string; help?: string } = MESSAGES[code];
  const values = args as Args;
  const d: Diagnostic = {
    code,
    severity: template.severity,
    message: format(template.message, values),
    file,
    span: clampSpan(span, file.text.length),
    related: (extra.related ?? []).map((r) => ({ ...r, span: clampSpan(r.span, r.file.text.length) })),
  };
  if (template.help !== undefined) {
    const help = format(template.help, values);
    // A help that comes out blank (an empty `{hint}`: nothing useful to add) is left out.
    if (help.trim() !== "") d.help = help;
  }
  if (extra.label) d.label = extra.label;
  if (extra.suggestions?.length) d.suggestions = extra.suggestions.map((x) => ({ ...x, edits: x.edits.map((e) => ({ ...e, span: clampSpan(e.span, e.file.text.length) })) }));
  return d;
}

function clampSpan(span: Span, length: number): Span {
  const start = Math.max(0, Math.min(Number.isFinite(span.start) ? span.start : length, length));
  const end = Math.max(start, Math.min(Number.isFinite(span.end) ? span.end : length, length));
  return { start, end };
}

/**
 * Collects diagnostics: drops repeats (the same mistake reached twice, e.g.
 * through two invocations of a block) and stops
 * collecting after a limit so garbage input cannot flood the output.
 */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private overflowed = false;

  constructor(readonly limit = 200) {}

  add(d: Diagnostic): void {
    // The same message at the same place is one mistake, however it was reached
    // (e.g. a bad option inside a block used three times): keep the first.
    const key = `${d.file.path}\0${d.code}\0${d.span.start}\0${d.span.end}\0${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.items.length >= this.limit) {
      if (!this.overflowed) {
        this.overflowed = true;
        this.items.push(makeDiagnostic("NN1010", d.file, d.span, { count: this.limit }));
      }
      return;
    }
    this.items.push(d);
  }

  report<C extends Code>(code: C, file: SourceFile, span: Span, args: NoInfer<ArgsOf<C>>, extra: ReportExtra = {}): void {
    this.add(makeDiagnostic(code, file, span, args, extra));
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === "error" && d.code !== "NN1010").length;
  }
}

/** Diagnostics in file order, then by position; stable for equal positions. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.file.path < b.d.file.path ? -1 : a.d.file.path > b.d.file.path ? 1 : a.d.span.start - b.d.span.start || a.i - b.i))
    .map(({ d }) => d);
}
