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

export type Node = LayerNode | ResidualNode;

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

/** Every layer node, depth first, residual bodies before their shortcuts. */
export function* allLayers(nodes: readonly Node[]): Generator<LayerNode> {
  for (const n of nodes) {
    if (n.type === "layer") yield n;
    else {
      yield* allLayers(n.body);
      if (n.shortcut) yield* allLayers(n.shortcut);
    }
  }
}
