/**
 * Elementwise kernels for WebAssembly (AssemblyScript), 128-bit SIMD, over
 * the elements [i0, i1) so that threads can split them. Pointers are byte
 * offsets (16-byte aligned arena buffers run fastest but any 4-aligned works).
 */
import { erf64 } from "./erf.as";

/** y = max(x, 0) (y may alias x). */
export function reluForward(x: usize, y: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, max(load<f32>(x + o), <f32>0));
  }
}

/** dx = dy where y > 0, else 0 (dx may alias dy). */
export function reluBackward(y: usize, dy: usize, dx: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** y = x · min(max(x + 3, 0), 6) / 6, hardswish (y may alias x; NaN stays NaN). */
export function hardswishForward(x: usize, y: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  const three = f32x4.splat(3);
  const six = f32x4.splat(6);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(y + o, f32x4.div(f32x4.mul(v, f32x4.min(f32x4.max(f32x4.add(v, three), zero), six)), six));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, (v * min(max(v + 3, <f32>0), <f32>6)) / 6);
  }
}

/** dx = dy · (x/3 + 1/2) for −3 ≤ x ≤ 3, dy above, 0 below; from the forward input x (dx may alias dy). */
export function hardswishBackward(x: usize, dy: usize, dx: usize, i0: i32, i1: i32): void {
  const lo = f32x4.splat(-3);
  const hi = f32x4.splat(3);
  const half = f32x4.splat(0.5);
  const one = f32x4.splat(1);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const slope = v128.bitselect(one, f32x4.add(f32x4.div(v, hi), half), f32x4.gt(v, hi));
    v128.store(dx + o, v128.andnot(f32x4.mul(v128.load(dy + o), slope), f32x4.lt(v, lo)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    const g = load<f32>(dy + o);
    store<f32>(dx + o, v < -3 ? 0 : v > 3 ? g : g * (v / 3 + <f32>0.5));
  }
}

/** out = a + b (out may alias a or b). */
export function add(a: usize, b: usize, out: usize, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** dst = src over n floats (one call: memory.copy runs at memory speed on one thread). */
export function copy(src: usize, dst: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

/**
 * A grid of A x B runs of len floats: run (a, b) copies src + (a·sA + b·sB)
 * floats to dst + (a·dA + b·dB) floats (a channel shuffle of one image: the
 * groups by the channels of each).
 */
export function copyRuns(src: usize, dst: usize, len: i32, A: i32, B: i32, sA: i32, sB: i32, dA: i32, dB: i32): void {
  const bytes = <usize>len << 2;
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) memory.copy(dst + (<usize>(a * dA + b * dB) << 2), src + (<usize>(a * sA + b * sB) << 2), bytes);
  }
}

/** y = min(max(x, 0), 6), relu6 (y may alias x; NaN stays NaN). */
export function relu6Forward(x: usize, y: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  const six = f32x4.splat(6);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), zero), six));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min(max(load<f32>(x + o), <f32>0), <f32>6));
  }
}

/** dx = dy where 0 < y < 6, else 0 (dx may alias dy). */
export function relu6Backward(y: usize, dy: usize, dx: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  const six = f32x4.splat(6);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(y + o);
    v128.store(dx + o, v128.and(v128.load(dy + o), v128.and(f32x4.gt(v, zero), f32x4.lt(v, six))));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o);
    store<f32>(dx + o, v > 0 && v < 6 ? load<f32>(dy + o) : 0);
  }
}

/** y = min(max(x + 3, 0), 6) / 6, hardsigmoid (y may alias x; NaN stays NaN). */
export function hardsigmoidForward(x: usize, y: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  const three = f32x4.splat(3);
  const six = f32x4.splat(6);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.div(f32x4.min(f32x4.max(f32x4.add(v128.load(x + o), three), zero), six), six));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min(max(load<f32>(x + o) + 3, <f32>0), <f32>6) / 6);
  }
}

/** dx = dy/6 where 0 < y < 1, else 0 (dx may alias dy). */
export function hardsigmoidBackward(y: usize, dy: usize, dx: usize, i0: i32, i1: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const six = f32x4.splat(6);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(y + o);
    v128.store(dx + o, v128.and(f32x4.div(v128.load(dy + o), six), v128.and(f32x4.gt(v, zero), f32x4.lt(v, one))));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o);
    store<f32>(dx + o, v > 0 && v < 1 ? load<f32>(dy + o) / 6 : 0);
  }
}

/** The logistic function in double precision, without overflow for either sign. */
function logistic64(v: f64): f64 {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** y = x · sigmoid(x), silu (scalar: wasm SIMD has no exp). */
export function siluForward(x: usize, y: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(x + o);
    store<f32>(y + o, <f32>(v * logistic64(v)));
  }
}

/** dx = dy · s·(1 + x·(1 − s)), s = sigmoid(x); from the forward input x (dx may alias dy). */
export function siluBackward(x: usize, dy: usize, dx: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(x + o);
    const s = logistic64(v);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dy + o) * s * (1 + v * (1 - s))));
  }
}

/** y = x · (1 + erf(x/√2)) / 2, gelu with the exact erf (scalar, in double precision). */
export function geluForward(x: usize, y: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(x + o);
    store<f32>(y + o, <f32>(0.5 * v * (1 + erf64(v * Math.SQRT1_2))));
  }
}

/** dx = dy · (Φ(x) + x·φ(x)); from the forward input x (dx may alias dy). */
export function geluBackward(x: usize, dy: usize, dx: usize, i0: i32, i1: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(x + o);
    const d = 0.5 * (1 + erf64(v * Math.SQRT1_2)) + v * 0.3989422804014327 * Math.exp(-0.5 * v * v);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dy + o) * d));
  }
}
