/**
 * Depthwise convolution (groups = channels = filters) for WebAssembly: the
 * semantics of runtime/depthwise.ts.
 *
 * Forward works on bands of output rows of one channel of one image, in the
 * conv scratch (capacity gi(g, Slot.scratch) floats; at least
 * depthwiseScratchSize(p) of runtime/depthwise.ts, one output row's band):
 *  1. the input rows the band reads are copied into zeroed sub-planes, split
 *     by phase — for strides SH, SW, padded input (r, c) goes to sub-plane
 *     (r mod SH, c mod SW) at (r div SH, c div SW), rows Wq floats long — so
 *     every tap of every output is inside a sub-plane, and at any stride a
 *     tap is a fixed offset: output j of the band (row j div Wq, column
 *     j mod Wq) reads sub-plane ((kh·DH) mod SH, (kw·DW) mod SW) at
 *     j + ((kh·DH) div SH)·Wq + (kw·DW) div SW;
 *  2. all the band's outputs are computed as one flat run of R·Wq values
 *     (the Wq − OW columns past each row's end are computed and dropped), so
 *     a 7x7 plane costs one loop, not seven rows each with its edges: a 3x3
 *     filter holds its nine taps in registers (stride 1: one load per tap row
 *     and two shuffles; stride 2: two loads and a shuffle), other filters add
 *     one tap at a time from a table of offsets;
 *  3. the epilogue — scale (a folded batchnorm), bias, relu or relu6 — is
 *     applied as each row is copied out to y, whose examples are gi(g,
 *     Slot.YS) floats apart when y is a concat's slice.
 * Bands hold about BAND_FLOATS floats of sub-planes, so a band's input and
 * output stay in L1. A 3x3 filter at stride 2 with column padding 1 (the
 * stride-2 layers of MobileNets) skips the bands: direct3x3s2 reads x's rows
 * in place and splits even and odd columns in registers, which measured
 * 1.1–2.2x faster than the phase split's copy (docs/performance.md); rows of
 * under 16 outputs go through narrow3x3s2, a call per image instead of per
 * plane. At stride 1, a 3x3 filter with column padding 1 on rows of at least
 * 4 skips them too: direct3x3s1, 1.2–1.3x faster than the bands' copy and
 * flat run on the wide planes, 1.2–1.6x on the 14- and 7-wide ones (and
 * 1.02–1.18x more there from one call per image, as narrow3x3s2).
 *
 * The backward is in depthwise-backward.as.ts (it reuses the bands and loops below).
 *
 * Each call covers the channels [c0, c1) of all B images,
 * so threads split by channel and write disjoint weight and bias gradients.
 * Geometry g: the slots of geometry.as.ts (Slot.H, Slot.KH, Slot.DH, …).
 */
import { ACT_NONE, exampleBytes, gi, Slot } from "./geometry.as";
import { affineActTo } from "./epilogue.as";
import { back1, on1, on2 } from "./lanes.as";

// @ts-ignore: decorator
@inline
export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Floats of sub-planes a band aims at: input and output of a band then fit in L1 together. */
const BAND_FLOATS: i32 = 3072;

/*
 * The band layout (runtime/depthwise.ts's depthwiseScratchSize is bandFloats
 * for one row: keep the two the same). For a band of R output rows:
 * sub-planes of Hq = R − 1 + ceil(E / SH) rows (E = (KH − 1)·DH + 1, the
 * filter's dilated height), Wq floats each (subWidth), plus a
 * row and four floats of slack for the flat run's last block; then the
 * output run (R·Wq rounded up to 4); then the KH·KW tap offsets (int32).
 */

/**
 * Wq: floats per sub-plane row. At stride 1 a row's right padding is the
 * next row's left padding where the filter is wide enough (a tap past a
 * row's end reads the next row's first PW floats, always zero; a row of
 * outputs must still fit), so a 7-wide plane with padding 1 is a run of 8
 * per row, not 9.
 */
// @ts-ignore: decorator
@inline
export function subWidth(g: usize): i32 {
  const SW = gi(g, Slot.SW), W = gi(g, Slot.W), PW = gi(g, Slot.PW);
  return SW == 1 ? W + 2 * PW - min(PW, (gi(g, Slot.KW) - 1) * gi(g, Slot.DW)) : (W + 2 * PW + SW - 1) / SW;
}

