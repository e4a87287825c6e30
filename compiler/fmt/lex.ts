/**
 * The formatter's view of a file: the language's own tokens (grammar/tokens.ts)
 * with the comments kept instead of skipped, grouped into source lines.
 */
import { createToken, Lexer, type IToken } from "../../grammar/chevrotain.js";
import { allTokens, Comment } from "../../grammar/tokens.js";

export interface FmtLine {
  /** The tokens of the line, without its comment and line break. */
  tokens: IToken[];
  /** The comment that ends the line (or is the whole line), without trailing blanks. */
  comment?: string;
  /** Whether whitespace separated each token from the one before it in the source (index-aligned with `tokens`). */
  spaced: boolean[];
}

let lexer: InstanceType<typeof Lexer> | undefined;

/** The language's lexer, except that comments go to a group of their own instead of being skipped. */
function commentLexer(): InstanceType<typeof Lexer> {
  const kept = createToken({ name: "CommentKept", pattern: Comment.PATTERN as RegExp, group: "comments" });
  return new Lexer(
    allTokens.map((t) => (t === Comment ? kept : t)),
    { positionTracking: "full", ensureOptimizations: false, skipValidations: true },
  );
}

/** The lines of `text` (which must lex without errors). */
export function fmtLines(text: string): FmtLine[] {
  lexer ??= commentLexer();
  const result = lexer.tokenize(text);
  const all = [...result.tokens, ...((result.groups.comments ?? []) as IToken[])].sort((a, b) => a.startOffset - b.startOffset);
  const lines: FmtLine[] = [{ tokens: [], spaced: [] }];
  let prevEnd = -1;
  for (const t of all) {
    const line = lines.at(-1)!;
    if (t.tokenType.name === "Newline") lines.push({ tokens: [], spaced: [] });
    else if (t.tokenType.name === "CommentKept") line.comment = t.image.trimEnd();
    else {
      line.spaced.push(prevEnd >= 0 && t.startOffset > prevEnd + 1);
      line.tokens.push(t);
    }
    prevEnd = t.endOffset!;
  }
  return lines;
}
