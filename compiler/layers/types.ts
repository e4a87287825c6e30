/** What every layer kind provides; one file per kind, all listed in registry.ts. */
import type { Span } from "../../grammar/source.js";
import type { Args, Related } from "../diagnostics/diagnostic.js";
import type { Code } from "../diagnostics/messages.js";
import type { ArgReader } from "../args.js";
import type { Shape } from "../shape.js";

export type InitKind = "he" | "xavier" | "normal" | "zeros" | "ones";
export interface Init {
  kind: InitKind;
  /** σ for `normal`. */
  sigma?: number;
}

/** A trainable tensor of a layer, named `LAYER.<name>`. */
export interface ParamSpec {
  name: "weight" | "bias" | "gamma" | "beta";
  shape: number[];
  init: Init;
  /** L2 regularisation applies (weights only, not biases or batchnorm). */
  decay: boolean;
  fanIn: number;
  fanOut: number;
}

/** A non-trainable tensor (batchnorm running statistics), named `LAYER.<name>`. */
export interface BufferSpec {
  name: "mean" | "var";
  shape: number[];
  fill: number;
}

export interface InferContext {
  /** Report at `span`, or at the whole statement when no span is given; the block-invocation trail is added. */
  error(code: Code, args: Args, span?: Span, extra?: { label?: string; related?: Related[] }): void;
  warn(code: Code, args: Args, span?: Span, extra?: { label?: string; related?: Related[] }): void;
  /** The statement's own span. */
  span: Span;
  /** Span of the statement's kind word. */
  kindSpan: Span;
}

export interface LayerDef<A = unknown> {
  kind: string;
  /** `conv KHxKW xF [stride S] [pad P|same|valid] [nobias] [init I]` */
  usage: string;
  /** One line for help and docs. */
  doc: string;
  /** Read the statement's words; undefined after reporting a mistake. */
  read(r: ArgReader): A | undefined;
  /** Output shape for an input shape; undefined after reporting a mistake. */
  infer(a: A, input: Shape, ctx: InferContext): Shape | undefined;
  params?(a: A, input: Shape, output: Shape): ParamSpec[];
  buffers?(a: A, input: Shape, output: Shape): BufferSpec[];
  /** Forward FLOPs per example at inference (a multiply-add counts 2). */
  flops(a: A, input: Shape, output: Shape): number;
}

/** Helper so each layer file keeps its attribute type. */
export function defineLayer<A>(def: LayerDef<A>): LayerDef<A> {
  return def;
}
