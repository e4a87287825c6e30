/**
 * Depthwise convolution (groups = channels = filters) for WebAssembly: the
 * semantics of runtime/depthwise.ts. Row-blocked: each output row of a
 * channel is finished while it sits in L1 — for every filter row kh whose
 * input row lies inside the image, all KW taps are applied to four output
 * columns at a time (SIMD) with the taps' weights in registers, reading the
 * input row at stride 1 or 2 (stride 2: two loads and a shuffle of the even
 * lanes). Columns whose taps reach the padding (at most a few at each edge)
 * are done one by one with bounds checks; the interior has none. Backward
 * walks the same (output row, filter row) pairs: db and dw from the dy row
 * and the input row, dx gathered from the dy row (stride 1) or scattered
 * (other strides). Each call covers the channels [c0, c1) of all B images,
 * so threads split by channel and write disjoint weight and bias gradients.
 * Geometry g: the slots of geometry.as.ts (Slot.H, Slot.KH, Slot.DH, …).
 */
import { ACT_RELU, gi, Slot } from "./geometry.as";

/** First output o whose input position o·S − P + tap is ≥ 0 (at most out). */
// @ts-ignore: decorator
@inline
function firstInside(tap: i32, P: i32, S: i32, out: i32): i32 {
  const v = P - tap;
  const o = v <= 0 ? 0 : (v + S - 1) / S;
  return o > out ? out : o;
}

/** End (exclusive) of the outputs whose input position o·S − P + tap is < size (at least lo). */
// @ts-ignore: decorator
@inline
function endInside(tap: i32, P: i32, S: i32, size: i32, out: i32, lo: i32): i32 {
  const v = size - 1 + P - tap;
  let o = v < 0 ? 0 : v / S + 1;
  if (o > out) o = out;
  return o < lo ? lo : o;
}

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Four floats from p at stride 1, or at stride 2 (lanes 0, 2, 4, 6 of the eight at p); s2 is a constant where this is inlined. */
// @ts-ignore: decorator
@inline
function load4(p: usize, s2: bool): v128 {
  return s2 ? v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6) : v128.load(p);
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// @ts-ignore: decorator
@inline
function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

/*
 * The column split of a layer, the same for every row: outputs [A, B) have
 * all KW taps inside the input row, [A, V) of them in blocks of four whose
 * vector loads stay inside the row too (V = A for strides other than 1 and 2).
 */

/** A: the first output column whose taps are all inside the row. */
function colsA(g: usize): i32 {
  return firstInside(0, gi(g, Slot.PW), gi(g, Slot.SW), gi(g, Slot.OW));
}

/** B: the end of the output columns whose taps are all inside the row. */
function colsB(g: usize, A: i32): i32 {
  return endInside((gi(g, Slot.KW) - 1) * gi(g, Slot.DW), gi(g, Slot.PW), gi(g, Slot.SW), gi(g, Slot.W), gi(g, Slot.OW), A);
}

/** V: the end of the blocks of four from A (stride 2 loads eight floats: its last tap needs one more input inside the row). */
function colsV(g: usize, A: i32, B: i32): i32 {
  const SW = gi(g, Slot.SW);
  const end = SW == 1 ? B : SW == 2 ? endInside((gi(g, Slot.KW) - 1) * gi(g, Slot.DW) + 1, gi(g, Slot.PW), SW, gi(g, Slot.W), gi(g, Slot.OW), A) : A;
  return A + ((end - A) & ~3);
}

/** Σ over the taps of filter row wr inside the input row xr (W floats) of w[kw]·x[iw0 + kw·DW]. */
function edgeDot(xr: usize, wr: usize, iw0: i32, W: i32, KW: i32, DW: i32): f32 {
  let s: f32 = 0;
  for (let kw = 0; kw < KW; kw++) {
    const iw = iw0 + kw * DW;
    if (iw >= 0 && iw < W) s += load<f32>(at(wr, kw)) * load<f32>(at(xr, iw));
  }
  return s;
}

