/**
 * Source text → AST. Runs the lexer and parser, turns their errors into
 * diagnostics (NN1xxx), and builds the AST from whatever the parser recovered.
 * It never throws: every path that meets a half-built node just skips it.
 */
import type { CstNode, IToken } from "./chevrotain.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { Arg, Assertion, Branch, Name, Program, Statement, Value } from "./ast.js";
import { tokenize } from "./lexer.js";
import { parseTokens, type SyntaxMessage } from "./parser.js";
import type { SourceFile, Span } from "../diagnostics/source.js";
import * as T from "./tokens.js";
import { suggestion } from "../diagnostics/suggest.js";
import { describeChar } from "../diagnostics/chars.js";
import { fix, replace } from "../diagnostics/fix.js";

/** Deeper nesting than this is refused before parsing (the parser recurses). */
export const MAX_NESTING = 64;
/** Integers in sizes must be exact. */
const MAX_EXACT = Number.MAX_SAFE_INTEGER;

type Children = Record<string, (CstNode | IToken)[] | undefined>;

export function parseSource(file: SourceFile, bag: DiagnosticBag): Program {
  const program: Program = { file, models: [], blocks: [] };
  const lexed = tokenize(file.text);
  for (const e of lexed.errors) {
    const ch = String.fromCodePoint(file.text.codePointAt(e.offset) ?? 0xfffd);
    bag.report("NN1001", file, { start: e.offset, end: e.offset + Math.max(1, e.length) }, { char: describeChar(ch) });
  }
  const tokens = lexed.tokens;
  const flagged = checkBrackets(file, tokens, bag);
  if (flagged.tooDeep) return program;
  const parsed = parseTokens(tokens.filter((t) => !flagged.skip.has(t.startOffset)));
  // Recovery can trip over the same mistake several times: keep the first syntax error of each line.
  const linesWithError = new Set<number>();
  for (const e of parsed.errors) {
    const tok = e.token;
    const atEnd = tok.tokenType.name === "EOF" || !Number.isFinite(tok.startOffset);
    if (atEnd && flagged.unclosed) continue; // already said which `{` is never closed
    let detail: SyntaxMessage;
    try {
      detail = JSON.parse(e.message) as SyntaxMessage;
    } catch {
      detail = { expected: "something else", found: tok.image };
    }
    const span = atEnd ? { start: file.text.length, end: file.text.length } : tokenSpan(tok);
    const line = file.lineIndex(span.start);
    if (linesWithError.has(line)) continue;
    linesWithError.add(line);
    bag.report("NN1002", file, span, { expected: detail.expected, found: detail.found });
  }
  new AstBuilder(file, bag, program).file(parsed.cst);
  return program;
}

/**
 * Checks bracket nesting before the parser runs: unmatched closers (skipped so
 * the parser does not report them again), `{` never closed, and nesting deep
 * enough to exhaust the parser's stack.
 */
function checkBrackets(file: SourceFile, tokens: IToken[], bag: DiagnosticBag): { tooDeep: boolean; unclosed: boolean; skip: Set<number> } {
  const stack: IToken[] = [];
  const skip = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const type = tok.tokenType;
    if (type === T.LBrace || type === T.LParen) {
      stack.push(tok);
      if (stack.length > MAX_NESTING) {
        bag.report("NN1006", file, tokenSpan(tok), { limit: MAX_NESTING });
        return { tooDeep: true, unclosed: false, skip };
      }
    } else if (type === T.RBrace || type === T.RParen) {
      const open = type === T.RBrace ? T.LBrace : T.LParen;
      const top = stack[stack.length - 1];
      if (top?.tokenType === open) stack.pop();
      else if (!stack.some((t) => t.tokenType === open)) {
        // Removing it is one fix of two (the matching bracket may be what is missing): offered, not applied.
        const suggestions = [fix(`remove this \`${tok.image}\``, [replace(file, tokenSpan(tok), "")], false)];
        bag.report("NN1009", file, tokenSpan(tok), { char: tok.image, open: open === T.LBrace ? "{" : "(" }, { suggestions });
        skip.add(tok.startOffset);
      } else {
        // closes an outer bracket: the inner ones were left open (e.g. a missing `)`); let the parser say what it expected
        while (stack.length && stack[stack.length - 1]!.tokenType !== open) stack.pop();
        stack.pop();
      }
    }
  }
  let unclosed = false;
  for (const tok of stack) {
    if (tok.tokenType !== T.LBrace) continue;
    unclosed = true;
    bag.report("NN1003", file, tokenSpan(tok), { what: describeOpener(tokens, tok) }, { label: "opened here" });
  }
  return { tooDeep: false, unclosed, skip };
}

