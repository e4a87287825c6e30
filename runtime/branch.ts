/**
 * Kernels of the structural nodes `concat { branch { … } … }` and
 * `gate { … }`, over a batch laid out channels first: example b of a tensor
 * with `stride` values per example starts at b·stride.
 */
import { KERNEL_ACTIVATIONS, type KernelActivation } from "./activations.js";
import type { Tensor } from "./tensor.js";

/**
 * For each of n examples, copy `count` values from src (example stride
 * srcStride, starting at srcOffset) to dst (dstStride, dstOffset). A branch's
 * output is one contiguous run per example inside the concat's output, so
 * joining (forward) and splitting the gradient (backward) are both this copy.
 */
export function copySlices(src: Tensor, srcStride: number, srcOffset: number, dst: Tensor, dstStride: number, dstOffset: number, count: number, n: number): void {
  for (let b = 0; b < n; b++) {
    const s = b * srcStride + srcOffset;
    const d = b * dstStride + dstOffset;
    for (let i = 0; i < count; i++) dst[d + i] = src[s + i]!;
  }
}

/** As copySlices, but dst += src (the gradient of an identity branch, `branch { }`, added to the concat's input gradient). */
export function addSlices(src: Tensor, srcStride: number, srcOffset: number, dst: Tensor, dstStride: number, dstOffset: number, count: number, n: number): void {
  for (let b = 0; b < n; b++) {
    const s = b * srcStride + srcOffset;
    const d = b * dstStride + dstOffset;
    for (let i = 0; i < count; i++) dst[d + i] += src[s + i]!;
  }
}

/**
 * Activation `kind` as the last layer of a concat branch that writes straight
 * into its slice of the concat's output: x is packed (example b at b·count),
 * y a slice (b·stride).
 */
export function activationForwardSlices(kind: KernelActivation, x: Tensor, y: Tensor, stride: number, count: number, n: number): void {
  const forward = KERNEL_ACTIVATIONS[kind].forward;
  for (let b = 0; b < n; b++) forward(x.subarray(b * count, (b + 1) * count), y.subarray(b * stride, b * stride + count), count);
}

/**
 * Its backward: `from` (the forward input or output, whichever the kind's
 * derivative reads) has examples fromStride apart, dy dyStride apart (a
 * slice of the concat's gradient), dx is packed (b·count).
 */
export function activationBackwardSlices(kind: KernelActivation, from: Tensor, fromStride: number, dy: Tensor, dyStride: number, dx: Tensor, count: number, n: number): void {
  const backward = KERNEL_ACTIVATIONS[kind].backward;
  for (let b = 0; b < n; b++) {
    const f = b * fromStride;
    const d = b * dyStride;
    backward(from.subarray(f, f + count), dy.subarray(d, d + count), dx.subarray(b * count, (b + 1) * count), count);
  }
}

/**
 * y = x ⊙ g for n examples of `channels` runs of `spatial` values: g holds one
 * value per run (channels per example), broadcast over its run. A gate whose
 * body gives x's own shape is channels = all values, spatial = 1.
 */
export function gateForward(x: Tensor, g: Tensor, y: Tensor, n: number, channels: number, spatial: number): void {
  for (let r = 0; r < n * channels; r++) {
    const gv = g[r]!;
    const o = r * spatial;
    for (let s = 0; s < spatial; s++) y[o + s] = x[o + s]! * gv;
  }
}

/** dg = Σ over each run of dy ⊙ x (the gradient reaching the gate's body). */
export function gateBackwardGate(dy: Tensor, x: Tensor, dg: Tensor, n: number, channels: number, spatial: number): void {
  for (let r = 0; r < n * channels; r++) {
    const o = r * spatial;
    let sum = 0;
    for (let s = 0; s < spatial; s++) sum += dy[o + s]! * x[o + s]!;
    dg[r] = sum;
  }
}

/** dx += dy ⊙ g (the direct path of x; the body's own input gradient is already in dx). */
export function gateBackwardInput(dy: Tensor, g: Tensor, dx: Tensor, n: number, channels: number, spatial: number): void {
  for (let r = 0; r < n * channels; r++) {
    const gv = g[r]!;
    const o = r * spatial;
    for (let s = 0; s < spatial; s++) dx[o + s] += dy[o + s]! * gv;
  }
}
