/**
 * How a layer kind describes itself in ONNX, as plain data: each layer file's
 * `onnx` mapping adds standard operators (domain "", opset 13 and later)
 * through this context, and export/onnx.ts turns them into the protobuf graph
 * (so checking a spec never loads protobuf). A mapping reproduces the
 * inference-mode semantics of docs/language.md.
 */
import type { Shape } from "../shape.js";

export type OnnxAttribute =
  | { name: string; int: number }
  | { name: string; ints: readonly number[] }
  | { name: string; float: number }
  | { name: string; floats: readonly number[] }
  | { name: string; string: string };

export const int = (name: string, value: number): OnnxAttribute => ({ name, int: value });
export const ints = (name: string, values: readonly number[]): OnnxAttribute => ({ name, ints: values });
export const float = (name: string, value: number): OnnxAttribute => ({ name, float: value });
export const floats = (name: string, values: readonly number[]): OnnxAttribute => ({ name, floats: values });
export const str = (name: string, value: string): OnnxAttribute => ({ name, string: value });

/** A layer's parameters and buffers, as named in `LAYER.<name>`. */
export type TensorName = "weight" | "bias" | "gamma" | "beta" | "mean" | "var";

export interface OnnxContext {
  /** The layer's input value. */
  x: string;
  input: Shape;
  output: Shape;
  /** The opset being written (13 to 21), for operators that newer opsets add. */
  opset: number;
  /** The layer's tensor `LAYER.<name>` as an initializer; undefined if the layer has none by that name (`nobias`). */
  tensor(name: TensorName): string | undefined;
  /** The same, for tensors every such layer has. */
  required(name: TensorName): string;
  /**
   * Add a node and return its output value. Without `part` the node is named
   * like the layer, helper nodes `LAYER.PART`; the last node a mapping adds
   * writes the layer's output.
   */
  op(opType: string, inputs: readonly (string | undefined)[], attributes?: readonly OnnxAttribute[], part?: string): string;
}

export type OnnxMapping<A> = (a: A, c: OnnxContext) => void;

/** One operator on the input, without attributes (Relu, Sigmoid, …). */
export const unaryOp =
  (opType: string): OnnxMapping<unknown> =>
  (_a, c) => {
    c.op(opType, [c.x]);
  };
