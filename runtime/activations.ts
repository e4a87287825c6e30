import { erf } from "./erf.js";
import type { Tensor } from "./tensor.js";

/*
 * Pointwise activations over n elements. Forward: y = f(x); y may alias x
 * (in-place). Backward takes the forward OUTPUT y (not x) plus dy and writes
 * dx; dx may alias dy. Using y means a layer only has to keep its output.
 */

/** Activations a conv or fc kernel can apply to its output (the compiler fuses `conv …, relu`; relu6 only at inference, into convs). */
export const ACT_NONE = 0;
export const ACT_RELU = 1;
/** min(max(x, 0), 6): conv kernels only (`conv …, batchnorm, relu6` at inference). */
export const ACT_RELU6 = 2;
export type Activation = typeof ACT_NONE | typeof ACT_RELU | typeof ACT_RELU6;

/** x[off … off+n) = max(x, 0). */
export function reluInPlace(x: Tensor, off: number, n: number): void {
  for (let i = off; i < off + n; i++) if (!(x[i]! > 0)) x[i] = 0;
}

/**
 * The conv epilogue: x[off … off+n) = act(x·scale + shift) , NaN as the layers treat it (relu: 0, relu6: NaN).
 */
export function affineActInPlace(x: Tensor, off: number, n: number, scale: number, shift: number, act: Activation): void {
  for (let i = off; i < off + n; i++) {
    const v = x[i]! * scale + shift;
    if (act === ACT_RELU) x[i] = v > 0 ? v : 0;
    else if (act === ACT_RELU6) x[i] = v > 0 ? (v < 6 ? v : 6) : v === v ? 0 : v;
    else x[i] = v;
  }
}

/** y = max(x, 0). */
export function reluForward(x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = v > 0 ? v : 0;
  }
}

/** dx = dy where y > 0, else 0. Needs y (forward output). */
export function reluBackward(y: Tensor, dy: Tensor, dx: Tensor, n: number): void {
  for (let i = 0; i < n; i++) dx[i] = y[i]! > 0 ? dy[i]! : 0;
}

/** y = 1 / (1 + exp(-x)), evaluated without overflow for either sign. */
export function sigmoidForward(x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (v >= 0) {
      y[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      y[i] = e / (1 + e);
    }
  }
}

/** dx = dy * y * (1 - y). Needs y (forward output). */
export function sigmoidBackward(y: Tensor, dy: Tensor, dx: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const s = y[i]!;
    dx[i] = dy[i]! * s * (1 - s);
  }
}

/** y = tanh(x). */
export function tanhForward(x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]!);
}

/** dx = dy * (1 - y^2). Needs y (forward output). */
export function tanhBackward(y: Tensor, dy: Tensor, dx: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const t = y[i]!;
    dx[i] = dy[i]! * (1 - t * t);
  }
}

/** y = x if x > 0 else alpha * (exp(x) - 1). alpha must be > 0 (default 1). */
export function eluForward(x: Tensor, y: Tensor, n: number, alpha: number = 1): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = v > 0 ? v : alpha * Math.expm1(v);
  }
}

/**
 * dx = dy if y > 0 else dy * (y + alpha). Needs y (forward output) and the
 * same alpha (> 0, so that y > 0 exactly when x > 0).
 */
export function eluBackward(y: Tensor, dy: Tensor, dx: Tensor, n: number, alpha: number = 1): void {
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    dx[i] = v > 0 ? dy[i]! : dy[i]! * (v + alpha);
  }
}

/** y = x if x > 0 else slope * x. slope must be >= 0 (default 0.01). */
export function leakyReluForward(x: Tensor, y: Tensor, n: number, slope: number = 0.01): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = v > 0 ? v : slope * v;
  }
}

/** dx = dy if y > 0 else slope * dy. Needs y (forward output) and the same slope (>= 0). */
export function leakyReluBackward(y: Tensor, dy: Tensor, dx: Tensor, n: number, slope: number = 0.01): void {
  for (let i = 0; i < n; i++) dx[i] = y[i]! > 0 ? dy[i]! : slope * dy[i]!;
}

/** y = x · relu6(x + 3) / 6 (PyTorch's Hardswish): 0 for x ≤ −3, x for x ≥ 3, x(x + 3)/6 between. */
export function hardswishForward(x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
  }
}

/**
 * dx = dy · (x/3 + 1/2) for −3 ≤ x ≤ 3, dy for x > 3, 0 for x < −3 (PyTorch's
 * choice at the kinks). Needs x (the forward input), not y: hardswish is not
 * monotonic, so its output does not determine the slope.
 */
export function hardswishBackward(x: Tensor, dy: Tensor, dx: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    dx[i] = v < -3 ? 0 : v > 3 ? dy[i]! : dy[i]! * (v / 3 + 0.5); // a NaN x gives NaN
  }
}

/** y = min(max(x, 0), 6) (PyTorch's ReLU6). */
export function relu6Forward(x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = v > 0 ? (v < 6 ? v : 6) : v === v ? 0 : v; // NaN stays NaN
  }
}

