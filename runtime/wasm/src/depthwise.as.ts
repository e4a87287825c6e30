/**
 * Depthwise convolution (groups = channels = filters) for WebAssembly: the
 * semantics of runtime/depthwise.ts.
 *
 * Forward is row-blocked: each output row of a channel is finished while it
 * sits in L1 — a 3x3 filter whose three input rows are inside the image
 * applies all nine taps to four output columns at a time (SIMD) from
 * registers and stores each block once; otherwise each filter row whose
 * input row is inside the image adds its KW taps. Inputs are read at stride
 * 1 or 2 (stride 2: two loads and a shuffle of the even lanes). Columns whose
 * taps reach the padding (a few at each edge) are done one by one with bounds
 * checks; the interior has none.
 *
 * Backward walks one filter tap at a time over the whole plane, dw and dx
 * from the same dy loads (SIMD at stride 1): measured against a row-blocked
 * backward (dw per output row and filter row, dx gathered per input row), it
 * was 1.5–2.6× faster on MobileNetV2's shapes, so it stays.
 *
 * Each call covers the channels [c0, c1) of all B images,
 * so threads split by channel and write disjoint weight and bias gradients.
 * Geometry g: the slots of geometry.as.ts (Slot.H, Slot.KH, Slot.DH, …).
 */
import { ACT_NONE, ACT_RELU, ACT_RELU6, endInside, firstInside, gi, Slot } from "./geometry.as";
import { affineAct } from "./conv.as";

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/*
 * The stride-1 and stride-2 loops are one generic function each, instantiated
 * for S = u8 (stride 1) and S = u16 (stride 2): sizeof<S>() is the stride, a
 * compile-time constant, so each instance has its own loop with no test inside.
 */

