/**
 * The tokens of the nnspec language. Layer kinds and their options are plain
 * identifiers here: the layer registry gives them meaning, so a misspelt layer
 * gets a "did you mean" instead of a syntax error. Only the words that shape
 * the structure of a file are keywords.
 */
import { createToken, Lexer, type TokenType } from "./chevrotain.js";

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

function keyword(word: string): TokenType {
  return createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(`${word}(?![A-Za-z0-9_])`), longer_alt: Identifier });
}

export const Model = keyword("model");
export const Block = keyword("block");
export const Repeat = keyword("repeat");
export const Residual = keyword("residual");
export const Shortcut = keyword("shortcut");
export const Concat = keyword("concat");
export const Branch = keyword("branch");
export const Gate = keyword("gate");

/** `3x3`, `1x28x28`: a kernel or a shape. */
export const Dims = createToken({ name: "Dims", pattern: /[0-9]+(?:x[0-9]+)+(?![A-Za-z0-9_.])/ });
/** `x64`: a filter count. (`x width` inside a block is the identifier `x` and a name.) */
export const Filters = createToken({ name: "Filters", pattern: /x[0-9]+(?![A-Za-z0-9_])/, longer_alt: Identifier });
/** Integers, decimals and exponents; a leading minus so `dropout -0.2` is a range error, not a syntax error. */
export const NumberLit = createToken({ name: "Number", pattern: /-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/ });

export const Arrow = createToken({ name: "Arrow", pattern: /->/ });
export const Plus = createToken({ name: "Plus", pattern: /\+/ });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Newline = createToken({ name: "Newline", pattern: /\r\n|\r|\n/, line_breaks: true });
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });
export const WhiteSpace = createToken({
  name: "WhiteSpace",
  pattern: /[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]+/,
  group: Lexer.SKIPPED,
});

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Newline,
  Arrow,
  Dims,
  NumberLit,
  Model,
  Block,
  Repeat,
  Residual,
  Shortcut,
  Concat,
  Branch,
  Gate,
  Filters,
  Identifier,
  Plus,
  LBrace,
  RBrace,
  LParen,
  RParen,
  Comma,
  Colon,
];

/** How a token type is named in messages. */
export const tokenDisplay: Record<string, string> = {
  Identifier: "a name",
  Model: "`model`",
  Block: "`block`",
  Repeat: "`repeat`",
  Residual: "`residual`",
  Shortcut: "`shortcut`",
  Concat: "`concat`",
  Branch: "`branch`",
  Gate: "`gate`",
  Dims: "a shape like `3x3`",
  Filters: "a filter count like `x64`",
  Number: "a number",
  Arrow: "`->`",
  Plus: "`+`",
  LBrace: "`{`",
  RBrace: "`}`",
  LParen: "`(`",
  RParen: "`)`",
  Comma: "`,`",
  Colon: "`:`",
  Newline: "a line break",
  EOF: "the end of the file",
};
