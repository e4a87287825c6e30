/** The checked form of a model: every layer expanded, named and shaped. What summary, codegen and export read. */
import type { SourceFile, Span } from "../diagnostics/source.js";
import type { Related } from "../diagnostics/diagnostic.js";
import type { LossAttrs } from "./layers/loss.js";
import type { BufferSpec, LayerDef, ParamSpec } from "./layers/types.js";
import type { Shape } from "./shape.js";

interface NodeBase {
  /** Unique in the model: `conv1`, `stage2.conv1`, `residual1.shortcut.conv1`. */
  name: string;
  input: Shape;
  output: Shape;
  /** Forward FLOPs per example. */
  flops: number;
  file: SourceFile;
  span: Span;
  /** 1-based source line of the statement. */
  line: number;
  /** The block invocations that led here, innermost last. */
  trail: Related[];
}

export interface LayerNode extends NodeBase {
  type: "layer";
  kind: string;
  def: LayerDef<any>;
  attrs: any;
  params: ParamSpec[];
  buffers: BufferSpec[];
}

export interface ResidualNode extends NodeBase {
  type: "residual";
  kind: "residual";
  body: Node[];
  /** null: identity shortcut. */
  shortcut: Node[] | null;
}

/** `concat { branch { … } … }`: every branch reads the input; their outputs are joined along channels (features for vectors). */
export interface ConcatNode extends NodeBase {
  type: "concat";
  kind: "concat";
  /** One node list per branch; an empty list is the input itself. */
  branches: Node[][];
}

/** `gate { … }`: input ⊙ body(input), the body's C values broadcast over H and W when it gives one per channel. */
export interface GateNode extends NodeBase {
  type: "gate";
  kind: "gate";
  body: Node[];
}

export type Node = LayerNode | ResidualNode | ConcatNode | GateNode;

/** The node lists nested in a node, in order: residual body then shortcut, each concat branch, the gate body. */
export function childLists(n: Node): Node[][] {
  switch (n.type) {
    case "layer":
      return [];
    case "residual":
      return n.shortcut ? [n.body, n.shortcut] : [n.body];
    case "concat":
      return n.branches;
    case "gate":
      return [n.body];
  }
}

export interface CheckedModel {
  name: string;
  file: SourceFile;
  span: Span;
  inputShape: Shape;
  outputShape: Shape;
  /** Layers in order (the input and the loss are not nodes). */
  nodes: Node[];
  loss: LossAttrs | null;
  /** Trainable parameters: weights, biases, batchnorm γ and β. */
  params: number;
  flops: number;
  /** Float32 bytes of the input and every layer's output, per example. */
  activationBytes: number;
}

/** Every layer node, depth first, residual bodies before their shortcuts, concat branches in order. */
export function* allLayers(nodes: readonly Node[]): Generator<LayerNode> {
  for (const n of nodes) {
    if (n.type === "layer") yield n;
    else for (const list of childLists(n)) yield* allLayers(list);
  }
}

/**
 * What a node's statement says, for the comments generated code carries:
 * `conv 5x5 x6 pad 2` (its first line, without the label or the `->`
 * assertion), or the structure of a residual, concat or gate.
 */
export function statementText(n: Node): string {
  if (n.type === "residual") return n.shortcut ? "residual { … } shortcut { … }" : "residual { … }";
  if (n.type === "concat") return `concat { ${n.branches.map(() => "branch { … }").join(" ")} }`;
  if (n.type === "gate") return "gate { … }";
  const stmt = n.file.text.slice(n.span.start, n.span.end).split(/\r\n|\r|\n/)[0]!;
  return stmt.replace(/^\s*[A-Za-z_][A-Za-z0-9_]*\s*:\s*/, "").replace(/\s*->\s*[0-9x]+\s*$/, "");
}
