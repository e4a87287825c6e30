/**
 * A checked model and its weights → an ONNX model (protobuf bytes).
 *
 * The graph has one input `input` [batch, …input shape] with a symbolic batch
 * dimension "batch", and its outputs by loss: `logits` and `probabilities`
 * (Softmax over axis 1) for `loss softmax`, `output` for `loss mse` or no
 * loss. Nodes carry the spec's layer names (helper nodes `LAYER.PART`, the
 * probabilities `probabilities`); every parameter and buffer is a float32
 * initializer under its nnspec name (`conv1.weight`, `bn1.mean`), raw_data
 * little-endian. The same model and weights always give the same bytes.
 * Each layer's operators come from its kind's own `onnx` mapping.
 *
 * A protobuf message, so an ONNX file, holds at most 2 GiB: `exportOnnx`
 * refuses weights over INLINE_WEIGHTS_LIMIT, and
 * `exportOnnxWithExternalData` puts the initializers in a data file beside
 * the model instead (external-data.ts), for a model of any size.
 */
import { allLayers, childLists, type CheckedModel, type LayerNode, type Node } from "../model.js";
import { numel } from "../shape.js";
import type { Names } from "../names.js";
import type { OnnxAttribute, OnnxContext } from "../layers/onnx.js";
import { onnx, OnnxGraph, float, floats, inlineStore, int, ints, str, type Attribute, type TensorStore } from "./graph.js";
import { ExternalDataBuilder, type ExternalData } from "./external-data.js";
import { SPEC_KEYS } from "../../runtime/spec-identity.js";

export const MIN_OPSET = 13;
export const MAX_OPSET = 21;
export const DEFAULT_OPSET = 13;

/** The IR version released with each opset (onnx 1.8: opset 13, IR 7 … onnx 1.16: opset 21, IR 10). */
export function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** The model cannot be exported; names the layer (and tensor) when there is one. */
export class ExportError extends Error {
  readonly layer: string | undefined;
  constructor(message: string, layer?: string) {
    super(message);
    this.name = "ExportError";
    this.layer = layer;
  }
}

export interface ExportOptions {
  /** ONNX opset, 13 to 21 (default 13). */
  opset?: number;
  /** Recorded as producer_version. */
  producerVersion?: string;
  /** sha256 of the spec text (runtime `specHash`), recorded in metadata_props as nnspec.spec_sha256. */
  specHash?: string;
  /** sha256 of the spec's words (compiler/spec-words.ts), recorded as nnspec.spec_words_sha256. */
  specWordsHash?: string;
}

/**
 * The most bytes of weights `exportOnnx` puts inside the model: 2 GiB (the
 * protobuf limit, 2^31-1 bytes) less 128 MiB for the graph. Above it, export
 * with external data.
 */
export const INLINE_WEIGHTS_LIMIT = 2 ** 31 - 2 ** 27;

/** The bytes the model's parameters and buffers take as float32 initializers. */
export function weightBytes(model: Pick<CheckedModel, "nodes">): number {
  let n = 0;
  for (const layer of allLayers(model.nodes)) for (const t of [...layer.params, ...layer.buffers]) n += numel(t.shape);
  return 4 * n;
}

/** An ONNX model whose initializers are in an external data file. */
export interface OnnxWithExternalData {
  /** The model file's bytes (the graph, initializers pointing into the data file). */
  model: Uint8Array;
  /** The data file: write it as `data.location` in the model file's folder. */
  data: ExternalData;
}

/** The graph's output names for a model. */
export function onnxOutputNames(model: Pick<CheckedModel, "loss">): string[] {
  return model.loss?.kind === "softmax" ? ["logits", "probabilities"] : ["output"];
}

/**
 * Export `model` with `tensors` (every parameter and buffer by its full name,
 * as in a compiled model's `params` and `buffers` or a weights file), converted
 * to float32. Throws ExportError for a layer that cannot be exported, a
 * missing, mis-sized or non-finite tensor, or weights over
 * INLINE_WEIGHTS_LIMIT (use exportOnnxWithExternalData).
 */
