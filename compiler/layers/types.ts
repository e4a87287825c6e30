/** What every layer kind provides; one file per kind, all listed in registry.ts. */
import type { SourceFile, Span } from "../../diagnostics/source.js";
import type { ReportExtra } from "../../diagnostics/diagnostic.js";
import type { ArgsOf, Code } from "../../diagnostics/messages.js";
import { optionUsage, optionValueWords, type ArgReader, type OptionSpecs } from "../args.js";
import type { Shape } from "../shape.js";
import type { Init } from "../init.js";
import type { OnnxMapping } from "./onnx.js";
import type { PytorchMapping } from "./pytorch.js";

export type { Init, InitKind } from "../init.js";

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
  /** The smallest valid value (a variance: 0); loading weights refuses less. */
  min?: number;
}

export interface InferContext {
  /** Report at `span`, or at the whole statement when no span is given; the block-invocation trail is added. Severity comes from the message table. */
  report<C extends Code>(code: C, args: NoInfer<ArgsOf<C>>, span?: Span, extra?: ReportExtra): void;
  /** The statement's own span. */
  span: Span;
  /** Span of the statement's kind word. */
  kindSpan: Span;
  /** The file the statement is in (for the edits of suggestions, diagnostics/fix.ts). */
  file: SourceFile;
  /** Where the statement's words end, before its `-> shape` assertion (where an option is added). */
  wordsEnd: number;
  /** The options written in the statement, by name. */
  written: ReadonlySet<string>;
  /** The layer just before this one in the model, with its input (for help that names it, e.g. `flatten` of a feature map). */
  previous?: { kind: string; input: Shape };
  /** Set when the model's input looks channels-last: the `input` statement to write instead (window errors then say so, not "pad the input"). */
  channelsFirstInput?: string;
}

/**
 * What a layer's code generator gets: the identifiers of its buffers in the
 * generated module, and ways to declare more. Every string it returns is code,
 * so it must only interpolate identifiers from here and numbers (via `lit`).
 */
export interface EmitLayer {
  /** Input and output batch buffers, [n][…input] and [n][…output]. */
  x: string;
  y: string;
  /** Gradient of the output (read) and of the input (written; null when nothing needs it). */
  dy: string;
  dx: string | null;
  /** Number of examples in the current batch. */
  n: string;
  /** Largest batch (for geometry built once). */
  batchSize: string;
  input: Shape;
  output: Shape;
  inSize: number;
  outSize: number;
  /** The layer's parameter tensor and its gradient, by parameter name (`weight`, `bias`, `gamma`, `beta`). */
  param(name: string): string;
  grad(name: string): string;
  /** A non-trainable tensor (`mean`, `var`). */
  buffer(name: string): string;
  /** An extra per-batch buffer of `perExample` values (int32 for indices). */
  batchBuffer(suffix: string, perExample: number, kind?: "float" | "int"): string;
  /** An extra fixed-size float buffer. */
  fixedBuffer(suffix: string, size: number): string;
  /** Scratch space shared by all layers (at least `size` values). */
  scratch(size: number): string;
  /** A value computed once when the model is created. */
  constant(suffix: string, expression: string): string;
  /** Was the last forward in training mode. */
  training: string;
  /** The model's seeded random generator. */
  rng: string;
  /** A relu follows and is fused into this layer's forward: `y` is the relu's output (only for emitters with fusesRelu). */
  fusedRelu: boolean;
  /**
   * Non-null when `y` (yStride) or `dy` (dyStride) is a concat branch's slice
   * of the concat's output or its gradient: example b starts at b·stride
   * instead of b·outSize. Only for emitters with `writesSlices` (and the
   * backward of the relu fused into one).
   */
  yStride: number | null;
  dyStride: number | null;
  /**
   * Set only in the inference forward of a convolution with the batchnorm
   * after it folded in (emitters with foldsBatchnorm): y = act(conv·scale +
   * shift), `shift` in place of the bias, `act` the kernel constant of a
   * relu or relu6 after the batchnorm (or null); `y` is the last one's output.
   */
  epilogue?: { scale: string; shift: string; act: string | null };
}