function describeOpener(tokens: IToken[], brace: IToken): string {
  const i = tokens.indexOf(brace);
  for (let j = i - 1; j >= 0 && j >= i - 12; j--) {
    const t = tokens[j]!.tokenType;
    if (t === T.Newline) break;
    if (t === T.Model || t === T.Block) return `${tokens[j]!.image} \`${tokens[j + 1]?.image ?? ""}\` at the end of the file`;
    if (t === T.Residual || t === T.Shortcut || t === T.Repeat || t === T.Concat || t === T.Branch || t === T.Gate) return `this \`${tokens[j]!.image}\` body`;
  }
  return "it";
}

export function tokenSpan(tok: IToken): Span {
  return { start: tok.startOffset, end: tok.startOffset + Math.max(1, tok.image.length) };
}

function isToken(x: CstNode | IToken | undefined): x is IToken {
  return x !== undefined && "image" in x;
}

class AstBuilder {
  constructor(
    private readonly src: SourceFile,
    private readonly bag: DiagnosticBag,
    private readonly program: Program,
  ) {}

  file(cst: CstNode): void {
    const ch = cst.children as Children;
    // Top-level junk: one error per run of consecutive junk lines.
    let lastJunkLine = -2;
    for (const node of ((ch.junk ?? []) as CstNode[]).sort((a, b) => this.span(a).start - this.span(b).start)) {
      const toks = Object.values(node.children as Children).flat().filter(isToken).sort((a, b) => a.startOffset - b.startOffset);
      const first = toks[0];
      if (!first) continue;
      const line = this.src.lineIndex(first.startOffset);
      const lastLine = this.src.lineIndex(toks[toks.length - 1]!.startOffset);
      if (line > lastJunkLine + 1) {
        const help = first.tokenType === T.Identifier ? suggestion(first.image, ["model", "block"], "keywords") : "";
        this.bag.report("NN1012", this.src, tokenSpan(first), { found: first.image, hint: help.startsWith("did you mean") ? help : "a file holds `model NAME { … }` and `block NAME(PARAMS) { … }` definitions, and `#` comments" });
      }
      lastJunkLine = lastLine;
    }
    for (const node of (ch.model ?? []) as CstNode[]) {
      const c = node.children as Children;
      const name = this.name(((c.declName?.[0] as CstNode | undefined)?.children as Children | undefined)?.name?.[0]);
      if (!name) continue;
      this.program.models.push({ type: "model", name, body: this.body(c.body?.[0] as CstNode | undefined), span: this.span(node) });
    }
    for (const node of (ch.block ?? []) as CstNode[]) {
      const c = node.children as Children;
      const name = this.name(((c.declName?.[0] as CstNode | undefined)?.children as Children | undefined)?.name?.[0]);
      if (!name) continue;
      const params = ((c.param ?? []) as IToken[]).map((t) => this.name(t)).filter((n): n is Name => n !== undefined);
      this.program.blocks.push({ type: "block", name, params, body: this.body(c.body?.[0] as CstNode | undefined), span: this.span(node) });
    }
    const byStart = (a: { span: Span }, b: { span: Span }) => a.span.start - b.span.start;
    this.program.models.sort(byStart);
    this.program.blocks.sort(byStart);
  }

  private body(node: CstNode | undefined): Statement[] {
    if (!node) return [];
    for (const stray of ((node.children as Children).stray ?? []) as CstNode[]) {
      const toks = Object.values(stray.children as Children).flat().filter(isToken).sort((a, b) => a.startOffset - b.startOffset);
      const first = toks[0];
      if (!first || first.isInsertedInRecovery) continue;
      const hint =
        first.tokenType === T.Arrow
          ? "a shape assertion goes at the end of its statement, on the same line: `conv 3x3 x16 -> 16x30x30`"
          : first.tokenType === T.Model || first.tokenType === T.Block
            ? "models and blocks are defined at the top level, not inside another body"
            : "a statement starts with a layer (`conv 3x3 x16`), a block call (`stage(2, 64)`), `residual`, `repeat` or a `label:`";
      this.bag.report("NN1013", this.src, { start: first.startOffset, end: tokenSpan(toks[toks.length - 1]!).end }, { found: first.image, hint });
    }
    const out: Statement[] = [];
    for (const s of ((node.children as Children).statement ?? []) as CstNode[]) {
      const c = s.children as Children;
      const shortcut = c.shortcut?.[0] as CstNode | undefined;
      if (shortcut) {
        this.attachShortcut(out, shortcut, c.label?.[0] as IToken | undefined);
        continue;
      }
      if (c.branch) {
        this.bag.report("NN1014", this.src, this.span(((c.branch[0] as CstNode).children as Children).Branch?.[0] as IToken), {});
        continue;
      }
      const stmt = this.statement(s);
      if (stmt) out.push(stmt);
    }
    return out;
  }