/** yr[ow] += Σ_kw wr[kw]·xr[ow·SW − PW + kw·DW] for every output column of the row. */
function forwardRow(yr: usize, xr: usize, wr: usize, g: usize, A: i32, B: i32, V: i32): void {
  const W = gi(g, Slot.W), KW = gi(g, Slot.KW), SW = gi(g, Slot.SW), PW = gi(g, Slot.PW), OW = gi(g, Slot.OW), DW = gi(g, Slot.DW);
  for (let ow = 0; ow < A; ow++) store<f32>(at(yr, ow), load<f32>(at(yr, ow)) + edgeDot(xr, wr, ow * SW - PW, W, KW, DW));
  for (let ow = B; ow < OW; ow++) store<f32>(at(yr, ow), load<f32>(at(yr, ow)) + edgeDot(xr, wr, ow * SW - PW, W, KW, DW));
  const x0 = at(xr, A * SW - PW); // input of output column A, first tap
  const n = V - A;
  if (n > 0) {
    const ya = at(yr, A);
    if (KW == 3) {
      const w0 = v128.load32_splat(wr), w1 = v128.load32_splat(wr, 4), w2 = v128.load32_splat(wr, 8);
      if (SW == 1) forward3(ya, x0, w0, w1, w2, <usize>DW << 2, n, false);
      else forward3(ya, x0, w0, w1, w2, <usize>DW << 2, n, true);
    } else {
      for (let kw = 0; kw < KW; kw++) {
        const wv = v128.load32_splat(at(wr, kw));
        const xk = at(x0, kw * DW);
        if (SW == 1) forwardTap(ya, xk, wv, n, false);
        else forwardTap(ya, xk, wv, n, true);
      }
    }
  }
  for (let ow = V; ow < B; ow++) {
    let s: f32 = 0;
    const xo = at(xr, ow * SW - PW);
    for (let kw = 0; kw < KW; kw++) s += load<f32>(at(wr, kw)) * load<f32>(at(xo, kw * DW));
    store<f32>(at(yr, ow), load<f32>(at(yr, ow)) + s);
  }
}

/** n (a multiple of 4) outputs at y += three taps (d bytes apart) of the input at x, stride 1 or 2. */
// @ts-ignore: decorator
@inline
function forward3(y: usize, x: usize, w0: v128, w1: v128, w2: v128, d: usize, n: i32, s2: bool): void {
  const step: usize = s2 ? 32 : 16;
  for (let j = 0; j < n; j += 4) {
    const q = at(y, j);
    v128.store(q, madd(madd(madd(v128.load(q), w0, load4(x, s2)), w1, load4(x + d, s2)), w2, load4(x + 2 * d, s2)));
    x += step;
  }
}

/** n (a multiple of 4) outputs at y += wv · the input at x, stride 1 or 2. */
// @ts-ignore: decorator
@inline
function forwardTap(y: usize, x: usize, wv: v128, n: i32, s2: bool): void {
  const step: usize = s2 ? 32 : 16;
  for (let j = 0; j < n; j += 4) {
    const q = at(y, j);
    v128.store(q, madd(v128.load(q), wv, load4(x, s2)));
    x += step;
  }
}

/** y = act(depthwise(x, w) + bias) for channels [c0, c1) of images [0, B); bias 0 for none. */
export function depthwiseForward(x: usize, w: usize, bias: usize, y: usize, g: usize, B: i32, c0: i32, c1: i32, act: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), PH = gi(g, Slot.PH), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW), DH = gi(g, Slot.DH);
  const A = colsA(g), Bc = colsB(g, A), V = colsV(g, A, Bc);
  const zero = f32x4.splat(0);
  for (let ch = c0; ch < c1; ch++) {
    const bv: f32 = bias != 0 ? load<f32>(at(bias, ch)) : 0;
    const bv4 = f32x4.splat(bv);
    const wc = at(w, ch * KH * KW);
    for (let b = 0; b < B; b++) {
      const plane = b * C + ch;
      const xo = at(x, plane * H * W);
      const yo = at(y, plane * OH * OW);
      for (let oh = 0; oh < OH; oh++) {
        const yr = at(yo, oh * OW);
        let i = 0;
        for (; i + 4 <= OW; i += 4) v128.store(at(yr, i), bv4);
        for (; i < OW; i++) store<f32>(at(yr, i), bv);
        const ih0 = oh * SH - PH;
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh * DH;
          if (ih >= 0 && ih < H) forwardRow(yr, at(xo, ih * W), at(wc, kh * KW), g, A, Bc, V);
        }
        if (act == ACT_RELU) {
          // pmax(0, v) = 0 < v ? v : 0, so NaN becomes 0 as in runtime/activations.ts
          i = 0;
          for (; i + 4 <= OW; i += 4) v128.store(at(yr, i), f32x4.pmax(zero, v128.load(at(yr, i))));
          for (; i < OW; i++) {
            const v = load<f32>(at(yr, i));
            store<f32>(at(yr, i), v > 0 ? v : 0);
          }
        }
      }
    }
  }
}

