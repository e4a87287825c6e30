/**
 * The nnspec grammar as a Chevrotain CST parser, with error recovery on so a
 * syntax error does not hide the rest of the file.
 *
 *   file       := (model | block | NL | ",")*
 *   model      := "model" Name "{" stmts "}"
 *   block      := "block" Name "(" [Name ("," Name)*] ")" "{" stmts "}"
 *   stmts      := (statement | NL | ",")*
 *   statement  := [Name ":"] (residual | shortcut | concat | branch | gate | repeat | call | layer)
 *   residual   := "residual" "{" stmts "}" ["shortcut" "{" stmts "}"] [assert]
 *   shortcut   := "shortcut" "{" stmts "}" [assert]        (attached to the residual before it)
 *   concat     := "concat" "{" stmts "}" [assert]                (its statements must be branches)
 *   branch     := "branch" "{" stmts "}"                         (only inside a concat)
 *   gate       := "gate" "{" stmts "}" [assert]
 *   repeat     := "repeat" value "{" stmts "}" [assert]
 *   call       := Name "(" [value ("," value)*] ")" [assert]
 *   layer      := Name arg*                                 (a trailing "-> dims" is the assertion)
 *   arg        := Number | Dims | Filters | Name | "+" | "->"
 *   assert     := "->" (Dims | Number)
 *   value      := Number | Dims | Name
 */
import { CstParser, EOF, type CstNode, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType } from "./chevrotain.js";
import * as T from "./tokens.js";

function show(tok: IToken | undefined): string {
  if (!tok || tok.tokenType === EOF) return "the end of the file";
  if (tok.tokenType === T.Newline) return "the end of the line";
  return `\`${tok.image}\``;
}

function expectedList(types: TokenType[]): string {
  const names = [...new Set(types.map((t) => T.tokenDisplay[t.name] ?? t.name))];
  if (names.length <= 1) return names[0] ?? "something else";
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/** Chevrotain's messages carry the two parts of NN1002 as JSON; cst-to-ast decodes them. */
export interface SyntaxMessage {
  expected: string;
  found: string;
}
const encode = (expected: string, found: IToken | undefined): string => JSON.stringify({ expected, found: show(found) } satisfies SyntaxMessage);

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => encode(T.tokenDisplay[expected.name] ?? expected.name, actual),
  buildNotAllInputParsedMessage: ({ firstRedundant }) => encode("`model` or `block`", firstRedundant),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) =>
    encode(expectedList(expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0]!).filter(Boolean))), actual[0]),
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) => encode(expectedList(expectedIterationPaths.map((p) => p[0]!).filter(Boolean)), actual[0]),
};

class NnspecParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, errorMessageProvider: messages, maxLookahead: 2, skipValidations: true, nodeLocationTracking: "onlyOffset" });
    this.performSelfAnalysis();
  }

  file = this.RULE("file", () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.model) },
        { ALT: () => this.SUBRULE(this.block) },
        { ALT: () => this.CONSUME(T.Newline) },
        { ALT: () => this.CONSUME(T.Comma) },
        { ALT: () => this.SUBRULE(this.junk) },
      ]);
    });
  });

  /** Anything else at the top level, up to the end of its line (reported once per run of such lines). */
  junk = this.RULE("junk", () => {
    this.AT_LEAST_ONE(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.NumberLit) },
        { ALT: () => this.CONSUME(T.Dims) },
        { ALT: () => this.CONSUME(T.Filters) },
        { ALT: () => this.CONSUME(T.Repeat) },
        { ALT: () => this.CONSUME(T.Residual) },
        { ALT: () => this.CONSUME(T.Shortcut) },
        { ALT: () => this.CONSUME(T.Concat) },
        { ALT: () => this.CONSUME(T.Branch) },
        { ALT: () => this.CONSUME(T.Gate) },
        { ALT: () => this.CONSUME(T.Arrow) },
        { ALT: () => this.CONSUME(T.Plus) },
        { ALT: () => this.CONSUME(T.LBrace) },
        { ALT: () => this.CONSUME(T.RBrace) },
        { ALT: () => this.CONSUME(T.LParen) },
        { ALT: () => this.CONSUME(T.RParen) },
        { ALT: () => this.CONSUME(T.Colon) },
      ]);
    });
  });

  model = this.RULE("model", () => {
    this.CONSUME(T.Model);
    this.SUBRULE(this.declName);
    this.SUBRULE(this.body);
  });

  /** A model's or block's name; keywords are read too so that `model repeat` is one clear error (a reserved name). */
  declName = this.RULE("declName", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Model, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Block, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Repeat, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Residual, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Shortcut, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Concat, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Branch, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Gate, { LABEL: "name" }) },
    ]);
  });

  block = this.RULE("block", () => {
    this.CONSUME(T.Block);
    this.SUBRULE(this.declName);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Identifier, { LABEL: "param" }) });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.body);
  });

  body = this.RULE("body", () => {
    this.MANY1(() => this.CONSUME1(T.Newline));
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.statement) },
        { ALT: () => this.CONSUME(T.Newline) },
        { ALT: () => this.CONSUME(T.Comma) },
        { ALT: () => this.SUBRULE(this.stray) },
      ]);
    });
    this.CONSUME(T.RBrace);
  });

  /** Words that cannot start a statement (`-> 8` on its own line, a lone number): one error, and the body goes on. */
  stray = this.RULE("stray", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.Dims) },
      { ALT: () => this.CONSUME(T.Filters) },
      { ALT: () => this.CONSUME(T.Arrow) },
      { ALT: () => this.CONSUME(T.Plus) },
      { ALT: () => this.CONSUME(T.Colon) },
      { ALT: () => this.CONSUME(T.RParen) },
      { ALT: () => this.CONSUME(T.Model) },
      { ALT: () => this.CONSUME(T.Block) },
    ]);
    this.MANY(() => {
      this.OR2([
        { ALT: () => this.CONSUME2(T.NumberLit) },
        { ALT: () => this.CONSUME2(T.Dims) },
        { ALT: () => this.CONSUME2(T.Filters) },
        { ALT: () => this.CONSUME2(T.Arrow) },
        { ALT: () => this.CONSUME2(T.Plus) },
        { ALT: () => this.CONSUME2(T.Colon) },
        { ALT: () => this.CONSUME2(T.RParen) },
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.LParen) },
      ]);
    });
  });

  statement = this.RULE("statement", () => {
    this.OPTION(() => {
      // Keywords are accepted here so that `block: relu` is one clear error (a reserved name), not a syntax cascade.
      this.OR1([
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: "label" }) },
        { ALT: () => this.CONSUME(T.Model, { LABEL: "label" }) },
        { ALT: () => this.CONSUME(T.Block, { LABEL: "label" }) },
        { ALT: () => this.CONSUME(T.Repeat, { LABEL: "label" }) },
        { ALT: () => this.CONSUME(T.Residual, { LABEL: "label" }) },
        { ALT: () => this.CONSUME(T.Shortcut, { LABEL: "label" }) },
        { ALT: () => this.CONSUME(T.Concat, { LABEL: "label" }) },
        { ALT: () => this.CONSUME(T.Branch, { LABEL: "label" }) },
        { ALT: () => this.CONSUME(T.Gate, { LABEL: "label" }) },
      ]);
      this.CONSUME(T.Colon);
    });
    this.OR([
      { ALT: () => this.SUBRULE(this.residual) },
      { ALT: () => this.SUBRULE(this.shortcut) },
      { ALT: () => this.SUBRULE(this.concat) },
      { ALT: () => this.SUBRULE(this.branch) },
      { ALT: () => this.SUBRULE(this.gate) },
      { ALT: () => this.SUBRULE(this.repeat) },
      { GATE: () => this.LA(2).tokenType === T.LParen, ALT: () => this.SUBRULE(this.call) },
      { ALT: () => this.SUBRULE(this.layer) },
    ]);
  });

  residual = this.RULE("residual", () => {
    this.CONSUME(T.Residual);
    this.SUBRULE(this.body);
    this.OPTION(() => {
      this.CONSUME(T.Shortcut);
      this.SUBRULE2(this.body, { LABEL: "shortcutBody" });
    });
    this.OPTION2(() => this.SUBRULE(this.assertion));
  });

  shortcut = this.RULE("shortcut", () => {
    this.CONSUME(T.Shortcut);
    this.SUBRULE(this.body);
    this.OPTION(() => this.SUBRULE(this.assertion));
  });

  concat = this.RULE("concat", () => {
    this.CONSUME(T.Concat);
    this.SUBRULE(this.body);
    this.OPTION(() => this.SUBRULE(this.assertion));
  });

  branch = this.RULE("branch", () => {
    this.CONSUME(T.Branch);
    this.SUBRULE(this.body);
    this.OPTION(() => this.SUBRULE(this.assertion));
  });

  gate = this.RULE("gate", () => {
    this.CONSUME(T.Gate);
    this.SUBRULE(this.body);
    this.OPTION(() => this.SUBRULE(this.assertion));
  });

  repeat = this.RULE("repeat", () => {
    this.CONSUME(T.Repeat);
    this.SUBRULE(this.value);
    this.SUBRULE(this.body);
    this.OPTION(() => this.SUBRULE(this.assertion));
  });

  call = this.RULE("call", () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.value) });
    this.CONSUME(T.RParen);
    this.OPTION(() => this.SUBRULE(this.assertion));
  });

  layer = this.RULE("layer", () => {
    this.CONSUME(T.Identifier, { LABEL: "kind" });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.NumberLit, { LABEL: "arg" }) },
        { ALT: () => this.CONSUME(T.Dims, { LABEL: "arg" }) },
        { ALT: () => this.CONSUME(T.Filters, { LABEL: "arg" }) },
        { ALT: () => this.CONSUME2(T.Identifier, { LABEL: "arg" }) },
        { ALT: () => this.CONSUME(T.Plus, { LABEL: "arg" }) },
        { ALT: () => this.CONSUME(T.Arrow, { LABEL: "arg" }) },
        // `channels 0:half`: inside a layer statement a colon is a word (a label is only `NAME:` at the start)
        { ALT: () => this.CONSUME(T.Colon, { LABEL: "arg" }) },
      ]);
    });
  });

  assertion = this.RULE("assertion", () => {
    this.CONSUME(T.Arrow);
    this.OR([{ ALT: () => this.CONSUME(T.Dims) }, { ALT: () => this.CONSUME(T.NumberLit) }]);
  });

  value = this.RULE("value", () => {
    this.OR([{ ALT: () => this.CONSUME(T.NumberLit) }, { ALT: () => this.CONSUME(T.Dims) }, { ALT: () => this.CONSUME(T.Identifier) }]);
  });
}

let parser: NnspecParser | undefined;

export interface ParseResult {
  cst: CstNode;
  errors: IRecognitionException[];
}

export function parseTokens(tokens: IToken[]): ParseResult {
  parser ??= new NnspecParser();
  parser.input = tokens;
  const cst = parser.file();
  return { cst, errors: [...parser.errors] };
}