export function exportOnnx(model: CheckedModel, tensors: Readonly<Record<string, ArrayLike<number>>>, options: ExportOptions = {}): Uint8Array {
  const bytes = weightBytes(model);
  if (bytes > INLINE_WEIGHTS_LIMIT)
    throw new ExportError(
      `model ${model.name} has ${gib(bytes)} GiB of weights, more than one ONNX file holds (2 GiB with the graph); export it with external data (exportOnnxWithExternalData)`,
    );
  return build(model, tensors, options, inlineStore);
}

/**
 * exportOnnx with every initializer in an external data file named
 * `location` (a plain file name, e.g. `model.onnx.data` for `model.onnx`),
 * for a model of any size (see external-data.ts for the layout).
 */
export function exportOnnxWithExternalData(
  model: CheckedModel,
  tensors: Readonly<Record<string, ArrayLike<number>>>,
  options: ExportOptions & { location: string },
): OnnxWithExternalData {
  const data = new ExternalDataBuilder(options.location);
  const bytes = build(model, tensors, options, data.store);
  return { model: bytes, data: data.finish() };
}

const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(2);

function build(model: CheckedModel, tensors: Readonly<Record<string, ArrayLike<number>>>, options: ExportOptions, store: TensorStore): Uint8Array {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) throw new RangeError(`opset must be a whole number from ${MIN_OPSET} to ${MAX_OPSET}, not ${opset}`);
  const g = new OnnxGraph(store);
  const outputs = onnxOutputNames(model);
  g.values.reserve("input");
  for (const o of outputs) g.values.reserve(o);
  reserveNames(model.nodes, g.nodeNames);
  for (const layer of allLayers(model.nodes)) for (const t of [...layer.params, ...layer.buffers]) g.values.reserve(`${layer.name}.${t.name}`);

  const main = outputs[0]!;
  const last = chain(g, model.nodes, "input", tensors, opset, main);
  if (last !== main) g.node("Identity", g.nodeNames.unique(main), [last], main); // a model without layers
  if (model.loss?.kind === "softmax") g.node("Softmax", g.nodeNames.unique("probabilities"), [main], "probabilities", [int("axis", 1)]);

  const metadataProps = [{ key: "nnspec.model", value: model.name }];
  for (const k of ["specHash", "specWordsHash"] as const) if (options[k] !== undefined) metadataProps.push({ key: SPEC_KEYS[k], value: options[k] });
  const proto = onnx.ModelProto.create({
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: "", version: opset }],
    producerName: "nnspec",
    producerVersion: options.producerVersion ?? "",
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo("input", model.inputShape)],
      output: outputs.map((o) => valueInfo(o, model.outputShape)),
    },
    metadataProps,
  });
  return onnx.ModelProto.encode(proto).finish();
}

function valueInfo(name: string, shape: readonly number[]) {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: "batch" }, ...shape.map((d) => ({ dimValue: d }))] } } },
  };
}

function reserveNames(nodes: readonly Node[], names: Names): void {
  for (const n of nodes) {
    names.reserve(n.name);
    for (const list of childLists(n)) reserveNames(list, names);
  }
}

/** Add `nodes` reading `x`; the last one writes `y` when given. Returns the final value. */
function chain(g: OnnxGraph, nodes: readonly Node[], x: string, tensors: Readonly<Record<string, ArrayLike<number>>>, opset: number, y?: string): string {
  let value = x;
  nodes.forEach((n, i) => {
    const out = y !== undefined && i === nodes.length - 1 ? y : g.values.unique(n.name);
    if (n.type === "layer") layer(g, n, value, out, tensors, opset);
    else if (n.type === "residual") {
      const body = chain(g, n.body, value, tensors, opset);
      const shortcut = n.shortcut ? chain(g, n.shortcut, value, tensors, opset) : value;
      g.node("Add", n.name, [body, shortcut], out);
    } else if (n.type === "concat") {
      const parts = n.branches.map((b) => (b.length ? chain(g, b, value, tensors, opset) : value));
      g.node("Concat", n.name, parts, out, [int("axis", 1)]);
    } else {
      let gate = chain(g, n.body, value, tensors, opset);
      if (n.input.length === 3 && n.body[n.body.length - 1]!.output.length === 1) {
        // (B, C) → (B, C, 1, 1), which Mul broadcasts over H and W
        const axes = g.int64Initializer(g.values.unique(`${n.name}.axes`), [2, 3]);
        gate = g.node("Unsqueeze", g.nodeNames.unique(`${n.name}.unsqueeze`), [gate, axes], g.values.unique(`${n.name}.unsqueeze.out`));
      }
      g.node("Mul", n.name, [value, gate], out);
    }
    value = out;
  });
  return value;
}