/** dwr[kw] += Σ_ow dyr[ow]·xr[ow·SW − PW + kw·DW] over the output columns of the row. */
function weightGradRow(dwr: usize, dyr: usize, xr: usize, g: usize, A: i32, B: i32, V: i32): void {
  const W = gi(g, Slot.W), KW = gi(g, Slot.KW), SW = gi(g, Slot.SW), PW = gi(g, Slot.PW), OW = gi(g, Slot.OW), DW = gi(g, Slot.DW);
  for (let kw = 0; kw < KW; kw++) {
    let s: f32 = 0;
    for (let ow = 0; ow < A; ow++) {
      const iw = ow * SW - PW + kw * DW;
      if (iw >= 0 && iw < W) s += load<f32>(at(dyr, ow)) * load<f32>(at(xr, iw));
    }
    for (let ow = B; ow < OW; ow++) {
      const iw = ow * SW - PW + kw * DW;
      if (iw >= 0 && iw < W) s += load<f32>(at(dyr, ow)) * load<f32>(at(xr, iw));
    }
    for (let ow = V; ow < B; ow++) s += load<f32>(at(dyr, ow)) * load<f32>(at(xr, ow * SW - PW + kw * DW));
    store<f32>(at(dwr, kw), load<f32>(at(dwr, kw)) + s);
  }
  const n = V - A;
  if (n <= 0) return;
  const x0 = at(xr, A * SW - PW);
  const d = at(dyr, A);
  if (KW == 3) {
    if (SW == 1) weightGrad3(dwr, d, x0, <usize>DW << 2, n, false);
    else weightGrad3(dwr, d, x0, <usize>DW << 2, n, true);
  } else {
    for (let kw = 0; kw < KW; kw++) {
      const xk = at(x0, kw * DW);
      const s = SW == 1 ? weightGradTap(d, xk, n, false) : weightGradTap(d, xk, n, true);
      store<f32>(at(dwr, kw), load<f32>(at(dwr, kw)) + s);
    }
  }
}

/** dwr[0..3) += Σ over n (a multiple of 4) outputs of dy · three taps (d bytes apart) of x, stride 1 or 2. */
// @ts-ignore: decorator
@inline
function weightGrad3(dwr: usize, dy: usize, x: usize, d: usize, n: i32, s2: bool): void {
  const step: usize = s2 ? 32 : 16;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  for (let j = 0; j < n; j += 4) {
    const t = v128.load(at(dy, j));
    a0 = madd(a0, t, load4(x, s2));
    a1 = madd(a1, t, load4(x + d, s2));
    a2 = madd(a2, t, load4(x + 2 * d, s2));
    x += step;
  }
  store<f32>(dwr, load<f32>(dwr) + hsum(a0));
  store<f32>(dwr, load<f32>(dwr, 4) + hsum(a1), 4);
  store<f32>(dwr, load<f32>(dwr, 8) + hsum(a2), 8);
}

/** Σ over n (a multiple of 4) outputs of dy · x (stride 1 or 2). */
// @ts-ignore: decorator
@inline
function weightGradTap(dy: usize, x: usize, n: i32, s2: bool): f32 {
  const step: usize = s2 ? 32 : 16;
  let a = f32x4.splat(0);
  for (let j = 0; j < n; j += 4) {
    a = madd(a, v128.load(at(dy, j)), load4(x, s2));
    x += step;
  }
  return hsum(a);
}

