/**
 * How a layer kind describes itself in PyTorch, as plain text: each layer
 * file's `pytorch` mapping gives the Python expression that constructs its
 * module (a `torch.nn` module, or one of the small classes of
 * export/pytorch-prelude.ts, which it names in `uses`), and
 * export/pytorch.ts assembles the `nn.Module`. Its forward is always
 * `module(x)`. A mapping reproduces the semantics of docs/language.md in
 * training and at inference (dropout, batchnorm statistics), and its module's
 * parameters and buffers carry nnspec's names (`weight`, `bias`, `gamma`,
 * `beta`, `mean`, `var`). Only numbers (through `py`) and fixed text go into
 * the expression: nothing from the spec's text.
 */
import type { Shape } from "../shape.js";

/** The classes export/pytorch-prelude.ts defines (written into the module only when a layer uses them). */
export type PreludeClass = "Scope" | "BatchNorm" | "GlobalAvgPool" | "PadChannels" | "Channels" | "Shuffle";

export interface PytorchContext {
  input: Shape;
  output: Shape;
}

export interface PytorchModule {
  /** Python expression constructing the module, e.g. `nn.Conv2d(1, 6, (5, 5), padding=(2, 2))`. */
  module: string;
  uses?: readonly PreludeClass[];
}

export type PytorchMapping<A> = (a: A, c: PytorchContext) => PytorchModule;

/** A number as a Python literal (finite by construction): `0.1`, `1e-05`, `3`. */
export function py(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`internal: non-finite literal ${v}`);
  return Object.is(v, -0) ? "0" : String(v);
}

/** A pair as a Python tuple: `(3, 3)`. */
export const pair = (v: readonly [number, number] | readonly number[]): string => `(${v.map(py).join(", ")})`;

/** A Python boolean. */
export const bool = (v: boolean): string => (v ? "True" : "False");

/** A module without arguments (`nn.ReLU()`) or with them. */
export const torchModule =
  (expression: string): PytorchMapping<unknown> =>
  () => ({ module: expression });