/** The first index whose value is not a finite float32, -1 if none (only comparisons in the loop: a value used in a message there is boxed on every step). */
function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(Math.fround(data[i]!))) return i;
  return -1;
}

/** An attribute as the layer describes it, as protobuf. */
function attribute(a: OnnxAttribute): Attribute {
  if ("int" in a) return int(a.name, a.int);
  if ("ints" in a) return ints(a.name, a.ints);
  if ("floats" in a) return floats(a.name, a.floats);
  if ("string" in a) return str(a.name, a.string);
  return float(a.name, a.float);
}

function layer(g: OnnxGraph, n: LayerNode, x: string, y: string, tensors: Readonly<Record<string, ArrayLike<number>>>, opset: number): void {
  const where = `layer ${n.name} (${n.kind}, line ${n.line})`;
  const mapping = n.def.onnx;
  if (!mapping) throw new ExportError(`${where} cannot be exported to ONNX: no ONNX operator is defined for \`${n.kind}\``, n.name);
  const added = new Set<string>();
  const tensor = (name: string): string | undefined => {
    const spec = n.params.find((p) => p.name === name) ?? n.buffers.find((b) => b.name === name);
    if (!spec) return undefined;
    const key = `${n.name}.${name}`;
    if (added.has(key)) return key;
    const data = Object.prototype.hasOwnProperty.call(tensors, key) ? tensors[key] : undefined;
    if (!data) throw new ExportError(`${where} cannot be exported: no values for tensor ${key}`, n.name);
    const count = numel(spec.shape);
    if (data.length !== count) throw new ExportError(`${where} cannot be exported: tensor ${key} has ${data.length} values, its shape [${spec.shape.join(", ")}] needs ${count}`, n.name);
    const bad = firstNonFinite(data);
    if (bad >= 0) throw new ExportError(`${where} cannot be exported: tensor ${key} has the value ${data[bad]} at index ${bad}, not a finite float32`, n.name);
    added.add(key);
    return g.initializer(key, spec.shape, data);
  };
  // Nodes are held back by one, so that the mapping's last node writes `y`
  // and the others fresh values (`LAYER.out`, `LAYER.PART.out`).
  let pending: { opType: string; name: string; inputs: string[]; attributes: readonly Attribute[]; output: string } | undefined;
  const flush = (output: string) => {
    if (pending) g.node(pending.opType, pending.name, pending.inputs, output, pending.attributes);
    pending = undefined;
  };
  const c: OnnxContext = {
    x,
    input: n.input,
    output: n.output,
    opset,
    tensor: (name) => tensor(name),
    required(name) {
      const t = tensor(name);
      if (t === undefined) throw new ExportError(`${where} cannot be exported: it has no ${name} tensor`, n.name);
      return t;
    },
    op(opType, inputs, attributes = [], part) {
      flush(pending?.output ?? "");
      const name = part === undefined ? n.name : g.nodeNames.unique(`${n.name}.${part}`);
      const list = inputs.map((v) => v ?? ""); // "" marks an omitted optional input
      while (list.length && list[list.length - 1] === "") list.pop();
      pending = { opType, name, inputs: list, attributes: attributes.map(attribute), output: g.values.unique(`${name}.out`) };
      return pending.output;
    },
  };
  mapping(n.attrs, c);
  if (!pending) throw new ExportError(`${where} cannot be exported: its ONNX mapping added no operator`, n.name);
  flush(y);
}