/** Floats of one sub-plane for a band of R output rows (a multiple of 4). */
// @ts-ignore: decorator
@inline
export function subPlane(g: usize, R: i32, Wq: i32): i32 {
  const SH = gi(g, Slot.SH);
  const Hq = R - 1 + ((gi(g, Slot.KH) - 1) * gi(g, Slot.DH) + SH) / SH;
  return ((Hq + 1) * Wq + 4 + 3) & ~3;
}

/** Scratch floats of a band of R output rows. */
export function bandFloats(g: usize, R: i32, Wq: i32): i32 {
  return gi(g, Slot.SH) * gi(g, Slot.SW) * subPlane(g, R, Wq) + ((R * Wq + 3) & ~3) + gi(g, Slot.KH) * gi(g, Slot.KW);
}

/** Output rows per band: about BAND_FLOATS of sub-planes, at most OH, and what the scratch holds (at least 1). */
export function bandRows(g: usize, Wq: i32): i32 {
  const OH = gi(g, Slot.OH), SH = gi(g, Slot.SH);
  let R = BAND_FLOATS / (SH * gi(g, Slot.SW) * Wq);
  if (R > OH) R = OH;
  if (R < 1) R = 1;
  const cap = gi(g, Slot.scratch);
  while (R > 1 && bandFloats(g, R, Wq) > cap) R--;
  return R;
}

/**
 * Copies input row xr (W floats) into a padded row of the band's sub-planes,
 * whose column phase 0 starts at row (padded column c = iw + PW goes to
 * phase c mod SW, P floats per phase, at column c div SW); the padding
 * columns are left as they are (zero). Rows of at least a block end with a
 * block over their last values (some written twice, the same).
 */
