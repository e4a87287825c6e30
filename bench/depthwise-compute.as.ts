/**
 * The compute bound of a depthwise convolution in 128-bit WebAssembly SIMD
 * without FMA, measured: bench/depthwise.mjs compiles this file on its own
 * (AssemblyScript, -O3, simd) and times each loop on one thread.
 *
 *  - maddPeak: multiply-adds with nothing else, acc = acc + a·w (one
 *    f32x4.mul and one f32x4.add per 4 multiply-adds), eight independent
 *    accumulators so that neither latency nor loads limit it: the most
 *    multiply-adds per second the engine's code reaches;
 *  - taps3x3: the 3x3 inner loop as a direct kernel must run it, over three
 *    rows that stay in L1: per 4 outputs six loads, six shuffles, nine mul,
 *    eight add and one store; outputs per second with the taps' loads
 *    included (a tighter bound than maddPeak; depthwise.as.ts runs this loop
 *    at stride 1: direct3x3s1 on x in place, flat3x3 on the bands).
 */
import { on1, on2 } from "./lanes";

/** n iterations of 8 vector multiply-adds (32 lane multiply-adds each); returns a sum so the work is kept. */
export function maddPeak(n: i32): f32 {
  const w = f32x4.splat(0.999);
  let a0 = f32x4.splat(0.1), a1 = f32x4.splat(0.2), a2 = f32x4.splat(0.3), a3 = f32x4.splat(0.4);
  let a4 = f32x4.splat(0.5), a5 = f32x4.splat(0.6), a6 = f32x4.splat(0.7), a7 = f32x4.splat(0.8);
  const x0 = f32x4.splat(0.01), x1 = f32x4.splat(0.02);
  for (let i = 0; i < n; i++) {
    a0 = f32x4.add(a0, f32x4.mul(x0, w));
    a1 = f32x4.add(a1, f32x4.mul(x1, w));
    a2 = f32x4.add(a2, f32x4.mul(x0, w));
    a3 = f32x4.add(a3, f32x4.mul(x1, w));
    a4 = f32x4.add(a4, f32x4.mul(x0, w));
    a5 = f32x4.add(a5, f32x4.mul(x1, w));
    a6 = f32x4.add(a6, f32x4.mul(x0, w));
    a7 = f32x4.add(a7, f32x4.mul(x1, w));
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 3);
}

/** One filter row for four outputs: two loads, two shuffles, three mul, two add. */
// @ts-ignore: decorator
@inline
function tapRow(q: usize, wa: v128, wb: v128, wc: v128): v128 {
  const v = v128.load(q), u = v128.load(q, 16);
  return f32x4.add(f32x4.add(f32x4.mul(v, wa), f32x4.mul(on1(v, u), wb)), f32x4.mul(on2(v, u), wc));
}

/**
 * reps passes of the 3x3 stride-1 loop: y[j] = Σ w[kh][kw]·x[kh·r + j + kw]
 * for j in [0, n) (n a multiple of 4), rows r floats apart, from the memory
 * at x (3 rows and a few floats more), into y. The form of depthwise.as.ts's
 * flat3x3 at stride 1; measured on this machine, it was faster than nine
 * unaligned loads per block (about 2.0 against 1.6 G outputs/s) and than two
 * blocks per iteration (V8 keeps SIMD values in 16 registers: the nine
 * weights and two accumulators spill).
 */
export function taps3x3(x: usize, y: usize, wc: usize, r: i32, n: i32, reps: i32): void {
  const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
  const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
  const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
  const rb = <usize>r << 2;
  for (let t = 0; t < reps; t++) {
    let p = x, q = y;
    for (let j = 0; j < n; j += 4, p += 16, q += 16) {
      const a = tapRow(p, w0, w1, w2), b = tapRow(p + rb, w3, w4, w5);
      v128.store(q, f32x4.add(f32x4.add(a, b), tapRow(p + 2 * rb, w6, w7, w8)));
    }
  }
}