/** dxr[iw] += Σ wr[kw]·dyr[ow] over the (ow, kw) with ow·SW − PW + kw·DW = iw. */
function inputGradRow(dxr: usize, dyr: usize, wr: usize, g: usize, A: i32, B: i32, V: i32): void {
  const W = gi(g, Slot.W), KW = gi(g, Slot.KW), SW = gi(g, Slot.SW), PW = gi(g, Slot.PW), OW = gi(g, Slot.OW), DW = gi(g, Slot.DW);
  if (SW != 1) {
    // scatter: the outputs with every tap inside need no checks
    for (let ow = 0; ow < OW; ow++) {
      const t = load<f32>(at(dyr, ow));
      const iw0 = ow * SW - PW;
      if (ow >= A && ow < B) {
        for (let kw = 0; kw < KW; kw++) {
          const q = at(dxr, iw0 + kw * DW);
          store<f32>(q, load<f32>(q) + load<f32>(at(wr, kw)) * t);
        }
      } else {
        for (let kw = 0; kw < KW; kw++) {
          const iw = iw0 + kw * DW;
          if (iw >= 0 && iw < W) store<f32>(at(dxr, iw), load<f32>(at(dxr, iw)) + load<f32>(at(wr, kw)) * t);
        }
      }
    }
    return;
  }
  // stride 1, gathered: input iw takes dy[iw + PW − kw·DW] for each tap; inputs [lo, hi) have all of them inside the row
  let lo = (KW - 1) * DW - PW;
  if (lo < 0) lo = 0;
  if (lo > W) lo = W;
  let hi = OW - PW;
  if (hi > W) hi = W;
  if (hi < lo) hi = lo;
  for (let iw = 0; iw < lo; iw++) store<f32>(at(dxr, iw), load<f32>(at(dxr, iw)) + gatherAt(dyr, wr, iw, OW, KW, PW, DW));
  for (let iw = hi; iw < W; iw++) store<f32>(at(dxr, iw), load<f32>(at(dxr, iw)) + gatherAt(dyr, wr, iw, OW, KW, PW, DW));
  const v = lo + ((hi - lo) & ~3);
  const d0 = at(dyr, lo + PW); // dy of input lo, first tap
  if (KW == 3) {
    const w0 = v128.load32_splat(wr), w1 = v128.load32_splat(wr, 4), w2 = v128.load32_splat(wr, 8);
    const d = <usize>DW << 2;
    for (let iw = lo; iw < v; iw += 4) {
      const q = at(dxr, iw);
      const p = at(d0, iw - lo);
      v128.store(q, madd(madd(madd(v128.load(q), w0, v128.load(p)), w1, v128.load(p - d)), w2, v128.load(p - 2 * d)));
    }
  } else {
    for (let kw = 0; kw < KW; kw++) {
      const wv = v128.load32_splat(at(wr, kw));
      const dk = at(d0, -kw * DW);
      for (let iw = lo; iw < v; iw += 4) {
        const q = at(dxr, iw);
        v128.store(q, madd(v128.load(q), wv, v128.load(at(dk, iw - lo))));
      }
    }
  }
  for (let iw = v; iw < hi; iw++) store<f32>(at(dxr, iw), load<f32>(at(dxr, iw)) + gatherAt(dyr, wr, iw, OW, KW, PW, DW));
}

/** Σ_kw wr[kw]·dyr[iw + PW − kw·DW] over the taps whose output is inside the row (stride 1). */
function gatherAt(dyr: usize, wr: usize, iw: i32, OW: i32, KW: i32, PW: i32, DW: i32): f32 {
  let s: f32 = 0;
  for (let kw = 0; kw < KW; kw++) {
    const ow = iw + PW - kw * DW;
    if (ow >= 0 && ow < OW) s += load<f32>(at(wr, kw)) * load<f32>(at(dyr, ow));
  }
  return s;
}

/**
 * Backward for channels [c0, c1) of images [0, B): dw and db (0 for none) of
 * those channels overwritten, and dx (0 for none) of their planes.
 */
export function depthwiseBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, g: usize, B: i32, c0: i32, c1: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), PH = gi(g, Slot.PH), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW), DH = gi(g, Slot.DH);
  const A = colsA(g), Bc = colsB(g, A), V = colsV(g, A, Bc);
  for (let ch = c0; ch < c1; ch++) {
    const wc = at(w, ch * KH * KW);
    const dwc = at(dw, ch * KH * KW);
    memory.fill(dwc, 0, <usize>(KH * KW) << 2);
    let bsum = f32x4.splat(0);
    let btail: f32 = 0;
    for (let b = 0; b < B; b++) {
      const plane = b * C + ch;
      const xo = at(x, plane * H * W);
      const dxo = at(dx, plane * H * W);
      const dyo = at(dy, plane * OH * OW);
      if (dx != 0) memory.fill(dxo, 0, <usize>(H * W) << 2);
      for (let oh = 0; oh < OH; oh++) {
        const dyr = at(dyo, oh * OW);
        if (db != 0) {
          let i = 0;
          for (; i + 4 <= OW; i += 4) bsum = f32x4.add(bsum, v128.load(at(dyr, i)));
          for (; i < OW; i++) btail += load<f32>(at(dyr, i));
        }
        const ih0 = oh * SH - PH;
        for (let kh = 0; kh < KH; kh++) {
          const ih = ih0 + kh * DH;
          if (ih < 0 || ih >= H) continue;
          weightGradRow(at(dwc, kh * KW), dyr, at(xo, ih * W), g, A, Bc, V);
          if (dx != 0) inputGradRow(at(dxo, ih * W), dyr, at(wc, kh * KW), g, A, Bc, V);
        }
      }
    }
    if (db != 0) store<f32>(at(db, ch), hsum(bsum) + btail);
  }
}