// @ts-ignore: decorator
@inline
export function copyRow(xr: usize, row: usize, W: i32, PW: i32, SW: i32, P: i32): void {
  if (SW == 1) {
    const d = at(row, PW);
    if (W < 4) {
      for (let iw = 0; iw < W; iw++) store<f32>(at(d, iw), load<f32>(at(xr, iw)));
      return;
    }
    for (let iw = 0; iw < W - 4; iw += 4) v128.store(at(d, iw), v128.load(at(xr, iw)));
    v128.store(at(d, W - 4), v128.load(at(xr, W - 4)));
    return;
  }
  if (SW == 2 && W >= 8) {
    // Eight inputs, their even and odd lanes to the two column phases: input iw is padded column iw + PW.
    const odd = PW & 1, end = at(xr, W - 8);
    let e = at(row, odd * P + (PW >> 1)), o = at(row, (1 - odd) * P + ((PW + 1) >> 1));
    for (let s = xr; s < end; s += 32, e += 16, o += 16) {
      const a = v128.load(s), b = v128.load(s, 16);
      v128.store(e, v128.shuffle<f32>(a, b, 0, 2, 4, 6));
      v128.store(o, v128.shuffle<f32>(a, b, 1, 3, 5, 7));
    }
    // The last eight, over the blocks' end: their first input's phase is that of W − 8 + PW.
    const a = v128.load(end), b = v128.load(end, 16);
    const c = W - 8 + PW, q = c & 1;
    v128.store(at(row, q * P + (c >> 1)), v128.shuffle<f32>(a, b, 0, 2, 4, 6));
    v128.store(at(row, (1 - q) * P + ((c + 1) >> 1)), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
    return;
  }
  for (let iw = 0; iw < W; iw++) {
    const c = iw + PW;
    store<f32>(at(row, (c % SW) * P + c / SW), load<f32>(at(xr, iw)));
  }
}

/** Zeroes a padded row of the band's sub-planes (a row of padding: above or below the image); row as in copyRow. */
// @ts-ignore: decorator
@inline
function zeroRow(row: usize, SW: i32, Wq: i32, P: i32): void {
  const zero = f32x4.splat(0);
  for (let ph = 0; ph < SW; ph++, row = at(row, P)) {
    // Blocks may run up to three floats into the next row: its padding (zero) or a row copied after this.
    for (let i = 0; i < Wq; i += 4) v128.store(at(row, i), zero);
  }
}

/**
 * Fills the band's sub-planes at sp with padded rows [0, rows), image rows
 * first + pr of the plane at xo: copied, or zeroed above and below the
 * image. Padded row pr is row pr div SH of row phase pr mod SH, counted along
 * without a division.
 */
// @ts-ignore: decorator
@inline
export function copyBand(xo: usize, sp: usize, first: i32, rows: i32, H: i32, W: i32, PW: i32, SH: i32, SW: i32, Wq: i32, P: i32): void {
  for (let pr = 0, ph = 0, row = sp, next = sp; pr < rows; pr++) {
    if (ph == 0) next = at(next, Wq);
    const ih = first + pr;
    if (ih < 0 || ih >= H) zeroRow(row, SW, Wq, P);
    else copyRow(at(xo, ih * W), row, W, PW, SW, P);
    if (++ph == SH) {
      ph = 0;
      row = next;
    } else row = at(row, SW * P);
  }
}

/*
 * One filter row of a 3x3 filter for four outputs from q (the tap kw = 0),
 * its other two taps c1 and c2 bytes on. Instantiated per case: S = u8, taps
 * in adjacent columns of one sub-plane (stride 1, no dilation: one load, two
 * shuffles); S = u16, stride-2 columns (kw = 1 in the odd phase c1 bytes
 * away, kw = 2 the next column: two loads, one shuffle); S = u32, anything
 * else (three loads).
 */
// @ts-ignore: decorator
@inline
function tapRow<S>(q: usize, c1: usize, c2: usize, wa: v128, wb: v128, wc: v128): v128 {
  const v = v128.load(q);
  if (sizeof<S>() == 1) {
    const u = v128.load(q, 16);
    return f32x4.add(f32x4.add(f32x4.mul(v, wa), f32x4.mul(on1(v, u), wb)), f32x4.mul(on2(v, u), wc));
  }
  if (sizeof<S>() == 2) return f32x4.add(f32x4.add(f32x4.mul(v, wa), f32x4.mul(v128.load(q + c1), wb)), f32x4.mul(on1(v, v128.load(q, 16)), wc));
  return f32x4.add(f32x4.add(f32x4.mul(v, wa), f32x4.mul(v128.load(q + c1), wb)), f32x4.mul(v128.load(q + c2), wc));
}

/*
 * The loops below compute `runs` runs of n outputs (n a multiple of 4): run
 * i at o + i·oPitch from the sub-planes at s + i·sPitch (bytes) — one run for
 * a band's flat run, one per row when rows go straight into y (the weights
 * are read once per band either way).
 */

/** A 3x3 filter wc: filter rows r1, r2 bytes after the first, taps c1, c2 bytes after the first. */
export function flat3x3<S>(o: usize, s: usize, wc: usize, r1: usize, r2: usize, c1: usize, c2: usize, n: i32, runs: i32, oPitch: usize, sPitch: usize): void {
  const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
  const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
  const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
  for (let i = 0; i < runs; i++, o += oPitch, s += sPitch) {
    let q = o, p = s;
    const end = o + (<usize>n << 2);
    for (; q < end; q += 16, p += 16) {
      const a = tapRow<S>(p, c1, c2, w0, w1, w2);
      const b = tapRow<S>(p + r1, c1, c2, w3, w4, w5);
      v128.store(q, f32x4.add(f32x4.add(a, b), tapRow<S>(p + r2, c1, c2, w6, w7, w8)));
    }
  }
}

/** Any filter: T taps, weights at wc, byte offsets from s at taps (int32). */
export function flatTaps(o: usize, s: usize, wc: usize, taps: usize, T: i32, n: i32, runs: i32, oPitch: usize, sPitch: usize): void {
  for (let i = 0; i < runs; i++, o += oPitch, s += sPitch) {
    let q = o, p = s;
    const end = o + (<usize>n << 2);
    for (; q < end; q += 16, p += 16) {
      let acc = f32x4.mul(v128.load32_splat(wc), v128.load(p + <usize>load<i32>(taps)));
      for (let t = 1; t < T; t++) acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(at(wc, t)), v128.load(p + <usize>load<i32>(at(taps, t)))));
      v128.store(q, acc);
    }
  }
}

