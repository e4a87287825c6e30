/**
 * A source file and the mapping from UTF-16 offsets to the line and column an
 * editor shows: lines split at \n, \r\n or \r; columns count characters (code
 * points), so a Chinese character or an emoji is one column and a tab is one.
 */
export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, in characters. */
  column: number;
}

/** A half-open range [start, end) of UTF-16 offsets into a source's text. */
export interface Span {
  start: number;
  end: number;
}

export class SourceFile {
  readonly lineStarts: number[];
  /** Offsets of the low halves of surrogate pairs (each pair is one column), built on first use. */
  private pairEnds: number[] | undefined;

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  /** The 0-based index of the line holding `offset`. */
  lineIndex(offset: number): number {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineIndex(clamped);
    const start = this.lineStarts[line]!;
    return { line: line + 1, column: clamped - start - (this.pairsBefore(clamped) - this.pairsBefore(start)) + 1 };
  }

  /** Surrogate pairs whose low half lies before `offset`: a binary search, so a column costs no scan of its line. */
  private pairsBefore(offset: number): number {
    const ends = (this.pairEnds ??= surrogatePairEnds(this.text));
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The text of a 0-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line] ?? this.text.length;
    const next = this.lineStarts[line + 1] ?? this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, "");
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}

/** The offsets of the low halves of surrogate pairs, paired left to right as `countChars` pairs them. */
function surrogatePairEnds(text: string): number[] {
  const ends: number[] = [];
  for (let i = 0; i + 1 < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) ends.push(++i);
    }
  }
  return ends;
}

/** Number of code points in text[from, to). */
export function countChars(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export function joinSpans(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}
