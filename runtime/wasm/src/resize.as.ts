/**
 * Upsampling by a whole factor S for WebAssembly: the semantics of
 * runtime/resize.ts (nearest; bilinear with align_corners false). Geometry g:
 * Slot.H and Slot.W (the input plane), Slot.SH (the factor S). Each call
 * covers the planes (image, channel pairs) [p0, p1), so threads split a batch.
 */
import { gi, Slot } from "./geometry.as";

/** y = each value of x repeated over an S x S block (S = 2: four values at a time, SIMD). */
export function upsampleNearestForward(x: usize, y: usize, g: usize, p0: i32, p1: i32): void {
  const H = gi(g, Slot.H), W = gi(g, Slot.W), S = gi(g, Slot.SH);
  const rowBytes = <usize>(W * S) << 2;
  for (let r = p0 * H; r < p1 * H; r++) {
    const src = x + (<usize>(r * W) << 2);
    const dst = y + <usize>(r * S) * rowBytes;
    let w = 0;
    if (S == 2) {
      for (; w + 4 <= W; w += 4) {
        const v = v128.load(src + (<usize>w << 2));
        v128.store(dst + (<usize>w << 3), v128.shuffle<f32>(v, v, 0, 0, 1, 1));
        v128.store(dst + (<usize>w << 3), v128.shuffle<f32>(v, v, 2, 2, 3, 3), 16);
      }
    }
    for (; w < W; w++) {
      const v = load<f32>(src + (<usize>w << 2));
      const d = dst + (<usize>(w * S) << 2);
      for (let s = 0; s < S; s++) store<f32>(d + (<usize>s << 2), v);
    }
    // The other S − 1 output rows repeat the first.
    for (let s = 1; s < S; s++) memory.copy(dst + <usize>s * rowBytes, dst, rowBytes);
  }
}

/** dx = the sum of dy over each S x S block (overwrites dx; S = 2: SIMD). */
export function upsampleNearestBackward(dy: usize, dx: usize, g: usize, p0: i32, p1: i32): void {
  const H = gi(g, Slot.H), W = gi(g, Slot.W), S = gi(g, Slot.SH);
  const OW = W * S;
  const rowBytes = <usize>OW << 2;
  for (let r = p0 * H; r < p1 * H; r++) {
    const out = dx + (<usize>(r * W) << 2);
    const block = dy + <usize>(r * S) * rowBytes;
    let w = 0;
    if (S == 2) {
      for (; w + 4 <= W; w += 4) {
        const q = block + (<usize>w << 3);
        const a = f32x4.add(v128.load(q), v128.load(q + rowBytes));
        const b = f32x4.add(v128.load(q, 16), v128.load(q + rowBytes, 16));
        v128.store(out + (<usize>w << 2), f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7)));
      }
    }
    for (; w < W; w++) {
      let sum: f32 = 0;
      for (let i = 0; i < S; i++) {
        const q = block + <usize>i * rowBytes + (<usize>(w * S) << 2);
        for (let j = 0; j < S; j++) sum += load<f32>(q + (<usize>j << 2));
      }
      store<f32>(out + (<usize>w << 2), sum);
    }
  }
}

/**
 * The source coordinate of output o along an axis upsampled by S
 * (align_corners false: (o + 0.5) / S − 0.5, clamped at 0) as o·(1/S) + c,
 * c = 0.5/S − 0.5: a multiply-add, no division. Where it rounds differently
 * from the division, at whole coordinates, the interpolation is continuous:
 * the two neighbours' weights become 1 − ε and ε instead of 1 and 0.
 */
@inline function sourceOf(o: i32, invS: f32, c: f32): f32 {
  const src = <f32>o * invS + c;
  return src > 0 ? src : 0;
}

/**
 * The bilinear walk over planes [p0, p1): `adjoint` false writes each output
 * of `out` from its four taps in img; true adds each value of `out` to its
 * four taps in img (a gradient: the caller zeroes img). One walk for both
 * keeps them each other's adjoint. Along a row, output column w·S + r reads
 * input columns w + d and w + d + 1 with weights that depend on the phase r
 * only: the walk goes phase by phase, the first and last columns (clamped
 * taps) apart, four columns at a time with SIMD (the scalar loop's
 * arithmetic, in its order, lane by lane).
 */