/*
 * Stride 2, 3x3, column padding 1, no dilation: rows computed straight from
 * x, without the phase split's copy. Four outputs from an x row at column
 * 2·ow: the eight inputs a, b; their even lanes are tap kw = 1, their odd
 * lanes o tap 2, and tap 0 is o one column back, its first lane the last of
 * l, the odd lanes of the block before (zero, the padding, at ow = 0).
 */
// @ts-ignore: decorator
@inline
function tapsS2(a: v128, b: v128, l: v128, o: v128, wa: v128, wb: v128, wc: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.mul(back1(l, o), wa), f32x4.mul(even(a, b), wb)), f32x4.mul(o, wc));
}

/** Lanes 0, 2, 4, 6 of the eight floats a, b (the even inputs of a stride-2 row). */
// @ts-ignore: decorator
@inline
export function even(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(a, b, 0, 2, 4, 6);
}

/** Lanes 1, 3, 5, 7 of the eight floats a, b (the odd inputs). */
// @ts-ignore: decorator
@inline
export function odd(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(a, b, 1, 3, 5, 7);
}

/**
 * One output row (OW ≥ 4 outputs at q0, 2·OW ≤ the input row's width) of a
 * 3x3 stride-2 filter with column padding 1 from input rows x0, x1, x2. Each
 * filter row's odd lanes are carried to the next block in registers. A last
 * partial block: T = u8, overlapping the one before (its left taps loaded);
 * T = u16, only its own inputs loaded and outputs stored (lane stores), so
 * OW may be under 4.
 */
// @ts-ignore: decorator
@inline
function rowS2<T>(x0: usize, x1: usize, x2: usize, q0: usize, OW: i32, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128): void {
  const zero = f32x4.splat(0);
  let l0 = zero, l1 = zero, l2 = zero;
  let ow = 0;
  for (; ow + 4 <= OW; ow += 4) {
    const c = <usize>ow << 3;
    const a0 = v128.load(x0 + c), b0 = v128.load(x0 + c, 16), o0 = odd(a0, b0);
    const a1 = v128.load(x1 + c), b1 = v128.load(x1 + c, 16), o1 = odd(a1, b1);
    const a2 = v128.load(x2 + c), b2 = v128.load(x2 + c, 16), o2 = odd(a2, b2);
    const t01 = f32x4.add(tapsS2(a0, b0, l0, o0, w0, w1, w2), tapsS2(a1, b1, l1, o1, w3, w4, w5));
    v128.store(at(q0, ow), f32x4.add(t01, tapsS2(a2, b2, l2, o2, w6, w7, w8)));
    l0 = o0;
    l1 = o1;
    l2 = o2;
  }
  if (ow < OW) {
    if (sizeof<T>() == 1) {
      const c = <usize>(OW - 4) << 3;
      const a0 = v128.load(x0 + c), b0 = v128.load(x0 + c, 16);
      const a1 = v128.load(x1 + c), b1 = v128.load(x1 + c, 16);
      const a2 = v128.load(x2 + c), b2 = v128.load(x2 + c, 16);
      const t01 = f32x4.add(tapsS2(a0, b0, v128.load(x0 + c - 16), odd(a0, b0), w0, w1, w2), tapsS2(a1, b1, v128.load(x1 + c - 16), odd(a1, b1), w3, w4, w5));
      v128.store(at(q0, OW - 4), f32x4.add(t01, tapsS2(a2, b2, v128.load(x2 + c - 16), odd(a2, b2), w6, w7, w8)));
    } else {
      // The last k = 1–3 outputs: only their 2k inputs of each row loaded (the rest zero), the left taps carried, k stored.
      const c = <usize>ow << 3, k = OW - ow, q = at(q0, ow);
      if (k == 3) {
        const a0 = v128.load(x0 + c), b0 = v128.load64_zero(x0 + c, 16);
        const a1 = v128.load(x1 + c), b1 = v128.load64_zero(x1 + c, 16);
        const a2 = v128.load(x2 + c), b2 = v128.load64_zero(x2 + c, 16);
        const v = f32x4.add(f32x4.add(tapsS2(a0, b0, l0, odd(a0, b0), w0, w1, w2), tapsS2(a1, b1, l1, odd(a1, b1), w3, w4, w5)), tapsS2(a2, b2, l2, odd(a2, b2), w6, w7, w8));
        v128.store64_lane(q, v, 0);
        v128.store32_lane(q, v, 2, 8);
      } else if (k == 2) {
        const a0 = v128.load(x0 + c), a1 = v128.load(x1 + c), a2 = v128.load(x2 + c);
        const v = f32x4.add(f32x4.add(tapsS2(a0, zero, l0, odd(a0, zero), w0, w1, w2), tapsS2(a1, zero, l1, odd(a1, zero), w3, w4, w5)), tapsS2(a2, zero, l2, odd(a2, zero), w6, w7, w8));
        v128.store64_lane(q, v, 0);
      } else {
        const a0 = v128.load64_zero(x0 + c), a1 = v128.load64_zero(x1 + c), a2 = v128.load64_zero(x2 + c);
        const v = f32x4.add(f32x4.add(tapsS2(a0, zero, l0, odd(a0, zero), w0, w1, w2), tapsS2(a1, zero, l1, odd(a1, zero), w3, w4, w5)), tapsS2(a2, zero, l2, odd(a2, zero), w6, w7, w8));
        v128.store32_lane(q, v, 0);
      }
    }
  }
}

