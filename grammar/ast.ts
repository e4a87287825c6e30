/** The abstract syntax tree of an nnspec file: what was written, nothing inferred. */
import type { SourceFile, Span } from "../diagnostics/source.js";

export interface Name {
  text: string;
  span: Span;
}

/** A value in a position where a number, a shape or a block parameter may stand. */
export type Value =
  | { kind: "number"; value: number; text: string; span: Span }
  | { kind: "dims"; dims: number[]; text: string; span: Span }
  | { kind: "name"; name: string; span: Span };

/** One word of a layer statement after its kind. */
export type Arg = Value | { kind: "filters"; value: number; text: string; span: Span } | { kind: "plus"; span: Span } | { kind: "arrow"; span: Span } | { kind: "colon"; span: Span };

/** `-> 16x5x5` */
export interface Assertion {
  dims: number[];
  text: string;
  span: Span;
}

interface StatementBase {
  label?: Name;
  assertion?: Assertion;
  span: Span;
}

/** `conv 3x3 x64 pad 1`: a layer kind and its words, read by the layer's own definition. */
export interface LayerStatement extends StatementBase {
  type: "layer";
  kind: Name;
  args: Arg[];
}

export interface ResidualStatement extends StatementBase {
  type: "residual";
  keyword: Span;
  body: Statement[];
  bodySpan: Span;
  shortcut?: { keyword: Span; body: Statement[]; span: Span };
}

/** `branch { … }` inside a concat: every branch reads the concat's input. */
export interface Branch {
  keyword: Span;
  body: Statement[];
  span: Span;
  assertion?: Assertion;
}

/** `concat { branch { … } branch { … } }`: the branches' outputs joined along channels. */
export interface ConcatStatement extends StatementBase {
  type: "concat";
  keyword: Span;
  branches: Branch[];
  /** Statements other than branches were written inside (already reported). */
  others?: true;
}

/** `gate { … }`: x ⊙ BODY(x). */
export interface GateStatement extends StatementBase {
  type: "gate";
  keyword: Span;
  body: Statement[];
  bodySpan: Span;
}

export interface RepeatStatement extends StatementBase {
  type: "repeat";
  keyword: Span;
  count: Value | undefined;
  body: Statement[];
}

export interface CallStatement extends StatementBase {
  type: "call";
  callee: Name;
  args: Value[];
}

export type Statement = LayerStatement | ResidualStatement | ConcatStatement | GateStatement | RepeatStatement | CallStatement;

/** The bodies nested in a statement that open a scope of their own (residual, shortcut, branches, gate), or repeat's. */
export function nestedBodies(s: Statement): Statement[][] {
  switch (s.type) {
    case "residual":
      return s.shortcut ? [s.body, s.shortcut.body] : [s.body];
    case "concat":
      return s.branches.map((b) => b.body);
    case "gate":
    case "repeat":
      return [s.body];
    default:
      return [];
  }
}

export interface ModelDeclaration {
  type: "model";
  name: Name;
  body: Statement[];
  span: Span;
}

export interface BlockDeclaration {
  type: "block";
  name: Name;
  params: Name[];
  body: Statement[];
  span: Span;
}

export interface Program {
  file: SourceFile;
  models: ModelDeclaration[];
  blocks: BlockDeclaration[];
}