  /** The branches of `concat { branch { … } … }`; any other statement there is an error. */
  private branches(node: CstNode | undefined): { branches: Branch[]; others: boolean } {
    const out: Branch[] = [];
    let others = false;
    if (!node) return { branches: out, others };
    for (const s of ((node.children as Children).statement ?? []) as CstNode[]) {
      const c = s.children as Children;
      const b = c.branch?.[0] as CstNode | undefined;
      if (!b) {
        const span = this.span(s);
        const found = this.src.text.slice(span.start, span.end).trim().split(/[\s,{(]/)[0] || "this statement";
        this.bag.report("NN1015", this.src, span, { found });
        others = true;
        continue;
      }
      const label = this.name(c.label?.[0]);
      if (label) this.bag.report("NN2023", this.src, label.span, { kind: "branch", label: label.text });
      const bc = b.children as Children;
      const bodyNode = bc.body?.[0] as CstNode | undefined;
      const keyword = this.span(bc.Branch?.[0] as IToken);
      const branch: Branch = { keyword, body: this.body(bodyNode), span: this.span(b) };
      const assertion = this.assertion(bc.assertion?.[0] as CstNode | undefined);
      if (assertion) branch.assertion = assertion;
      out.push(branch);
    }
    return { branches: out, others };
  }

  /** `shortcut { … }` on the line after a residual's `}` belongs to that residual. */
  private attachShortcut(out: Statement[], node: CstNode, label: IToken | undefined): void {
    const c = node.children as Children;
    const prev = out[out.length - 1];
    const keyword = this.span(c.Shortcut?.[0] as IToken);
    if (!prev || prev.type !== "residual" || prev.shortcut || prev.assertion || label) {
      this.bag.report("NN1011", this.src, keyword, {});
      return;
    }
    const bodyNode = c.body?.[0] as CstNode | undefined;
    prev.shortcut = { keyword, body: this.body(bodyNode), span: bodyNode ? this.span(bodyNode) : keyword };
    prev.span = { start: prev.span.start, end: this.span(node).end };
    const assertion = this.assertion(c.assertion?.[0] as CstNode | undefined);
    if (assertion) prev.assertion = assertion;
  }

  private statement(node: CstNode): Statement | undefined {
    const c = node.children as Children;
    const label = this.name(c.label?.[0]);
    const span = this.span(node);
    let stmt: Statement | undefined;
    if (c.layer) stmt = this.layer(c.layer[0] as CstNode, span);
    else if (c.residual) {
      const r = (c.residual[0] as CstNode).children as Children;
      const bodyNode = r.body?.[0] as CstNode | undefined;
      stmt = { type: "residual", keyword: this.span(r.Residual?.[0] as IToken), body: this.body(bodyNode), bodySpan: bodyNode ? this.span(bodyNode) : span, span };
      const sc = r.shortcutBody?.[0] as CstNode | undefined;
      if (sc && r.Shortcut?.[0]) stmt.shortcut = { keyword: this.span(r.Shortcut[0] as IToken), body: this.body(sc), span: this.span(sc) };
      this.setAssertion(stmt, r.assertion?.[0]);
    } else if (c.concat) {
      const r = (c.concat[0] as CstNode).children as Children;
      const { branches, others } = this.branches(r.body?.[0] as CstNode | undefined);
      stmt = { type: "concat", keyword: this.span(r.Concat?.[0] as IToken), branches, span };
      if (others) stmt.others = true;
      this.setAssertion(stmt, r.assertion?.[0]);
    } else if (c.gate) {
      const r = (c.gate[0] as CstNode).children as Children;
      const bodyNode = r.body?.[0] as CstNode | undefined;
      stmt = { type: "gate", keyword: this.span(r.Gate?.[0] as IToken), body: this.body(bodyNode), bodySpan: bodyNode ? this.span(bodyNode) : span, span };
      this.setAssertion(stmt, r.assertion?.[0]);
    } else if (c.repeat) {
      const r = (c.repeat[0] as CstNode).children as Children;
      stmt = {
        type: "repeat",
        keyword: this.span(r.Repeat?.[0] as IToken),
        count: this.value(r.value?.[0] as CstNode | undefined),
        body: this.body(r.body?.[0] as CstNode | undefined),
        span,
      };
      this.setAssertion(stmt, r.assertion?.[0]);
    } else if (c.call) {
      const r = (c.call[0] as CstNode).children as Children;
      const callee = this.name(r.Identifier?.[0]);
      if (!callee) return undefined;
      const args = ((r.value ?? []) as CstNode[]).map((v) => this.value(v)).filter((v): v is Value => v !== undefined);
      stmt = { type: "call", callee, args, span };
      this.setAssertion(stmt, r.assertion?.[0]);
    }
    if (stmt && label) stmt.label = label;
    return stmt;
  }

  private layer(node: CstNode, span: Span): Statement | undefined {
    const c = node.children as Children;
    const kind = this.name(c.kind?.[0]);
    if (!kind) return undefined;
    const toks = ((c.arg ?? []) as IToken[]).filter(isToken).sort((a, b) => a.startOffset - b.startOffset);
    const args = toks.map((t) => this.arg(t)).filter((a): a is Arg => a !== undefined);
    const stmt: Statement = { type: "layer", kind, args, span };
    // The trailing `-> dims` is the shape assertion, except in `fc IN->N`, whose one arrow is its own.
    const arrows = args.filter((a) => a.kind === "arrow").length;
    const last = args[args.length - 1];
    const beforeLast = args[args.length - 2];
    if (beforeLast?.kind === "arrow" && last && (last.kind === "dims" || last.kind === "number") && (kind.text !== "fc" || arrows >= 2)) {
      args.splice(args.length - 2, 2);
      stmt.assertion = { dims: last.kind === "dims" ? last.dims : [last.value], text: last.text, span: { start: beforeLast.span.start, end: last.span.end } };
    }
    return stmt;
  }

  private setAssertion(stmt: Statement, node: CstNode | IToken | undefined): void {
    const a = this.assertion(node as CstNode | undefined);
    if (a) stmt.assertion = a;
  }

  private assertion(node: CstNode | undefined): Assertion | undefined {
    if (!node) return undefined;
    const c = node.children as Children;
    const tok = (c.Dims?.[0] ?? c.Number?.[0]) as IToken | undefined;
    const arrow = c.Arrow?.[0] as IToken | undefined;
    if (!tok || !arrow || !Number.isFinite(tok.startOffset)) return undefined;
    const v = this.arg(tok);
    if (!v || (v.kind !== "dims" && v.kind !== "number")) return undefined;
    return { dims: v.kind === "dims" ? v.dims : [v.value], text: v.text, span: { start: arrow.startOffset, end: tokenSpan(tok).end } };
  }

  private value(node: CstNode | undefined): Value | undefined {
    if (!node) return undefined;
    const c = node.children as Children;
    const tok = (c.Number?.[0] ?? c.Dims?.[0] ?? c.Identifier?.[0]) as IToken | undefined;
    if (!tok) return undefined;
    const v = this.arg(tok);
    return v && (v.kind === "number" || v.kind === "dims" || v.kind === "name") ? v : undefined;
  }

  private arg(tok: IToken): Arg | undefined {
    if (!Number.isFinite(tok.startOffset) || tok.isInsertedInRecovery) return undefined;
    const span = tokenSpan(tok);
    const text = tok.image;
    switch (tok.tokenType) {
      case T.NumberLit:
        return { kind: "number", value: this.number(text, span, false), text, span };
      case T.Dims:
        return { kind: "dims", dims: text.split("x").map((part) => this.number(part, span, true)), text, span };
      case T.Filters:
        return { kind: "filters", value: this.number(text.slice(1), span, true), text, span };
      case T.Identifier:
        return { kind: "name", name: text, span };
      case T.Plus:
        return { kind: "plus", span };
      case T.Arrow:
        return { kind: "arrow", span };
      case T.Colon:
        return { kind: "colon", span };
      default:
        return undefined;
    }
  }

  /** A literal's value; NaN (already reported) when it cannot be represented. */
  private number(text: string, span: Span, integer: boolean): number {
    const v = Number(text);
    if (!Number.isFinite(v) || (integer && v > MAX_EXACT)) {
      this.bag.report("NN1007", this.src, span, { text, limit: integer ? "2^53" : "1.8e308" });
      return Number.NaN;
    }
    return v;
  }

  private name(tok: CstNode | IToken | undefined): Name | undefined {
    if (!isToken(tok) || !Number.isFinite(tok.startOffset) || tok.isInsertedInRecovery) return undefined;
    return { text: tok.image, span: tokenSpan(tok) };
  }

  private span(x: CstNode | IToken | undefined): Span {
    if (!x) return { start: 0, end: 0 };
    if (isToken(x)) return Number.isFinite(x.startOffset) ? tokenSpan(x) : { start: this.src.text.length, end: this.src.text.length };
    const loc = x.location;
    if (loc && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset ?? NaN)) return { start: loc.startOffset, end: (loc.endOffset ?? loc.startOffset) + 1 };
    return { start: this.src.text.length, end: this.src.text.length };
  }
}