/**
 * All rows of a plane (x plane at xo, H rows of W; y plane at yo, OH rows of
 * OW ≥ 4, 2·OW ≤ W) of a 3x3 stride-2 filter wc with column padding 1 and
 * row padding PH; rows of padding are read from zrow (W + 4 zeros, from 16
 * bytes before it).
 */
function direct3x3s2(xo: usize, yo: usize, wc: usize, zrow: usize, H: i32, W: i32, OH: i32, OW: i32, PH: i32): void {
  const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
  const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
  const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
  for (let oh = 0; oh < OH; oh++) {
    const i0 = oh * 2 - PH, i1 = i0 + 1, i2 = i0 + 2;
    const x0 = i0 < 0 || i0 >= H ? zrow : at(xo, i0 * W);
    const x1 = i1 < 0 || i1 >= H ? zrow : at(xo, i1 * W);
    const x2 = i2 < 0 || i2 >= H ? zrow : at(xo, i2 * W);
    rowS2<u8>(x0, x1, x2, at(yo, oh * OW), OW, w0, w1, w2, w3, w4, w5, w6, w7, w8);
  }
}

/**
 * As direct3x3s2 for n consecutive planes of narrow rows (any OW ≥ 1, 2·OW
 * ≤ W; filters from wc; rows of padding from zrow, W zeros), each plane's
 * epilogue (scale and bias from sc and bi, 0 for none, one float per plane)
 * applied once over its contiguous rows. One call for all of an image's
 * planes, input rows picked without branches, and a last partial block of
 * only its own outputs: on 14-wide planes (7 outputs a row) the work around
 * the rows was about 40% of the time (docs/performance.md).
 */
function narrow3x3s2(xo: usize, yo: usize, wc: usize, zrow: usize, H: i32, W: i32, OH: i32, OW: i32, PH: i32, n: i32, sc: usize, bi: usize, act: i32): void {
  const xp = <usize>(H * W) << 2, yp = <usize>(OH * OW) << 2;
  const epilogue = sc != 0 || bi != 0 || act != ACT_NONE;
  const rowBytes = <usize>W << 2, outBytes = <usize>OW << 2;
  for (let k = 0; k < n; k++, xo += xp, yo += yp, wc += 36) {
    const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
    const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
    const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
    // Input row i0 = 2·oh − PH at p0 (rows outside [0, H) read zrow instead), output row oh at q0.
    let i0 = -PH, p0 = at(xo, -PH * W), q0 = yo;
    for (let oh = 0; oh < OH; oh++, i0 += 2, p0 += rowBytes << 1, q0 += outBytes) {
      const x0 = select<usize>(p0, zrow, <u32>i0 < <u32>H);
      const x1 = select<usize>(p0 + rowBytes, zrow, <u32>(i0 + 1) < <u32>H);
      const x2 = select<usize>(p0 + (rowBytes << 1), zrow, <u32>(i0 + 2) < <u32>H);
      rowS2<u16>(x0, x1, x2, q0, OW, w0, w1, w2, w3, w4, w5, w6, w7, w8);
    }
    if (epilogue) affineActTo(yo, yo, OH * OW, sc != 0 ? load<f32>(at(sc, k)) : 1, bi != 0 ? load<f32>(at(bi, k)) : 0, act);
  }
}