// @ts-ignore: decorator
@inline
function bilinearWalk(img: usize, out: usize, g: usize, p0: i32, p1: i32, adjoint: bool): void {
  const H = gi(g, Slot.H), W = gi(g, Slot.W), S = gi(g, Slot.SH);
  const OH = H * S, OW = W * S;
  const invS = <f32>1 / <f32>S, c = <f32>0.5 * invS - <f32>0.5;
  const last = <usize>(W - 1) << 2;
  for (let p = p0; p < p1; p++) {
    const base = img + (<usize>(p * H * W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const sh = sourceOf(oh, invS, c);
      const ih = min(<i32>sh, H - 1);
      const h1 = sh - <f32>ih, h0 = <f32>1 - h1;
      const r0 = base + (<usize>(ih * W) << 2);
      const r1 = ih < H - 1 ? r0 + (<usize>W << 2) : r0;
      const row = out + (<usize>((p * OH + oh) * OW) << 2);
      // S = 2 forward: columns 1 … start − 1 of both phases (and phase 1's column 0) with vector stores; the phase loops do the rest.
      const start = S == 2 && !adjoint ? bilinear2Row(r0, r1, row, W, h0, h1, invS, c) : 0;
      for (let r = 0; r < S; r++) {
        // Phase r: source w + f; below 0 the lower tap is the column before.
        const f = <f32>r * invS + c;
        const d = f < 0 ? -1 : 0;
        const w1 = f < 0 ? f + 1 : f, w0 = <f32>1 - w1;
        const lo = d < 0 ? 1 : 0;
        const hi = d < 0 ? W : W - 1;
        const step = <usize>S << 2;
        let w = start > lo ? start : lo;
        let q = row + (<usize>(w * S + r) << 2);
        let a = (<usize>(w + d) << 2);
        // Four columns at a time: their taps are the four values at a and the four after them (SIMD), their outputs S apart.
        const h04 = f32x4.splat(h0), h14 = f32x4.splat(h1), w04 = f32x4.splat(w0), w14 = f32x4.splat(w1);
        const k00 = f32x4.splat(h0 * w0), k01 = f32x4.splat(h0 * w1), k10 = f32x4.splat(h1 * w0), k11 = f32x4.splat(h1 * w1);
        // Adjoint: the second-tap terms of the previous four columns; lane 3 belongs to this block's first value.
        let carry0 = f32x4.splat(0), carry1 = f32x4.splat(0);
        for (; w + 4 <= hi; w += 4, q += step << 2, a += 16) {
          if (adjoint) {
            // The scalar loop's sums in its order (each value gets the term of the column before it, then its own
            // column's), one load and one store per row and block: no store overlapping a later load.
            const v = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(q)), 1, load<f32>(q + step)), 2, load<f32>(q + 2 * step)), 3, load<f32>(q + 3 * step));
            const t1 = f32x4.mul(k01, v), b1 = f32x4.mul(k11, v);
            v128.store(r0 + a, f32x4.add(f32x4.add(v128.load(r0 + a), v128.shuffle<f32>(carry0, t1, 3, 4, 5, 6)), f32x4.mul(k00, v)));
            v128.store(r1 + a, f32x4.add(f32x4.add(v128.load(r1 + a), v128.shuffle<f32>(carry1, b1, 3, 4, 5, 6)), f32x4.mul(k10, v)));
            carry0 = t1;
            carry1 = b1;
          } else {
            // The scalar loop's arithmetic, lane by lane: the same values.
            const t = f32x4.add(f32x4.mul(w04, v128.load(r0 + a)), f32x4.mul(w14, v128.load(r0 + a + 4)));
            const b = f32x4.add(f32x4.mul(w04, v128.load(r1 + a)), f32x4.mul(w14, v128.load(r1 + a + 4)));
            const v = f32x4.add(f32x4.mul(h04, t), f32x4.mul(h14, b));
            store<f32>(q, f32x4.extract_lane(v, 0));
            store<f32>(q + step, f32x4.extract_lane(v, 1));
            store<f32>(q + 2 * step, f32x4.extract_lane(v, 2));
            store<f32>(q + 3 * step, f32x4.extract_lane(v, 3));
          }
        }
        if (adjoint && w > lo) {
          store<f32>(r0 + a, load<f32>(r0 + a) + f32x4.extract_lane(carry0, 3));
          store<f32>(r1 + a, load<f32>(r1 + a) + f32x4.extract_lane(carry1, 3));
        }
        for (; w < hi; w++, q += step, a += 4) {
          if (adjoint) {
            const v = load<f32>(q);
            store<f32>(r0 + a, load<f32>(r0 + a) + h0 * w0 * v);
            store<f32>(r0 + a + 4, load<f32>(r0 + a + 4) + h0 * w1 * v);
            store<f32>(r1 + a, load<f32>(r1 + a) + h1 * w0 * v);
            store<f32>(r1 + a + 4, load<f32>(r1 + a + 4) + h1 * w1 * v);
          } else {
            store<f32>(q, h0 * (w0 * load<f32>(r0 + a) + w1 * load<f32>(r0 + a + 4)) + h1 * (w0 * load<f32>(r1 + a) + w1 * load<f32>(r1 + a + 4)));
          }
        }
        // The clamped columns: output r (source below 0) reads column 0, and output (W−1)·S + r (no column after) column W − 1.
        if (d < 0) edgeTap(r0, r1, 0, row + (<usize>r << 2), h0, h1, adjoint);
        else edgeTap(r0, r1, last, row + (<usize>((W - 1) * S + r) << 2), h0, h1, adjoint);
      }
    }
  }
}