export interface LayerEmitter<A> {
  forward(a: A, e: EmitLayer): string[];
  backward(a: A, e: EmitLayer): string[];
  /** The backward kernel can skip the input gradient (dx = null) when it is the first layer. */
  nullableDx?: boolean;
  /** The forward kernel can apply a following relu itself (conv, fc): the relu layer's forward is then skipped. */
  fusesRelu?: boolean;
  /** At inference, a batchnorm after this layer (and a relu or relu6 after that) can run in its kernel (EmitLayer.epilogue): conv. */
  foldsBatchnorm?: boolean;
  /**
   * The layer (batchnorm) can be folded into the layer before it at
   * inference: code that leaves per-channel `scale` and `shift` such that
   * this layer's output is prev·scale + shift, prev's bias (`bias`, or
   * "null") included in `shift`.
   */
  fold?: (a: A, e: EmitLayer, bias: string) => { code: string[]; scale: string; shift: string };
  /**
   * The kernels can write y and read dy as a slice (EmitLayer.yStride,
   * dyStride): a concat branch ending in this layer (or in a relu fused into
   * it) then writes straight into its slice of the concat's output, uncopied.
   */
  writesSlices?: (a: A) => boolean;
  /**
   * The forward values the backward code reads besides dy: the layer's input
   * `x` (conv, fc, batchnorm; activations that are not monotonic, such as
   * hardswish) and/or its output `y` (relu, sigmoid, softmax, …). Generation
   * fails when backward reads an undeclared one. Every output is kept until
   * backward, except that of a layer whose kernel applies the following relu:
   * so only a relu reading y can be fused.
   */
  backwardReads: readonly ("x" | "y")[];
}

/** A number as a code literal (finite by construction). */
export function lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`internal: non-finite literal ${v}`);
  return Object.is(v, -0) ? "0" : String(v);
}

/** What a layer file writes; `defineLayer` turns it into the registry's LayerDef. */
export interface LayerSpec<A = unknown> {
  kind: string;
  /** The positional words of the usage text, after the kind: `KHxKW xF`. */
  words?: string;
  /**
   * The named options, declared once: the reader takes exactly these, the
   * usage text lists them in this order, and their names and value words
   * (`same`, `xavier`, …) cannot name block parameters.
   */
  options?: OptionSpecs;
  /** Options are joined by `+` (the loss's `+ l2 λ`). */
  plus?: boolean;
  /** Other words with a meaning in this layer's statements (conv's `x`, the loss kinds), reserved like option words. */
  keywords?: readonly string[];
  /** One line for help and docs. */
  doc: string;
  /** Read the statement's words (the options with `r.options()`); undefined after reporting a mistake. */
  read(r: ArgReader): A | undefined;
  /** Output shape for an input shape; undefined after reporting a mistake. */
  infer(a: A, input: Shape, ctx: InferContext): Shape | undefined;
  params?(a: A, input: Shape, output: Shape): ParamSpec[];
  buffers?(a: A, input: Shape, output: Shape): BufferSpec[];
  /** Forward FLOPs per example at inference (a multiply-add counts 2). */
  flops(a: A, input: Shape, output: Shape): number;
  /** Generated forward and backward code (all kinds but `input` and `loss`). */
  emit?: LayerEmitter<A>;
  /** The ONNX operators of the layer at inference (all kinds but `input` and `loss`, which are the graph's input and outputs). */
  onnx?: OnnxMapping<A>;
  /** The PyTorch module of the layer (all kinds but `input` and `loss`, which are the model's input and its loss function). */
  pytorch?: PytorchMapping<A>;
}

export interface LayerDef<A = unknown> extends LayerSpec<A> {
  /** `conv KHxKW xF [stride S] [pad P|same|valid] [nobias] [init he|xavier|normal σ|zeros]`, from the kind, words and options. */
  usage: string;
  options: OptionSpecs;
  keywords: readonly string[];
}

/** A layer kind from its file's description: the usage text is derived, and the reader is told the options before `read` runs. */
export function defineLayer<A>(spec: LayerSpec<A>): LayerDef<A> {
  const options = spec.options ?? {};
  const plus = spec.plus === true;
  const usage = [spec.kind, spec.words ?? "", ...Object.entries(options).map(([name, o]) => optionUsage(name, o, plus))].filter(Boolean).join(" ");
  return {
    ...spec,
    options,
    keywords: spec.keywords ?? [],
    usage,
    read(r) {
      r.declareOptions(options, plus);
      return spec.read(r);
    },
  };
}

/** Words that mean something inside some layer statement: option names, their value words, and layer keywords. */
export function optionWords(defs: Iterable<LayerDef<any>>): Set<string> {
  const words = new Set<string>();
  for (const d of defs) {
    for (const k of d.keywords) words.add(k);
    for (const [name, o] of Object.entries(d.options)) {
      words.add(name);
      for (const v of optionValueWords(o)) words.add(v);
    }
  }
  return words;
}