/** dx = dy where 0 < y < 6, else 0 (PyTorch's choice at the kinks). Needs y (forward output). */
export function relu6Backward(y: Tensor, dy: Tensor, dx: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    dx[i] = v > 0 && v < 6 ? dy[i]! : 0;
  }
}

/** y = relu6(x + 3)/6 (PyTorch's Hardsigmoid): 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2 between. */
export function hardsigmoidForward(x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i]! + 3, 0), 6) / 6;
}

/** dx = dy/6 where 0 < y < 1 (−3 < x < 3), else 0 (PyTorch's choice at the kinks). Needs y (forward output). */
export function hardsigmoidBackward(y: Tensor, dy: Tensor, dx: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    dx[i] = v > 0 && v < 1 ? dy[i]! / 6 : 0;
  }
}

/** The logistic function 1 / (1 + e^−v) without overflow for either sign. */
function logistic(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** y = x · sigmoid(x) (SiLU, also called swish). */
export function siluForward(x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = v * logistic(v);
  }
}

/** dx = dy · s·(1 + x·(1 − s)), s = sigmoid(x). Needs x (the forward input): silu is not monotonic. */
export function siluBackward(x: Tensor, dy: Tensor, dx: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const s = logistic(v);
    dx[i] = dy[i]! * s * (1 + v * (1 - s));
  }
}

/** y = x · Φ(x) = x · (1 + erf(x/√2)) / 2, GELU with the exact erf (PyTorch's default, approximate "none"). */
export function geluForward(x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    y[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
  }
}

/** dx = dy · (Φ(x) + x·φ(x)), φ the standard normal density. Needs x (the forward input): gelu is not monotonic. */
export function geluBackward(x: Tensor, dy: Tensor, dx: Tensor, n: number): void {
  const invSqrt2Pi = 0.3989422804014327; // 1/√(2π)
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    dx[i] = dy[i]! * (0.5 * (1 + erf(v * Math.SQRT1_2)) + v * invSqrt2Pi * Math.exp(-0.5 * v * v));
  }
}

/**
 * Row-wise softmax over the last dimension: x, y [rows][cols]; numerically
 * stable (subtracts the row max). y may alias x.
 */
export function softmaxForward(x: Tensor, y: Tensor, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = x[o + j]!;
      if (v > mx) mx = v;
    }
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[o + j]! - mx);
      y[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < cols; j++) y[o + j] *= inv;
  }
}

/**
 * Softmax backward: dx_j = y_j * (dy_j - sum_k dy_k * y_k) per row.
 * Needs y (forward output). dx may alias dy.
 */
export function softmaxBackward(y: Tensor, dy: Tensor, dx: Tensor, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[o + j]! * y[o + j]!;
    for (let j = 0; j < cols; j++) dx[o + j] = y[o + j]! * (dy[o + j]! - dot);
  }
}

type ForwardKernel = (x: Tensor, y: Tensor, n: number) => void;
/** `from` is the forward input x or output y, whichever the activation's derivative is computed from. */
type BackwardKernel = (from: Tensor, dy: Tensor, dx: Tensor, n: number) => void;

/**
 * The activations that also have a WebAssembly pair: runtime/wasm/src/eltwise.as.ts
 * exports `<name>Forward(x, y, i0, i1)` and `<name>Backward(from, dy, dx, i0, i1)`,
 * and generated code calls `k.<name>Forward(x, y, n)` on either kernel set.
 * Both kernel sets and the worker threads' job table are built from this one list.
 */
export const KERNEL_ACTIVATIONS = {
  relu: { forward: reluForward, backward: reluBackward },
  hardswish: { forward: hardswishForward, backward: hardswishBackward },
  relu6: { forward: relu6Forward, backward: relu6Backward },
  hardsigmoid: { forward: hardsigmoidForward, backward: hardsigmoidBackward },
  silu: { forward: siluForward, backward: siluBackward },
  gelu: { forward: geluForward, backward: geluBackward },
} as const satisfies Record<string, { forward: ForwardKernel; backward: BackwardKernel }>;

export type KernelActivation = keyof typeof KERNEL_ACTIVATIONS;

/** The kernels of KERNEL_ACTIVATIONS by method name: `reluForward`, `reluBackward`, … */
export type ActivationKernels = { [K in KernelActivation as `${K}Forward`]: ForwardKernel } & { [K in KernelActivation as `${K}Backward`]: BackwardKernel };

/** The methods of a kernel set for every activation of KERNEL_ACTIVATIONS, each pair made by `make`. */
export function activationKernels(make: (name: KernelActivation) => { forward: ForwardKernel; backward: BackwardKernel }): ActivationKernels {
  const methods: Record<string, ForwardKernel | BackwardKernel> = {};
  for (const name of Object.keys(KERNEL_ACTIVATIONS) as KernelActivation[]) {
    const pair = make(name);
    methods[`${name}Forward`] = pair.forward;
    methods[`${name}Backward`] = pair.backward;
  }
  return methods as ActivationKernels;
}