/**
 * One output row of the S = 2 forward, both phases of four columns at a time:
 * phase 0 (output 2w, taps w − 1 and w) and phase 1 (output 2w + 1, taps w and
 * w + 1), interleaved into eight outputs and stored with two vector stores,
 * for w in [1, end); and phase 1's column 0 (output 1). The scalar loop's
 * arithmetic and weights, lane by lane. Returns end, or 0 (nothing done) when
 * the row is too narrow for a block.
 */
// @ts-ignore: decorator
@inline
function bilinear2Row(r0: usize, r1: usize, row: usize, W: i32, h0: f32, h1: f32, invS: f32, c: f32): i32 {
  if (W < 6) return 0;
  // The phase loop's weights: phase 0 has f = c < 0 (lower tap the column before), phase 1 f = invS + c.
  const f0 = <f32>0 * invS + c, f1 = <f32>1 * invS + c;
  const a1 = f0 + 1, a0 = <f32>1 - a1, b1 = f1, b0 = <f32>1 - b1;
  store<f32>(row + 4, h0 * (b0 * load<f32>(r0) + b1 * load<f32>(r0 + 4)) + h1 * (b0 * load<f32>(r1) + b1 * load<f32>(r1 + 4)));
  const h04 = f32x4.splat(h0), h14 = f32x4.splat(h1);
  const A0 = f32x4.splat(a0), A1 = f32x4.splat(a1), B0 = f32x4.splat(b0), B1 = f32x4.splat(b1);
  let w = 1;
  for (; w + 4 <= W - 1; w += 4) {
    const o = <usize>(w - 1) << 2;
    const t0 = v128.load(r0 + o), t1 = v128.load(r0 + o + 4), t2 = v128.load(r0 + o + 8);
    const u0 = v128.load(r1 + o), u1 = v128.load(r1 + o + 4), u2 = v128.load(r1 + o + 8);
    const even = f32x4.add(f32x4.mul(h04, f32x4.add(f32x4.mul(A0, t0), f32x4.mul(A1, t1))), f32x4.mul(h14, f32x4.add(f32x4.mul(A0, u0), f32x4.mul(A1, u1))));
    const odd = f32x4.add(f32x4.mul(h04, f32x4.add(f32x4.mul(B0, t1), f32x4.mul(B1, t2))), f32x4.mul(h14, f32x4.add(f32x4.mul(B0, u1), f32x4.mul(B1, u2))));
    const q = row + (<usize>w << 3);
    v128.store(q, v128.shuffle<f32>(even, odd, 0, 4, 1, 5));
    v128.store(q, v128.shuffle<f32>(even, odd, 2, 6, 3, 7), 16);
  }
  return w;
}

/** An output whose column taps are both column `col` (byte offset): it reads (or, adjoint, feeds) rows r0 and r1 there only. */
// @ts-ignore: decorator
@inline
function edgeTap(r0: usize, r1: usize, col: usize, q: usize, h0: f32, h1: f32, adjoint: bool): void {
  if (adjoint) {
    const v = load<f32>(q);
    store<f32>(r0 + col, load<f32>(r0 + col) + h0 * v);
    store<f32>(r1 + col, load<f32>(r1 + col) + h1 * v);
  } else {
    store<f32>(q, h0 * load<f32>(r0 + col) + h1 * load<f32>(r1 + col));
  }
}

/** y = the bilinear upsampling of x, planes [p0, p1). */
export function upsampleBilinearForward(x: usize, y: usize, g: usize, p0: i32, p1: i32): void {
  bilinearWalk(x, y, g, p0, p1, false);
}

/** dx = the adjoint of upsampleBilinearForward applied to dy, planes [p0, p1) (overwrites dx). */
export function upsampleBilinearBackward(dy: usize, dx: usize, g: usize, p0: i32, p1: i32): void {
  const plane = <usize>(gi(g, Slot.H) * gi(g, Slot.W)) << 2;
  memory.fill(dx + <usize>p0 * plane, 0, <usize>(p1 - p0) * plane);
  bilinearWalk(dx, dy, g, p0, p1, true);
}