/*
 * Stride 1, 3x3, column padding 1, no dilation, rows of W ≥ 4: rows computed
 * straight from x, without the bands' copy. The block of outputs [c, c + 4)
 * is tapRow<u8> on the input row from column c − 1 (v: inputs c − 1 to
 * c + 2; u: c + 3 and c + 4), with the row's padding: the first block shifts
 * a zero in, the last full one loads only the inputs in the row, and the last
 * W mod 4 outputs take the row's last four inputs shifted, zeros after.
 */
// @ts-ignore: decorator
@inline
function taps1(v: v128, u: v128, wa: v128, wb: v128, wc: v128): v128 {
  return f32x4.add(f32x4.add(f32x4.mul(v, wa), f32x4.mul(on1(v, u), wb)), f32x4.mul(on2(v, u), wc));
}

/** v of the block at byte c of row x (F: the first block, input −1 padding). */
// @ts-ignore: decorator
@inline
function vS1(x: usize, c: usize, F: bool): v128 {
  return F ? back1(f32x4.splat(0), v128.load(x)) : v128.load(x + c - 4);
}

/** u of the block at byte c of row x: E = 0 inside the row, 1 the row's last block (input c + 4 padding), 2 one before W mod 4 more. */
// @ts-ignore: decorator
@inline
function uS1(x: usize, c: usize, E: i32): v128 {
  return E == 0 ? v128.load(x + c, 12) : E == 1 ? v128.load32_zero(x + c, 12) : v128.load64_zero(x + c, 12);
}

/** The four outputs at byte c of output row q from input rows x0, x1, x2 (F, E as vS1, uS1). */
// @ts-ignore: decorator
@inline
function blockS1(x0: usize, x1: usize, x2: usize, q: usize, c: usize, F: bool, E: i32, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128): void {
  const t01 = f32x4.add(taps1(vS1(x0, c, F), uS1(x0, c, E), w0, w1, w2), taps1(vS1(x1, c, F), uS1(x1, c, E), w3, w4, w5));
  v128.store(q + c, f32x4.add(t01, taps1(vS1(x2, c, F), uS1(x2, c, E), w6, w7, w8)));
}

/** The row's last four inputs (from byte e) shifted so that input W − k − 1 is lane 0, zeros after. */
// @ts-ignore: decorator
@inline
function tailS1(x: usize, e: usize, k: i32): v128 {
  const t = v128.load(x + e);
  return k == 3 ? t : k == 2 ? on1(t, f32x4.splat(0)) : on2(t, f32x4.splat(0));
}

/**
 * n consecutive planes (x planes from xo, H rows of W ≥ 4; y planes from yo,
 * OH rows of W; filters from wc) of a 3x3 stride-1 filter with column
 * padding 1 and row padding PH; rows of padding are read from zrow (W
 * zeros). Each plane's epilogue (scale and bias from sc and bi, 0 for none,
 * one float per plane) is applied once over its contiguous rows; one call
 * for all of an image's planes, input rows picked without branches (as
 * narrow3x3s2).
 */
