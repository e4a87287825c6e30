/**
 * The kernel set's interface, apart from runtime/kernels.ts so the WebAssembly
 * backend (which runtime/kernels.ts creates) can implement it without an
 * import cycle.
 */
import type { Activation, ActivationKernels, KernelActivation } from "./activations.js";
import type { Conv2dParams } from "./conv.js";
import type { Pool2dParams } from "./pool.js";
import type { BilinearTaps } from "./resize.js";
import type { Tensor } from "./tensor.js";

export type KernelKind = "wasm" | "js";

/** Where createModelAsync (runtime/create-async.ts) asks createEngine to hand over the kernels it makes; modelOptions keeps it. */
export const ENGINE_SINK: unique symbol = Symbol("nnspec.engineSink");

/** The layer kernels with a WebAssembly version (with `reluForward`, `reluBackward` and the other KERNEL_ACTIVATIONS); signatures are those of the TypeScript functions. */
export interface Kernels extends ActivationKernels {
  /** Which implementation this is. */
  readonly kind: KernelKind;
  /** Threads the kernels split their work across (1 for "js"). */
  readonly threads: number;
  conv2dForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, scratch: Tensor, p: Conv2dParams, act?: Activation, scale?: Tensor | null): void;
  conv2dBackward(x: Tensor, w: Tensor, dy: Tensor, dx: Tensor | null, dw: Tensor, db: Tensor | null, scratch: Tensor, p: Conv2dParams): void;
  /** `deconv`: runtime/deconv.ts's deconv2dForward (p the geometry of its adjoint convolution). */
  deconv2dForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, scratch: Tensor, p: Conv2dParams): void;
  /** y's rows ys ≥ N values apart (default N; more when y is a slice of a concat's output). */
  fcForward(x: Tensor, w: Tensor, b: Tensor | null, y: Tensor, B: number, M: number, N: number, act?: Activation, ys?: number): void;
  /** dy's rows dys ≥ N values apart (default N). */
  fcBackward(x: Tensor, w: Tensor, dy: Tensor, dx: Tensor | null, dw: Tensor, db: Tensor | null, B: number, M: number, N: number, dys?: number): void;
  maxPoolForward(x: Tensor, y: Tensor, argmax: Int32Array, p: Pool2dParams): void;
  maxPoolBackward(dy: Tensor, argmax: Int32Array, dx: Tensor, p: Pool2dParams): void;
  avgPoolForward(x: Tensor, y: Tensor, p: Pool2dParams): void;
  avgPoolBackward(dy: Tensor, dx: Tensor, p: Pool2dParams): void;
  add(a: Tensor, b: Tensor, out: Tensor, n: number): void;
  /** dst = src over n elements (flatten, dropout in inference). */
  copy(src: Tensor, dst: Tensor, n: number): void;
  /** `concat`: for each of n examples, dst[b·dstStride + dstOffset + i] = src[b·srcStride + srcOffset + i], i < count (runtime/branch.ts). */
  copySlices(src: Tensor, srcStride: number, srcOffset: number, dst: Tensor, dstStride: number, dstOffset: number, count: number, n: number): void;
  /** As copySlices, with dst += src. */
  addSlices(src: Tensor, srcStride: number, srcOffset: number, dst: Tensor, dstStride: number, dstOffset: number, count: number, n: number): void;
  /** Activation `kind` ending a concat branch that writes into its slice: x packed (example b at b·count), y a slice (b·stride; runtime/branch.ts). */
  activationForwardSlices(kind: KernelActivation, x: Tensor, y: Tensor, stride: number, count: number, n: number): void;
  /** Its backward: `from` with examples fromStride apart, dy dyStride apart, dx packed. */
  activationBackwardSlices(kind: KernelActivation, from: Tensor, fromStride: number, dy: Tensor, dyStride: number, dx: Tensor, count: number, n: number): void;
  /** `gate`: y = x ⊙ g over n examples of `channels` runs of `spatial` values, g one value per run (runtime/branch.ts). */
  gateForward(x: Tensor, g: Tensor, y: Tensor, n: number, channels: number, spatial: number): void;
  /** dg = Σ over each run of dy ⊙ x. */
  gateBackwardGate(dy: Tensor, x: Tensor, dg: Tensor, n: number, channels: number, spatial: number): void;
  /** dx += dy ⊙ g. */
  gateBackwardInput(dy: Tensor, g: Tensor, dx: Tensor, n: number, channels: number, spatial: number): void;
  /** `upsample S nearest`: runtime/resize.ts's kernels over `planes` planes of H x W. */
  upsampleNearestForward(x: Tensor, y: Tensor, planes: number, H: number, W: number, S: number): void;
  upsampleNearestBackward(dy: Tensor, dx: Tensor, planes: number, H: number, W: number, S: number): void;
  /** `upsample S bilinear` (rows = bilinearTaps(H, S), cols = bilinearTaps(W, S)). */
  upsampleBilinearForward(x: Tensor, y: Tensor, planes: number, rows: BilinearTaps, cols: BilinearTaps): void;
  upsampleBilinearBackward(dy: Tensor, dx: Tensor, planes: number, rows: BilinearTaps, cols: BilinearTaps): void;
  /** `adaptiveavgpool HxW`: runtime/adaptive-pool.ts's kernels over `planes` planes of H0 x W0 to H x W. */
  adaptiveAvgPoolForward(x: Tensor, y: Tensor, planes: number, H0: number, W0: number, H: number, W: number): void;
  adaptiveAvgPoolBackward(dy: Tensor, dx: Tensor, planes: number, H0: number, W0: number, H: number, W: number): void;
  /** `adaptivemaxpool HxW`. */
  adaptiveMaxPoolForward(x: Tensor, y: Tensor, argmax: Int32Array, planes: number, H0: number, W0: number, H: number, W: number): void;
  adaptiveMaxPoolBackward(dy: Tensor, argmax: Int32Array, dx: Tensor, inputs: number, outputs: number): void;
  /** `padchannels`, `channels A:B`, `shuffle G` and their gradients: runtime/channels.ts's copies. */
  channelEmbed(src: Tensor, dst: Tensor, n: number, srcC: number, dstC: number, offset: number, hw: number): void;
  channelExtract(src: Tensor, dst: Tensor, n: number, srcC: number, dstC: number, offset: number, hw: number): void;
  channelShuffle(src: Tensor, dst: Tensor, n: number, C: number, groups: number, hw: number): void;
  /** Batchnorm at inference: y = x·scale[c] + shift[c] over n examples of `channels` runs of `spatial` values (runtime/batchnorm.ts); y's examples yStride apart (default channels·spatial). */
  channelAffine(x: Tensor, y: Tensor, scale: Tensor, shift: Tensor, n: number, channels: number, spatial: number, yStride?: number): void;
  /** `globalavgpool`: runtime/pool.ts's kernels over B·C planes of HW values. */
  globalAvgPoolForward(x: Tensor, y: Tensor, B: number, C: number, HW: number): void;
  globalAvgPoolBackward(dy: Tensor, dx: Tensor, B: number, C: number, HW: number): void;
  /** The bias gradient of `deconv`: runtime/deconv.ts's channelSums. */
  channelSums(t: Tensor, out: Tensor, B: number, C: number, plane: number): void;
  /** Stops worker threads (the kernels must not be used afterwards). */
  dispose(): void;
  /** Starts every worker thread now and resolves when all are ready (createModelAsync awaits it). */
  ready(): Promise<void>;
}

/** Sizes from the compiler's memory plan. */
export interface PlanSizes {
  /** Float elements of the arena (parameters, gradients, activations, scratch). */
  floats: number;
  /** Int32 elements (max-pooling argmax). */
  ints: number;
  /** Floats of the convolution scratch, at least one image's im2col matrix (each extra thread gets its own). */
  scratch: number;
  /** Floats of the largest conv weight (each extra thread keeps partial weight and bias gradients of this size). */
  convParams: number;
}
