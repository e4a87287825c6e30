import { Lexer, type IToken } from "./chevrotain.js";
import { allTokens } from "./tokens.js";

let lexer: InstanceType<typeof Lexer> | undefined;

export interface LexError {
  offset: number;
  length: number;
}

export interface LexResult {
  tokens: IToken[];
  errors: LexError[];
}

/** Tokenize; unknown characters become errors and are skipped. */
export function tokenize(text: string): LexResult {
  lexer ??= new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false, skipValidations: true });
  const result = lexer.tokenize(text);
  return { tokens: result.tokens, errors: result.errors.map((e: { offset: number; length: number }) => ({ offset: e.offset, length: e.length })) };
}
