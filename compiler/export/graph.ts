/**
 * A small builder for an ONNX graph: nodes, float32 initializers and unique
 * names, on top of onnx-proto's message types. Nothing here knows about
 * nnspec layers: each layer kind's file describes its operators (its `onnx`
 * mapping, see compiler/layers/onnx.ts), and onnx.ts adds them here.
 */
import onnxProto from "onnx-proto";
import { Names } from "../names.js";

export const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
export type Attribute = IAttributeProto;

const A = onnx.AttributeProto.AttributeType;

export const int = (name: string, value: number): Attribute => ({ name, type: A.INT, i: value });
export const ints = (name: string, values: readonly number[]): Attribute => ({ name, type: A.INTS, ints: [...values] });
export const float = (name: string, value: number): Attribute => ({ name, type: A.FLOAT, f: value });
export const floats = (name: string, values: readonly number[]): Attribute => ({ name, type: A.FLOATS, floats: [...values] });
export const str = (name: string, value: string): Attribute => ({ name, type: A.STRING, s: new TextEncoder().encode(value) });

/** float32 values as ONNX raw_data: little-endian, whatever the host's byte order. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

/** Where an initializer's values go: the TensorProto fields that hold or point to them. */
export type TensorStore = (values: ArrayLike<number>) => ITensorProto;

/** Values inside the model, as raw_data. */
export const inlineStore: TensorStore = (values) => ({ rawData: float32Bytes(values) });

export class OnnxGraph {
  constructor(private readonly store: TensorStore = inlineStore) {}

  readonly nodes: INodeProto[] = [];
  readonly initializers: ITensorProto[] = [];
  /** Value names (graph inputs and outputs, node outputs, initializers) share one namespace. */
  readonly values = new Names();
  readonly nodeNames = new Names();

  /** Append a node; its name and output must already be unique (see `values` and `nodeNames`). */
  node(opType: string, name: string, inputs: readonly string[], output: string, attributes: readonly Attribute[] = []): string {
    const node: INodeProto = { name, opType, domain: "", input: [...inputs], output: [output] };
    if (attributes.length) node.attribute = [...attributes];
    this.nodes.push(node);
    return output;
  }

  /** A small int64 initializer (axes, shapes), always inside the model (the name must be reserved in `values` already). */
  int64Initializer(name: string, values: readonly number[]): string {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: bytes });
    return name;
  }

  /** A float32 initializer (the name must be reserved in `values` already), its values where the graph's store puts them. */
  initializer(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    this.initializers.push({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, ...this.store(values) });
    return name;
  }
}