/** Four floats from p at stride sizeof<S>() (stride 2: lanes 0, 2, 4, 6 of the eight at p). */
// @ts-ignore: decorator
@inline
function load4<S>(p: usize): v128 {
  if (sizeof<S>() == 2) return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
  return v128.load(p);
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
// @ts-ignore: decorator
@inline
function edgeDot(xr: usize, wr: usize, iw0: i32, W: i32, KW: i32, DW: i32): f32 {
  let s: f32 = 0;
  for (let kw = 0; kw < KW; kw++) {
    const iw = iw0 + kw * DW;
    if (iw >= 0 && iw < W) s += load<f32>(at(wr, kw)) * load<f32>(at(xr, iw));
  }
  return s;
}

/** yr[ow] += Σ_kw wr[kw]·xr[ow·SW − PW + kw·DW] for the output columns outside the vector blocks [A, V). */
// @ts-ignore: decorator
@inline
function forwardScalar(yr: usize, xr: usize, wr: usize, g: usize, A: i32, B: i32, V: i32): void {
  const W = gi(g, Slot.W), KW = gi(g, Slot.KW), SW = gi(g, Slot.SW), PW = gi(g, Slot.PW), OW = gi(g, Slot.OW), DW = gi(g, Slot.DW);
  for (let ow = 0; ow < A; ow++) store<f32>(at(yr, ow), load<f32>(at(yr, ow)) + edgeDot(xr, wr, ow * SW - PW, W, KW, DW));
  for (let ow = B; ow < OW; ow++) store<f32>(at(yr, ow), load<f32>(at(yr, ow)) + edgeDot(xr, wr, ow * SW - PW, W, KW, DW));
  for (let ow = V; ow < B; ow++) {
    let s: f32 = 0;
    const xo = at(xr, ow * SW - PW);
    for (let kw = 0; kw < KW; kw++) s += load<f32>(at(wr, kw)) * load<f32>(at(xo, kw * DW));
    store<f32>(at(yr, ow), load<f32>(at(yr, ow)) + s);
  }
}

/** yr[ow] += Σ_kw wr[kw]·xr[ow·SW − PW + kw·DW] for every output column of the row. */
function forwardRow(yr: usize, xr: usize, wr: usize, g: usize, A: i32, B: i32, V: i32): void {
  forwardScalar(yr, xr, wr, g, A, B, V);
  const KW = gi(g, Slot.KW), SW = gi(g, Slot.SW), PW = gi(g, Slot.PW), DW = gi(g, Slot.DW);
  const x0 = at(xr, A * SW - PW); // input of output column A, first tap
  const n = V - A;
  if (n <= 0) return;
  const ya = at(yr, A);
  if (KW == 3) {
    const w0 = v128.load32_splat(wr), w1 = v128.load32_splat(wr, 4), w2 = v128.load32_splat(wr, 8);
    if (SW == 1) forward3<u8>(ya, x0, w0, w1, w2, <usize>DW << 2, n);
    else forward3<u16>(ya, x0, w0, w1, w2, <usize>DW << 2, n);
    return;
  }
  for (let kw = 0; kw < KW; kw++) {
    const wv = v128.load32_splat(at(wr, kw));
    const xk = at(x0, kw * DW);
    if (SW == 1) forwardTap<u8>(ya, xk, wv, n);
    else forwardTap<u16>(ya, xk, wv, n);
  }
}

/**
 * A 3x3 filter whose three input rows (xr, then r bytes apart) are all inside
 * the image: the nine taps in registers, each output block stored once.
 */
function forwardRows3x3(yr: usize, xr: usize, r: usize, wc: usize, g: usize, A: i32, B: i32, V: i32): void {
  for (let kh = 0; kh < 3; kh++) forwardScalar(yr, xr + <usize>kh * r, at(wc, 3 * kh), g, A, B, V);
  const SW = gi(g, Slot.SW), PW = gi(g, Slot.PW), DW = gi(g, Slot.DW);
  const n = V - A;
  if (n <= 0) return;
  const x0 = at(xr, A * SW - PW);
  if (SW == 1) forward9<u8>(at(yr, A), x0, r, wc, <usize>DW << 2, n);
  else forward9<u16>(at(yr, A), x0, r, wc, <usize>DW << 2, n);
}

/** n (a multiple of 4) outputs at y += the 3x3 taps (columns d bytes apart, rows r bytes apart) of the input at x, weights at wc. */
function forward9<S>(y: usize, x: usize, r: usize, wc: usize, d: usize, n: i32): void {
  const step = <usize>sizeof<S>() << 4;
  const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
  const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
  const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
  for (let j = 0; j < n; j += 4) {
    const q = at(y, j);
    const x1 = x + r, x2 = x + 2 * r;
    let a = madd(madd(madd(v128.load(q), w0, load4<S>(x)), w1, load4<S>(x + d)), w2, load4<S>(x + 2 * d));
    a = madd(madd(madd(a, w3, load4<S>(x1)), w4, load4<S>(x1 + d)), w5, load4<S>(x1 + 2 * d));
    v128.store(q, madd(madd(madd(a, w6, load4<S>(x2)), w7, load4<S>(x2 + d)), w8, load4<S>(x2 + 2 * d)));
    x += step;
  }
}

/** n (a multiple of 4) outputs at y += three taps (d bytes apart) of the input at x, stride 1 or 2. */
function forward3<S>(y: usize, x: usize, w0: v128, w1: v128, w2: v128, d: usize, n: i32): void {
  const step = <usize>sizeof<S>() << 4;
  for (let j = 0; j < n; j += 4) {
    const q = at(y, j);
    v128.store(q, madd(madd(madd(v128.load(q), w0, load4<S>(x)), w1, load4<S>(x + d)), w2, load4<S>(x + 2 * d)));
    x += step;
  }
}

/** n (a multiple of 4) outputs at y += wv · the input at x, stride 1 or 2. */
function forwardTap<S>(y: usize, x: usize, wv: v128, n: i32): void {
  const step = <usize>sizeof<S>() << 4;
  for (let j = 0; j < n; j += 4) {
    const q = at(y, j);
    v128.store(q, madd(v128.load(q), wv, load4<S>(x)));
    x += step;
  }
}

/** y = act(depthwise(x, w)·scale + bias) for channels [c0, c1) of images [0, B); bias 0 for none, scale 0 for 1. */
export function depthwiseForward(x: usize, w: usize, bias: usize, y: usize, g: usize, B: i32, c0: i32, c1: i32, act: i32, scale: usize): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), PH = gi(g, Slot.PH), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW), DH = gi(g, Slot.DH);
  const A = colsA(g), Bc = colsB(g, A), V = colsV(g, A, Bc);
  const zero = f32x4.splat(0);
  for (let ch = c0; ch < c1; ch++) {
    // Without a scale the rows start from the bias (as before scales existed); with one, the bias is added after the scale.
    const bias1: f32 = bias != 0 ? load<f32>(at(bias, ch)) : 0;
    const bv: f32 = scale == 0 ? bias1 : 0;
    const bv4 = f32x4.splat(bv);
    const sc: f32 = scale != 0 ? load<f32>(at(scale, ch)) : 1;
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
        if (KH == 3 && KW == 3 && ih0 >= 0 && ih0 + 2 * DH < H) forwardRows3x3(yr, at(xo, ih0 * W), <usize>(DH * W) << 2, wc, g, A, Bc, V);
        else {
          for (let kh = 0; kh < KH; kh++) {
            const ih = ih0 + kh * DH;
            if (ih >= 0 && ih < H) forwardRow(yr, at(xo, ih * W), at(wc, kh * KW), g, A, Bc, V);
          }
        }
        // One pass over the row (in L1): the scale and the bias after it when there is a scale, relu6's clamp.
        if (scale != 0 || act == ACT_RELU6) affineAct(yr, OW, sc, scale != 0 ? bias1 : 0, act == ACT_RELU6 ? act : ACT_NONE);
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

/**
 * Backward for channels [c0, c1) of images [0, B): dw and db (0 for none) of
 * those channels overwritten, and dx (0 for none) of their planes.
 */
export function depthwiseBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, g: usize, B: i32, c0: i32, c1: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), SW = gi(g, Slot.SW), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW);
  const OH = gi(g, Slot.OH), OW = gi(g, Slot.OW), DH = gi(g, Slot.DH), DW = gi(g, Slot.DW);
  const HW = H * W;
  const OHW = OH * OW;
  for (let c = c0; c < c1; c++) {
    const wc = <usize>(c * KH * KW) << 2;
    memory.fill(dw + wc, 0, <usize>(KH * KW) << 2);
    let bsum: f32 = 0;
    for (let b = 0; b < B; b++) {
      const plane = b * C + c;
      const xo = x + (<usize>(plane * HW) << 2);
      const dxo = dx + (<usize>(plane * HW) << 2);
      const yo = dy + (<usize>(plane * OHW) << 2);
      if (dx != 0) memory.fill(dxo, 0, <usize>HW << 2);
      if (db != 0) {
        let acc = f32x4.splat(0);
        let i = 0;
        for (; i + 4 <= OHW; i += 4) acc = f32x4.add(acc, v128.load(yo + (<usize>i << 2)));
        let s = hsum(acc);
        for (; i < OHW; i++) s += load<f32>(yo + (<usize>i << 2));
        bsum += s;
      }
      for (let kh = 0; kh < KH; kh++) {
        const ohLo = firstInside(kh * DH, PH, SH, OH);
        const ohHi = endInside(kh * DH, PH, SH, H, OH, ohLo);
        for (let kw = 0; kw < KW; kw++) {
          const k = wc + (<usize>(kh * KW + kw) << 2);
          const wv = load<f32>(w + k);
          const wv4 = f32x4.splat(wv);
          const owLo = firstInside(kw * DW, PW, SW, OW);
          const owHi = endInside(kw * DW, PW, SW, W, OW, owLo);
          const n = owHi - owLo;
          let acc = f32x4.splat(0);
          let tail: f32 = 0;
          for (let oh = ohLo; oh < ohHi; oh++) {
            const off = <usize>((oh * SH - PH + kh * DH) * W - PW + kw * DW + owLo * SW) << 2;
            const s = xo + off;
            const e = dxo + off;
            const d = yo + (<usize>(oh * OW + owLo) << 2);
            let j = 0;
            if (SW == 1) {
              for (; j + 4 <= n; j += 4) {
                const q = <usize>j << 2;
                const t4 = v128.load(d + q);
                acc = f32x4.add(acc, f32x4.mul(t4, v128.load(s + q)));
                if (dx != 0) v128.store(e + q, f32x4.add(v128.load(e + q), f32x4.mul(wv4, t4)));
              }
            }
            for (; j < n; j++) {
              const t = load<f32>(d + (<usize>j << 2));
              const q = <usize>(j * SW) << 2;
              tail += t * load<f32>(s + q);
              if (dx != 0) store<f32>(e + q, load<f32>(e + q) + wv * t);
            }
          }
          const sum = hsum(acc) + tail;
          store<f32>(dw + k, load<f32>(dw + k) + sum);
        }
      }
    }
    if (db != 0) store<f32>(db + (<usize>c << 2), bsum);
  }
}