function direct3x3s1(xo: usize, yo: usize, wc: usize, zrow: usize, H: i32, W: i32, OH: i32, PH: i32, n: i32, sc: usize, bi: usize, act: i32): void {
  const zero = f32x4.splat(0);
  // The last full block at byte last; k outputs after it.
  const k = W & 3, last = <usize>((W >> 2) - 1) << 4, e = <usize>(W - 4) << 2;
  const xp = <usize>(H * W) << 2, yp = <usize>(OH * W) << 2, rowBytes = <usize>W << 2;
  const epilogue = sc != 0 || bi != 0 || act != ACT_NONE;
  for (let p = 0; p < n; p++, xo += xp, yo += yp, wc += 36) {
    const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
    const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
    const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
    // Input row i0 = oh − PH at p0 (rows outside [0, H) read zrow instead), output row oh at q0.
    let i0 = -PH, p0 = at(xo, -PH * W), q0 = yo;
    for (let oh = 0; oh < OH; oh++, i0++, p0 += rowBytes, q0 += rowBytes) {
      const x0 = select<usize>(p0, zrow, <u32>i0 < <u32>H);
      const x1 = select<usize>(p0 + rowBytes, zrow, <u32>(i0 + 1) < <u32>H);
      const x2 = select<usize>(p0 + (rowBytes << 1), zrow, <u32>(i0 + 2) < <u32>H);
      if (last == 0) {
        if (k == 0) blockS1(x0, x1, x2, q0, 0, true, 1, w0, w1, w2, w3, w4, w5, w6, w7, w8);
        else blockS1(x0, x1, x2, q0, 0, true, 2, w0, w1, w2, w3, w4, w5, w6, w7, w8);
      } else {
        blockS1(x0, x1, x2, q0, 0, true, 0, w0, w1, w2, w3, w4, w5, w6, w7, w8);
        for (let c: usize = 16; c < last; c += 16) blockS1(x0, x1, x2, q0, c, false, 0, w0, w1, w2, w3, w4, w5, w6, w7, w8);
        if (k == 0) blockS1(x0, x1, x2, q0, last, false, 1, w0, w1, w2, w3, w4, w5, w6, w7, w8);
        else blockS1(x0, x1, x2, q0, last, false, 2, w0, w1, w2, w3, w4, w5, w6, w7, w8);
      }
      if (k == 0) continue;
      // Outputs W − k … W − 1: inputs W − k − 1 … W − 1, then padding.
      const t01 = f32x4.add(taps1(tailS1(x0, e, k), zero, w0, w1, w2), taps1(tailS1(x1, e, k), zero, w3, w4, w5));
      const v = f32x4.add(t01, taps1(tailS1(x2, e, k), zero, w6, w7, w8));
      const q = at(q0, W - k);
      if (k == 1) v128.store32_lane(q, v, 0);
      else {
        v128.store64_lane(q, v, 0);
        if (k == 3) v128.store32_lane(q, v, 2, 8);
      }
    }
    if (epilogue) affineActTo(yo, yo, OH * W, sc != 0 ? load<f32>(at(sc, p)) : 1, bi != 0 ? load<f32>(at(bi, p)) : 0, act);
  }
}

/** Byte offset from the band's first sub-plane of tap (kh, kw) for output 0. */
// @ts-ignore: decorator
@inline
export function tapOffset(g: usize, kh: i32, kw: i32, Wq: i32, P: i32): usize {
  const SH = gi(g, Slot.SH), SW = gi(g, Slot.SW);
  const r = kh * gi(g, Slot.DH), c = kw * gi(g, Slot.DW);
  return <usize>((((r % SH) * SW + c % SW) * P + (r / SH) * Wq + c / SW) << 2);
}

/**
 * y = act(depthwise(x, w)·scale + bias) for channels [c0, c1) of images
 * [0, B); bias 0 for none, scale 0 for 1; sp: this thread's conv scratch.
 */
