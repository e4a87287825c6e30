/**
 * The canonical layout of a spec's lines (docs/language.md, "Formatting"):
 * the tokens and line breaks stay as written; only the blanks between them,
 * the indentation and the number of blank lines change.
 */
import type { IToken } from "../../grammar/chevrotain.js";
import type { FmtLine } from "./lex.js";

const INDENT = "  ";

const is = (t: IToken | undefined, name: string) => t?.tokenType.name === name;

/** One output line before alignment: indentation, text up to the assertion, the assertion, the comment. */
interface Row {
  blank: boolean;
  indent: number;
  /** The line's tokens, up to an aligned assertion. */
  text: string;
  /** `-> 16x5x5` at the end of the line, aligned within its declaration. */
  assertion?: string;
  comment?: string;
  /** The top-level declaration (model or block) the line is in, or -1 outside any. */
  decl: number;
  opensBody: boolean;
  closesBody: boolean;
}

/** The tokens of a line joined with the canonical blanks. */
function joinTokens(tokens: readonly IToken[], spaced: readonly boolean[]): string {
  let out = "";
  // Tokens since the start of the current statement: a `:` right after the first is a label's.
  let sinceStart = 0;
  let parens = 0;
  tokens.forEach((t, i) => {
    const p = tokens[i - 1];
    if (i > 0 && space(p!, t, i, sinceStart)) out += " ";
    out += t.image;
    if (is(t, "LParen")) parens++;
    if (is(t, "RParen")) parens = Math.max(0, parens - 1);
    sinceStart = is(t, "LBrace") || is(t, "RBrace") || (is(t, "Comma") && parens === 0) ? 0 : sinceStart + 1;
  });
  return out;

  function space(p: IToken, t: IToken, i: number, since: number): boolean {
    if (is(t, "Comma") || is(t, "RParen") || is(t, "LParen") || is(p, "LParen")) return false;
    if (is(t, "Colon")) return false;
    // A label's colon is followed by a blank; a colon among a layer's words (`channels 0:8`) is not.
    if (is(p, "Colon")) return since === 2;
    if (is(t, "Arrow") && tightArrow(tokens, spaced, i)) return false;
    if (is(p, "Arrow") && tightArrow(tokens, spaced, i - 1)) return false;
    return true;
  }
}

/** `fc 400->120`: an arrow between two numbers, written against both, stays so (it is the layer's own arrow, not an assertion). */
function tightArrow(tokens: readonly IToken[], spaced: readonly boolean[], i: number): boolean {
  return is(tokens[i - 1], "Number") && is(tokens[i + 1], "Number") && !spaced[i] && !spaced[i + 1];
}

/** Whether a line ends in a shape assertion (`… -> 16x5x5`), which is aligned. */
function endsInAssertion(line: FmtLine): boolean {
  const n = line.tokens.length;
  return n >= 3 && is(line.tokens[n - 2], "Arrow") && (is(line.tokens[n - 1], "Dims") || is(line.tokens[n - 1], "Number")) && !tightArrow(line.tokens, line.spaced, n - 2);
}

function rows(lines: readonly FmtLine[]): Row[] {
  const out: Row[] = [];
  let depth = 0;
  let decl = -1;
  for (const line of lines) {
    const { tokens } = line;
    if (tokens.length === 0 && line.comment === undefined) {
      out.push({ blank: true, indent: 0, text: "", decl: depth > 0 ? decl : -1, opensBody: false, closesBody: false });
      continue;
    }
    if (depth === 0 && (is(tokens[0], "Model") || is(tokens[0], "Block"))) decl++;
    let leading = 0;
    while (is(tokens[leading], "RBrace")) leading++;
    const inDecl = depth > 0 || tokens.some((t) => is(t, "LBrace"));
    const assertion = endsInAssertion(line);
    const body = assertion ? tokens.slice(0, -2) : tokens;
    const row: Row = {
      blank: false,
      indent: Math.max(0, depth - leading),
      text: joinTokens(body, line.spaced.slice(0, body.length)),
      decl: inDecl ? decl : -1,
      opensBody: is(tokens.at(-1), "LBrace"),
      closesBody: leading > 0,
    };
    if (assertion) row.assertion = `-> ${tokens.at(-1)!.image}`;
    if (line.comment !== undefined) row.comment = line.comment;
    out.push(row);
    for (const t of tokens) depth = is(t, "LBrace") ? depth + 1 : is(t, "RBrace") ? Math.max(0, depth - 1) : depth;
  }
  return out;
}

/** Blank lines: none at the start and end of the file or of a body, at most one in a row. */
function dropBlanks(all: Row[]): Row[] {
  const out: Row[] = [];
  for (const r of all) {
    const prev = out.at(-1);
    if (r.blank && (!prev || prev.blank || prev.opensBody)) continue;
    if (r.closesBody && prev?.blank) out.pop();
    out.push(r);
  }
  while (out.at(-1)?.blank) out.pop();
  return out;
}

/** The layout of the lines, each ended by `newline`. */
export function layout(lines: readonly FmtLine[], newline: string): string {
  const list = dropBlanks(rows(lines));
  const width = (r: Row) => r.indent * INDENT.length + r.text.length;
  // Assertions line up within a declaration: one blank after its longest line that has one.
  const arrowAt = new Map<number, number>();
  for (const r of list) if (r.assertion !== undefined && r.decl >= 0) arrowAt.set(r.decl, Math.max(arrowAt.get(r.decl) ?? 0, width(r) + 1));
  const content = list.map((r) => {
    if (r.blank) return "";
    const head = INDENT.repeat(r.indent) + r.text;
    if (r.assertion === undefined) return head;
    return head.padEnd(arrowAt.get(r.decl) ?? width(r) + 1) + r.assertion;
  });
  // End-of-line comments: on a line without an assertion, in the declaration's assertion column when
  // the line leaves room (it reads as that column); the others line up within each run of consecutive
  // lines that have one, two blanks after the longest.
  const out = content.slice();
  const inColumn = (r: Row) => r.assertion === undefined && arrowAt.has(r.decl) && width(r) + 1 <= arrowAt.get(r.decl)!;
  const inRun = (k: number) => list[k] !== undefined && list[k]!.text !== "" && list[k]!.comment !== undefined && !inColumn(list[k]!);
  for (let i = 0; i < list.length; ) {
    const r = list[i]!;
    if (!inRun(i)) {
      // (a line with no tokens has no text: its comment is the whole line)
      if (r.comment !== undefined) out[i] = r.text === "" ? INDENT.repeat(r.indent) + r.comment : content[i]!.padEnd(arrowAt.get(r.decl)!) + r.comment;
      i++;
      continue;
    }
    let j = i;
    while (inRun(j)) j++;
    const col = Math.max(...content.slice(i, j).map((c) => c.length)) + 2;
    for (let k = i; k < j; k++) out[k] = content[k]!.padEnd(col) + list[k]!.comment;
    i = j;
  }
  return out.map((l) => l + newline).join("");
}