export function depthwiseForward(x: usize, w: usize, bias: usize, y: usize, sp: usize, g: usize, B: i32, c0: i32, c1: i32, act: i32, scale: usize): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), SW = gi(g, Slot.SW), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW);
  const DH = gi(g, Slot.DH), DW = gi(g, Slot.DW);
  const Wq = subWidth(g);
  const R = bandRows(g, Wq);
  const P = subPlane(g, R, Wq);
  const planes = <usize>(SH * SW * P) << 2;
  const out = sp + planes;
  const taps = out + (<usize>((R * Wq + 3) & ~3) << 2);
  const T = KH * KW;
  for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) store<i32>(at(taps, kh * KW + kw), <i32>tapOffset(g, kh, kw, Wq, P));
  // Zeroed once: the padding columns stay zero; each band copies its image rows and zeroes its rows of padding.
  memory.fill(sp, 0, planes);
  const E = (KH - 1) * DH + 1;
  const ys = exampleBytes(g, Slot.YS, C, OH * OW);
  const three = KH == 3 && KW == 3;
  // The 3x3 loop's case (tapRow): adjacent columns, stride-2 columns, or any offsets.
  const kind = SW == 1 && DW == 1 ? 1 : SW == 2 && DW == 1 ? 2 : 3;
  const r1 = tapOffset(g, 1, 0, Wq, P), r2 = tapOffset(g, 2, 0, Wq, P), k1 = tapOffset(g, 0, 1, Wq, P), k2 = tapOffset(g, 0, 2, Wq, P);
  // Rows whose width is a whole number of blocks are computed straight into y, row by row; others as one flat run, then copied.
  const byRow = (OW & 3) == 0 && OW >= 16;
  const epilogue = scale != 0 || bias != 0 || act != ACT_NONE;
  // Stride 2, 3x3, column padding 1, output rows whose last tap is inside the row: straight from x.
  const direct = three && kind == 2 && SH == 2 && DH == 1 && PW == 1 && 2 * OW <= W;
  // Stride 1, 3x3, column padding 1, rows of at least a block: straight from x too.
  const direct1 = three && kind == 1 && SH == 1 && DH == 1 && PW == 1 && W >= 4;
  // Images outer, channels inner: x and y are read and written in order, one stream each.
  for (let b = 0; b < B; b++) {
    if ((direct && OW < 16) || direct1) {
      // All the image's planes in one call; the zeroed sub-planes (at least 3·W floats) serve as the row of padding.
      const xo = at(x, (b * C + c0) * H * W), yo = y + <usize>b * ys + (<usize>(c0 * OH * OW) << 2);
      const wc = at(w, c0 * T), sc = scale != 0 ? at(scale, c0) : 0, bi = bias != 0 ? at(bias, c0) : 0;
      if (direct1) direct3x3s1(xo, yo, wc, sp, H, W, OH, PH, c1 - c0, sc, bi, act);
      else narrow3x3s2(xo, yo, wc, sp, H, W, OH, OW, PH, c1 - c0, sc, bi, act);
      continue;
    }
    for (let ch = c0; ch < c1; ch++) {
      const sc: f32 = scale != 0 ? load<f32>(at(scale, ch)) : 1;
      const b0: f32 = bias != 0 ? load<f32>(at(bias, ch)) : 0;
      const wc = at(w, ch * T);
      const xo = at(x, (b * C + ch) * H * W);
      const yo = y + <usize>b * ys + (<usize>(ch * OH * OW) << 2);
      if (direct) {
        // The zeroed sub-planes (at least 6·W floats) serve as the row of padding, 16 bytes in.
        direct3x3s2(xo, yo, wc, sp + 16, H, W, OH, OW, PH);
        // The plane's rows are contiguous in y: one epilogue over all of them.
        if (epilogue) affineActTo(yo, yo, OH * OW, sc, b0, act);
        continue;
      }
      for (let oh0 = 0; oh0 < OH; oh0 += R) {
        const Rb = min(R, OH - oh0);
        // Padded rows [0, rows) of the band are image rows first + pr.
        const first = oh0 * SH - PH;
        const rows = (Rb - 1) * SH + E;
        copyBand(xo, sp, first, rows, H, W, PW, SH, SW, Wq, P);
        // Rows straight into y (one run each), or the band as one flat run into out.
        const yb = at(yo, oh0 * OW);
        const dst = byRow ? yb : out, n = byRow ? OW : (Rb * Wq + 3) & ~3, runs = byRow ? Rb : 1;
        const oPitch = <usize>OW << 2, sPitch = <usize>Wq << 2;
        if (three) {
          if (kind == 1) flat3x3<u8>(dst, sp, wc, r1, r2, k1, k2, n, runs, oPitch, sPitch);
          else if (kind == 2) flat3x3<u16>(dst, sp, wc, r1, r2, k1, k2, n, runs, oPitch, sPitch);
          else flat3x3<u32>(dst, sp, wc, r1, r2, k1, k2, n, runs, oPitch, sPitch);
        } else flatTaps(dst, sp, wc, taps, T, n, runs, oPitch, sPitch);
        if (byRow) {
          if (epilogue) affineActTo(yb, yb, Rb * OW, sc, b0, act); // the rows lie back to back in y
        } else for (let r = 0; r < Rb; r++) affineActTo(at(out, r * Wq), at(yb, r * OW), OW, sc, b0, act);
      }
    }
  }
}
