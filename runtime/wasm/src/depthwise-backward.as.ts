/**
 * Depthwise convolution backward for WebAssembly: the semantics of
 * runtime/depthwise.ts's depthwiseBackward (dw and db of channels [c0, c1)
 * overwritten, dx of their planes; dx or db 0 for none). dy's examples are
 * gi(g, Slot.DYS) floats apart when it is a concat's slice.
 *
 * dx is a correlation, not a scatter:
 *  - stride 1: dx = dy zero-padded by (K − 1)·D − P, correlated with the
 *    flipped filter — a depthwise forward whose input is dy and whose output
 *    is dx. The forward's bands and loops (depthwise.as.ts: copyBand,
 *    flat3x3, flatTaps) run on a transposed geometry written into the
 *    scratch. The same band serves dw: dw[kh][kw] is the sum over the input
 *    of x times the band at the flipped tap — for 3x3, one pass per filter
 *    row with three accumulators (nine in one pass spilled), and on rows of
 *    a whole number of blocks that pass also adds its row's part of dx
 *    (fusedRow3: the band's loads and shuffles serve both, 13–15% faster
 *    than flat3x3 then dw); other filters one pass per tap over the band;
 *  - stride 2, 3x3, padding 1 (the stride-2 layers of MobileNets): dx's four
 *    phases (even/odd rows × even/odd columns) each take one, two or four
 *    taps of dy's rows m and m + 1, computed for four dy columns and
 *    interleaved into two rows of eight dx (on rows of at most 8 dy one
 *    column block at a time down the plane, each dy block loaded once); dw
 *    reads x's rows in place as the forward's direct3x3s2 does, one pass
 *    per (dy row, x row) pair, or on rows of under 16 dy one pass per dy
 *    row with nine accumulators.
 * db is summed on the way: from the bands (stride 1), in dw's middle pass
 * (stride 2). Other geometries (stride ≥ 2 otherwise, padding beyond the
 * filter's extent, rows under a block, or a scratch too small for the band)
 * take backwardTaps: one pass per tap over the plane.
 *
 * Each call covers the channels [c0, c1) of all B images, so threads split
 * by channel and write disjoint weight and bias gradients. sp: this thread's
 * conv scratch, gi(g, Slot.scratch) floats (depthwiseBackwardScratchSize of
 * runtime/depthwise.ts for the fast paths).
 */
import { endInside, exampleBytes, firstInside, gi, si, Slot, SLOTS } from "./geometry.as";
import { at, bandFloats, bandRows, copyBand, copyRow, even, flat3x3, flatTaps, hsum, odd, subPlane, subWidth, tapOffset } from "./depthwise.as";
import { back1, on1, on2 } from "./lanes.as";

/** Floats at the start of the scratch before the flipped filter: the transposed geometry (SLOTS ≤ 32). */
const GEOM_FLOATS: i32 = 32;

/** Lanes whose index is at least `skip` kept, the others zero: a last block that overlaps the one before. */
// @ts-ignore: decorator
@inline
function keepFrom(skip: i32): v128 {
  return i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(skip));
}

/** Sum of n floats at p: four accumulators, so the adds do not wait on one another. */
function sum(p: usize, n: i32): f32 {
  let a = f32x4.splat(0), b = a, c = a, d = a;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const q = at(p, i);
    a = f32x4.add(a, v128.load(q));
    b = f32x4.add(b, v128.load(q, 16));
    c = f32x4.add(c, v128.load(q, 32));
    d = f32x4.add(d, v128.load(q, 48));
  }
  for (; i + 4 <= n; i += 4) a = f32x4.add(a, v128.load(at(p, i)));
  let s = hsum(f32x4.add(f32x4.add(a, b), f32x4.add(c, d)));
  for (; i < n; i++) s += load<f32>(at(p, i));
  return s;
}

/**
 * Scratch floats the stride-1 band path needs: the transposed geometry, the
 * flipped filter, one dx row's band (twice it and 8 more with x's flat run).
 * Keep as runtime/depthwise.ts's depthwiseBackwardScratchSize.
 */
function bandNeed(g: usize, gT: usize): i32 {
  const band = bandFloats(gT, 1, subWidth(gT));
  return GEOM_FLOATS + ((gi(g, Slot.KH) * gi(g, Slot.KW) + 3) & ~3) + (flatRuns(g) ? 2 * band + 8 : band);
}

/** True when the stride-1 path copies x into a flat run beside the band (3x3, no dilation, rows not a whole number of blocks ≥ 16): it then takes twice the band. */
// @ts-ignore: decorator
@inline
function flatRuns(g: usize): bool {
  const W = gi(g, Slot.W);
  return gi(g, Slot.KH) == 3 && gi(g, Slot.KW) == 3 && gi(g, Slot.DW) == 1 && !((W & 3) == 0 && W >= 16);
}

/** True when the stride-1 band path applies: stride 1, padding within the dilated filter, rows of at least a block. */
// @ts-ignore: decorator
@inline
function bandPath(g: usize): bool {
  const PH = gi(g, Slot.PH), PW = gi(g, Slot.PW);
  return gi(g, Slot.SH) == 1 && gi(g, Slot.SW) == 1 && gi(g, Slot.W) >= 4 && PH <= (gi(g, Slot.KH) - 1) * gi(g, Slot.DH) && PW <= (gi(g, Slot.KW) - 1) * gi(g, Slot.DW);
}

/** True when the stride-2 3x3 path applies: padding 1, no dilation, rows of at least a block, W = 2·OW or 2·OW − 1. */
// @ts-ignore: decorator
@inline
function s2Path(g: usize): bool {
  return gi(g, Slot.KH) == 3 && gi(g, Slot.KW) == 3 && gi(g, Slot.SH) == 2 && gi(g, Slot.SW) == 2 && gi(g, Slot.DH) == 1 && gi(g, Slot.DW) == 1 && gi(g, Slot.PH) == 1 && gi(g, Slot.PW) == 1 && gi(g, Slot.OW) >= 4 && (2 * gi(g, Slot.OW) == gi(g, Slot.W) || 2 * gi(g, Slot.OW) - 1 == gi(g, Slot.W));
}

/**
 * Backward for channels [c0, c1) of images [0, B): dw and db (0 for none) of
 * those channels overwritten, and dx (0 for none) of their planes.
 */
export function depthwiseBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, sp: usize, g: usize, B: i32, c0: i32, c1: i32): void {
  const T = gi(g, Slot.KH) * gi(g, Slot.KW);
  memory.fill(at(dw, c0 * T), 0, <usize>((c1 - c0) * T) << 2);
  if (db != 0) memory.fill(at(db, c0), 0, <usize>(c1 - c0) << 2);
  const cap = gi(g, Slot.scratch);
  if (s2Path(g) && cap >= ((gi(g, Slot.W) + 11) & ~3) + 40) {
    backward3x3s2(x, w, dy, dx, dw, db, sp, g, B, c0, c1);
    return;
  }
  if (bandPath(g) && cap >= GEOM_FLOATS) {
    transpose(g, sp);
    if (cap >= bandNeed(g, sp)) {
      backwardBands(x, w, dy, dx, dw, db, sp, g, B, c0, c1);
      return;
    }
  }
  backwardTaps(x, w, dy, dx, dw, db, g, B, c0, c1);
}

/**
 * Writes at gT the geometry of dx as a stride-1 depthwise forward of dy:
 * input OH x OW, output H x W, padding (K − 1)·D − P, the scratch after the
 * geometry and the flipped filter, dy and dx packed.
 */
function transpose(g: usize, gT: usize): void {
  for (let s = 0; s < SLOTS; s++) store<i32>(gT + (<usize>s << 2), load<i32>(g + (<usize>s << 2)));
  const KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  si(gT, Slot.H, gi(g, Slot.OH));
  si(gT, Slot.W, gi(g, Slot.OW));
  si(gT, Slot.OH, gi(g, Slot.H));
  si(gT, Slot.OW, gi(g, Slot.W));
  si(gT, Slot.PH, (KH - 1) * gi(g, Slot.DH) - gi(g, Slot.PH));
  si(gT, Slot.PW, (KW - 1) * gi(g, Slot.DW) - gi(g, Slot.PW));
  const rest = gi(g, Slot.scratch) - GEOM_FLOATS - ((KH * KW + 3) & ~3);
  // With x's flat run, the band gets half of the rest (the run is no longer than the band's output run, plus 4).
  si(gT, Slot.scratch, flatRuns(g) ? (rest - 8) / 2 : rest);
  si(gT, Slot.YS, 0);
  si(gT, Slot.DYS, 0);
}

/** Stride 1 (see the top): dy's bands in the forward's layout, dx by the forward's loops, dw from the same band. */
function backwardBands(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, sp: usize, g: usize, B: i32, c0: i32, c1: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const OH = gi(g, Slot.OH), OW = gi(g, Slot.OW), DH = gi(g, Slot.DH), DW = gi(g, Slot.DW);
  const T = KH * KW;
  const gT = sp;
  const wf = at(sp, GEOM_FLOATS);
  const band = at(wf, (T + 3) & ~3);
  const PT = gi(gT, Slot.PH), PWT = gi(gT, Slot.PW);
  const Wq = subWidth(gT);
  const R = bandRows(gT, Wq);
  const P = subPlane(gT, R, Wq);
  const out = at(band, P);
  const taps = at(out, (R * Wq + 3) & ~3);
  // x's rows in the band's flat layout (Wq apart, zero past each row's end), for narrow rows (flatRuns).
  const xrun = at(taps, (T + 3) & ~3);
  const viaRun = flatRuns(g);
  if (viaRun) memory.fill(xrun, 0, <usize>(((R * Wq + 3) & ~3) + 4) << 2);
  for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) store<i32>(at(taps, kh * KW + kw), <i32>tapOffset(gT, kh, kw, Wq, P));
  // Zeroed once: the padding columns stay zero; each band copies dy's rows and zeroes its rows of padding.
  memory.fill(band, 0, <usize>P << 2);
  const E = (KH - 1) * DH + 1;
  const dys = exampleBytes(g, Slot.DYS, C, OH * OW);
  const three = KH == 3 && KW == 3;
  const r1 = tapOffset(gT, 1, 0, Wq, P), r2 = tapOffset(gT, 2, 0, Wq, P), k1 = tapOffset(gT, 0, 1, Wq, P), k2 = tapOffset(gT, 0, 2, Wq, P);
  // dx rows whose width is a whole number of blocks are computed straight into dx; others as one flat run, then copied.
  const byRow = (W & 3) == 0 && W >= 16;
  const sPitch = <usize>Wq << 2, xPitch = <usize>W << 2;
  for (let b = 0; b < B; b++) {
    for (let ch = c0; ch < c1; ch++) {
      const wc = at(w, ch * T), dwc = at(dw, ch * T);
      for (let t = 0; t < T; t++) store<f32>(at(wf, t), load<f32>(at(wc, T - 1 - t)));
      const plane = (b * C + ch) * H * W;
      const xo = at(x, plane), dxo = at(dx, plane);
      const dyo = dy + <usize>b * dys + (<usize>(ch * OH * OW) << 2);
      let bsum: f32 = 0;
      for (let r0 = 0; r0 < H; r0 += R) {
        const Rb = min(R, H - r0);
        copyBand(dyo, band, r0 - PT, Rb - 1 + E, OH, OW, PWT, 1, 1, Wq, P);
        // db from the band, in L1: its first Rb rows (the last band: all of them), each dy row once, padding zero.
        if (db != 0) bsum += sum(band, (r0 + Rb < H ? Rb : Rb - 1 + E) * Wq);
        const xr = at(xo, r0 * W);
        if (dx != 0 && byRow && three && DW == 1) {
          // dx and dw together, one filter row per pass: the band's loads and shuffles serve both.
          const e = at(dxo, r0 * W);
          fusedRow3<u8>(xr, band, dwc + 32, wf, e, W, Rb, xPitch, sPitch);
          fusedRow3<u32>(xr, band + r1, dwc + 20, at(wf, 3), e, W, Rb, xPitch, sPitch);
          fusedRow3<u32>(xr, band + r2, dwc + 8, at(wf, 6), e, W, Rb, xPitch, sPitch);
          continue;
        }
        if (dx != 0 && viaRun) {
          // The same on flat runs: x's rows copied Wq apart (zero between; the block past the last row zeroed), dx copied out.
          for (let r = 0; r < Rb; r++) copyRow(at(xr, r * W), at(xrun, r * Wq), W, 0, 1, 0);
          v128.store(at(xrun, Rb * Wq), f32x4.splat(0));
          const n = (Rb * Wq + 3) & ~3;
          fusedRow3<u8>(xrun, band, dwc + 32, wf, out, n, 1, 0, 0);
          fusedRow3<u32>(xrun, band + r1, dwc + 20, at(wf, 3), out, n, 1, 0, 0);
          fusedRow3<u32>(xrun, band + r2, dwc + 8, at(wf, 6), out, n, 1, 0, 0);
          const xb = at(dxo, r0 * W);
          for (let r = 0; r < Rb; r++) copyRow(at(out, r * Wq), at(xb, r * W), W, 0, 1, 0);
          continue;
        }
        if (dx != 0) {
          const xb = at(dxo, r0 * W);
          const dst = byRow ? xb : out, n = byRow ? W : (Rb * Wq + 3) & ~3, runs = byRow ? Rb : 1;
          if (three && DW == 1) flat3x3<u8>(dst, band, wf, r1, r2, k1, k2, n, runs, xPitch, sPitch);
          else if (three) flat3x3<u32>(dst, band, wf, r1, r2, k1, k2, n, runs, xPitch, sPitch);
          else flatTaps(dst, band, wf, taps, T, n, runs, xPitch, sPitch);
          if (!byRow) for (let r = 0; r < Rb; r++) copyRow(at(out, r * Wq), at(xb, r * W), W, 0, 1, 0);
        }
        if (three && DW == 1) for (let kh = 0; kh < 3; kh++) dwBandRow3(xr, band + <usize>load<i32>(at(taps, 3 * kh)), at(dwc, 8 - 3 * kh), W, Rb, xPitch, sPitch);
        else for (let t = 0; t < T; t++) dwBandTap(xr, band + <usize>load<i32>(at(taps, t)), at(dwc, T - 1 - t), W, Rb, xPitch, sPitch);
      }
      if (db != 0) store<f32>(at(db, ch), load<f32>(at(db, ch)) + bsum);
    }
  }
}

/*
 * dw from a band: runs of W inputs (x row i at xr + i·xPitch, its band row at
 * s + i·sPitch); a row's last block, when W is not a multiple of 4, overlaps
 * the one before with its repeated lanes masked off.
 */

/** One tap: dw[t] (at k) += Σ x · band at the tap's offset (s already moved to it). */
function dwBandTap(xr: usize, s: usize, k: usize, W: i32, runs: i32, xPitch: usize, sPitch: usize): void {
  let acc = f32x4.splat(0), acc2 = acc;
  const full = W & ~3, mask = keepFrom(4 - (W & 3));
  for (let i = 0; i < runs; i++, xr += xPitch, s += sPitch) {
    let j = 0;
    for (; j + 8 <= full; j += 8) {
      acc = f32x4.add(acc, f32x4.mul(v128.load(at(xr, j)), v128.load(at(s, j))));
      acc2 = f32x4.add(acc2, f32x4.mul(v128.load(at(xr, j), 16), v128.load(at(s, j), 16)));
    }
    if (j < full) {
      acc = f32x4.add(acc, f32x4.mul(v128.load(at(xr, j)), v128.load(at(s, j))));
      j += 4;
    }
    if (j < W) acc2 = f32x4.add(acc2, f32x4.mul(v128.and(v128.load(at(xr, W - 4)), mask), v128.load(at(s, W - 4))));
  }
  store<f32>(k, load<f32>(k) + hsum(f32x4.add(acc, acc2)));
}

/**
 * A 3x3 filter without dilation, one filter row per pass over the band's
 * rows (r: its byte offset): the three taps of four inputs from one band
 * row (one load pair and two shuffles, as the forward's tapRow<u8>), three
 * accumulators; band tap (kh, kw) is dw[2 − kh][2 − kw] (k: dw[2 − kh][2]).
 */
function dwBandRow3(xr: usize, s: usize, k: usize, W: i32, runs: i32, xPitch: usize, sPitch: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0;
  const full = W & ~3, mask = keepFrom(4 - (W & 3));
  for (let i = 0; i < runs; i++, xr += xPitch, s += sPitch) {
    let j = 0;
    for (; j < full; j += 4) {
      const xv = v128.load(at(xr, j)), p = at(s, j);
      const v = v128.load(p), u = v128.load(p, 16);
      a0 = f32x4.add(a0, f32x4.mul(xv, v));
      a1 = f32x4.add(a1, f32x4.mul(xv, on1(v, u)));
      a2 = f32x4.add(a2, f32x4.mul(xv, on2(v, u)));
    }
    if (j < W) {
      const xv = v128.and(v128.load(at(xr, W - 4)), mask), p = at(s, W - 4);
      const v = v128.load(p), u = v128.load(p, 16);
      a0 = f32x4.add(a0, f32x4.mul(xv, v));
      a1 = f32x4.add(a1, f32x4.mul(xv, on1(v, u)));
      a2 = f32x4.add(a2, f32x4.mul(xv, on2(v, u)));
    }
  }
  store<f32>(k, load<f32>(k) + hsum(a0));
  store<f32>(k - 4, load<f32>(k - 4) + hsum(a1));
  store<f32>(k - 8, load<f32>(k - 8) + hsum(a2));
}

/**
 * dwBandRow3 for rows of W a multiple of 4 (or one flat run), with that filter row's part of
 * dx (weights wr, turned round): stored into dx's rows at e (S = u8, the
 * first filter row) or added to them.
 */
function fusedRow3<S>(xr: usize, s: usize, k: usize, wr: usize, e: usize, W: i32, runs: i32, xPitch: usize, sPitch: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0;
  const w0 = v128.load32_splat(wr), w1 = v128.load32_splat(wr, 4), w2 = v128.load32_splat(wr, 8);
  for (let i = 0; i < runs; i++, xr += xPitch, s += sPitch, e += xPitch) {
    for (let j = 0; j < W; j += 4) {
      const xv = v128.load(at(xr, j)), p = at(s, j), q = at(e, j);
      const v = v128.load(p), u = v128.load(p, 16), t1 = on1(v, u), t2 = on2(v, u);
      a0 = f32x4.add(a0, f32x4.mul(xv, v));
      a1 = f32x4.add(a1, f32x4.mul(xv, t1));
      a2 = f32x4.add(a2, f32x4.mul(xv, t2));
      const d = f32x4.add(f32x4.add(f32x4.mul(w0, v), f32x4.mul(w1, t1)), f32x4.mul(w2, t2));
      v128.store(q, sizeof<S>() == 1 ? d : f32x4.add(v128.load(q), d));
    }
  }
  store<f32>(k, load<f32>(k) + hsum(a0));
  store<f32>(k - 4, load<f32>(k - 4) + hsum(a1));
  store<f32>(k - 8, load<f32>(k - 8) + hsum(a2));
}

/**
 * Stride 2, 3x3, padding 1, W = 2·OW or 2·OW − 1 (s2Path). With dy rows m (A) and m + 1
 * (C, zero past the last), each one column on as well (B, D; zero past the
 * row's end): dx[2m][2n] = w11·A, dx[2m][2n+1] = w10·B + w12·A,
 * dx[2m+1][2n] = w01·C + w21·A, dx[2m+1][2n+1] = w00·D + w02·C + w20·B + w22·A.
 * The scratch's first W + 8 floats are zeroed: the row of padding, 16 bytes
 * in; then dw's nine accumulators and db's (40 floats, from a multiple of 4).
 */
function backward3x3s2(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, sp: usize, g: usize, B: i32, c0: i32, c1: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW);
  memory.fill(sp, 0, <usize>(W + 8) << 2);
  const zrow = sp + 16, acc = at(sp, (W + 11) & ~3);
  const dys = exampleBytes(g, Slot.DYS, C, OH * OW);
  for (let b = 0; b < B; b++) {
    for (let ch = c0; ch < c1; ch++) {
      const plane = (b * C + ch) * H * W;
      const dyo = dy + <usize>b * dys + (<usize>(ch * OH * OW) << 2);
      if (dx != 0 && OW > 4 && OW <= 8) dxTwoBlocksS2(dyo, at(dx, plane), at(w, ch * 9), H, W, OH, OW);
      else if (dx != 0 && OW == 4) dxNarrowS2(dyo, at(dx, plane), at(w, ch * 9), H, W, OH);
      else if (dx != 0) dxPlane3x3s2(dyo, at(dx, plane), at(w, ch * 9), zrow, H, W, OH, OW);
      // Rows of under 16 dy: the plane's three x rows per dy row in one pass (on wide rows its nine accumulators spill).
      const bsum = OW < 16 ? dwNarrowS2(at(x, plane), dyo, at(dw, ch * 9), zrow, H, W, OH, OW) : dwPlane3x3s2(at(x, plane), dyo, at(dw, ch * 9), zrow, acc, H, W, OH, OW, db != 0);
      if (db != 0) store<f32>(at(db, ch), load<f32>(at(db, ch)) + bsum);
    }
  }
}

/**
 * dx[2m][2o …] and, if `second`, dx[2m + 1][2o …] (at q0, q1) from dy blocks
 * A (row m) and Cv (row m + 1) and the same one column on, Bv and D;
 * eight floats a row, seven unless `whole` (a row of odd width's end).
 */
// @ts-ignore: decorator
@inline
function dxBlockS2(q0: usize, q1: usize, second: bool, whole: bool, A: v128, Cv: v128, Bv: v128, D: v128, w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128): void {
  const ee = f32x4.mul(w4, A);
  const eo = f32x4.add(f32x4.mul(w3, Bv), f32x4.mul(w5, A));
  v128.store(q0, v128.shuffle<f32>(ee, eo, 0, 4, 1, 5));
  storeEnd(q0 + 16, v128.shuffle<f32>(ee, eo, 2, 6, 3, 7), whole);
  if (second) {
    const oe = f32x4.add(f32x4.mul(w1, Cv), f32x4.mul(w7, A));
    const oo = f32x4.add(f32x4.add(f32x4.mul(w0, D), f32x4.mul(w2, Cv)), f32x4.add(f32x4.mul(w6, Bv), f32x4.mul(w8, A)));
    v128.store(q1, v128.shuffle<f32>(oe, oo, 0, 4, 1, 5));
    storeEnd(q1 + 16, v128.shuffle<f32>(oe, oo, 2, 6, 3, 7), whole);
  }
}

/** Stores v at q, or (not `whole`) its first three lanes. */
// @ts-ignore: decorator
@inline
function storeEnd(q: usize, v: v128, whole: bool): void {
  if (whole) v128.store(q, v);
  else {
    store<f32>(q, f32x4.extract_lane(v, 0));
    store<f32>(q, f32x4.extract_lane(v, 1), 4);
    store<f32>(q, f32x4.extract_lane(v, 2), 8);
  }
}

/** dx of one plane (the formulas above), four dy columns per step; the last step, at OW − 4, may overlap the one before (the same values). */
function dxPlane3x3s2(dyo: usize, dxo: usize, wc: usize, zrow: usize, H: i32, W: i32, OH: i32, OW: i32): void {
  const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
  const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
  const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
  const zero = f32x4.splat(0);
  for (let m = 0; m < OH; m++) {
    const d0 = at(dyo, m * OW), d1 = m + 1 < OH ? at(d0, OW) : zrow;
    const e0 = at(dxo, 2 * m * W), e1 = at(e0, W);
    const second = 2 * m + 1 < H;
    for (let n = 0; n + 4 < OW; n += 4) {
      const A = v128.load(at(d0, n)), Cv = v128.load(at(d1, n));
      dxBlockS2(at(e0, 2 * n), at(e1, 2 * n), second, true, A, Cv, on1(A, v128.load32_zero(at(d0, n + 4))), on1(Cv, v128.load32_zero(at(d1, n + 4))), w0, w1, w2, w3, w4, w5, w6, w7, w8);
    }
    const o = OW - 4;
    const A = v128.load(at(d0, o)), Cv = v128.load(at(d1, o));
    dxBlockS2(at(e0, 2 * o), at(e1, 2 * o), second, (W & 1) == 0, A, Cv, on1(A, zero), on1(Cv, zero), w0, w1, w2, w3, w4, w5, w6, w7, w8);
  }
}

/**
 * dxPlane3x3s2 on rows of exactly 4 dy (the one column block; on 9–15 a block
 * at a time down the plane measured 0.94–0.97× of the row loop; 5–8 take
 * dxTwoBlocksS2): row m + 1's dy vectors (C, D) kept as row m + 2's (A, B), so
 * each dy row is loaded and shifted once; the last dy row (no row below) after
 * the loop, its second dx row only if the plane has it.
 */
function dxNarrowS2(dyo: usize, dxo: usize, wc: usize, H: i32, W: i32, OH: i32): void {
  const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
  const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
  const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
  const xPitch = <usize>W << 2, last = 2 * OH - 1 < H, whole = (W & 1) == 0;
  const zero = f32x4.splat(0);
  let d = dyo, e = dxo;
  let A = v128.load(d), Bv = on1(A, zero);
  for (let m = 1; m < OH; m++) {
    d += 16;
    const Cv = v128.load(d), D = on1(Cv, zero);
    dxBlockS2(e, e + xPitch, true, whole, A, Cv, Bv, D, w0, w1, w2, w3, w4, w5, w6, w7, w8);
    A = Cv;
    Bv = D;
    e += xPitch << 1;
  }
  dxBlockS2(e, e + xPitch, last, whole, A, zero, Bv, zero, w0, w1, w2, w3, w4, w5, w6, w7, w8);
}

/**
 * dxNarrowS2 for 5 ≤ OW ≤ 8: the row's two column blocks (at 0 and OW − 4)
 * together, dy row by row, row m + 1's four vectors kept for row m + 2.
 */
function dxTwoBlocksS2(dyo: usize, dxo: usize, wc: usize, H: i32, W: i32, OH: i32, OW: i32): void {
  const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8);
  const w3 = v128.load32_splat(wc, 12), w4 = v128.load32_splat(wc, 16), w5 = v128.load32_splat(wc, 20);
  const w6 = v128.load32_splat(wc, 24), w7 = v128.load32_splat(wc, 28), w8 = v128.load32_splat(wc, 32);
  const o = OW - 4, ob = <usize>o << 2, eb = <usize>o << 3;
  const dPitch = <usize>OW << 2, xPitch = <usize>W << 2, last = 2 * OH - 1 < H, whole = (W & 1) == 0;
  const zero = f32x4.splat(0);
  let d = dyo, e = dxo;
  let A0 = v128.load(d), B0 = on1(A0, v128.load32_zero(d, 16)), A1 = v128.load(d + ob), B1 = on1(A1, zero);
  for (let m = 1; m < OH; m++) {
    d += dPitch;
    const C0 = v128.load(d), D0 = on1(C0, v128.load32_zero(d, 16)), C1 = v128.load(d + ob), D1 = on1(C1, zero);
    dxBlockS2(e, e + xPitch, true, true, A0, C0, B0, D0, w0, w1, w2, w3, w4, w5, w6, w7, w8);
    dxBlockS2(e + eb, e + xPitch + eb, true, whole, A1, C1, B1, D1, w0, w1, w2, w3, w4, w5, w6, w7, w8);
    A0 = C0;
    B0 = D0;
    A1 = C1;
    B1 = D1;
    e += xPitch << 1;
  }
  dxBlockS2(e, e + xPitch, last, true, A0, zero, B0, zero, w0, w1, w2, w3, w4, w5, w6, w7, w8);
  dxBlockS2(e + eb, e + xPitch + eb, last, whole, A1, zero, B1, zero, w0, w1, w2, w3, w4, w5, w6, w7, w8);
}

/**
 * dw of one plane, one pass per (dy row m, x row 2m − 1 + kh) pair — x's rows
 * in place (zrow outside the image), as the forward's direct3x3s2 reads them:
 * even lanes tap 1, odd lanes tap 2, odd lanes one column back tap 0 (carried
 * from the block before; zero at the left edge) — three accumulators each,
 * kept at acc (nine vectors, zeroed here) between passes; with `sums`, the
 * middle row's pass also sums dy (a tenth vector). A last partial block
 * overlaps the one before, its repeated dy lanes masked off. Returns dy's
 * sum (0 without `sums`).
 */
function dwPlane3x3s2(xo: usize, dyo: usize, dwc: usize, zrow: usize, acc: usize, H: i32, W: i32, OH: i32, OW: i32, sums: bool): f32 {
  memory.fill(acc, 0, 160);
  for (let m = 0; m < OH; m++) {
    const d = at(dyo, m * OW);
    for (let kh = 0; kh < 3; kh++) {
      const ih = 2 * m - 1 + kh, xr = ih < 0 || ih >= H ? zrow : at(xo, ih * W), k = acc + (<usize>kh * 48);
      if (sums && kh == 1) dwRowS2<u8>(xr, d, k, OW, W);
      else dwRowS2<u32>(xr, d, k, OW, W);
    }
  }
  for (let t = 0; t < 9; t++) store<f32>(at(dwc, t), load<f32>(at(dwc, t)) + hsum(v128.load(acc + (<usize>t << 4))));
  return hsum(v128.load(acc, 144));
}

/*
 * The blocks of a stride-2 dw pass (dwRowS2, dwNarrowS2): four dy values t
 * at dy column n take x's inputs 2n … 2n + 7 as a (the first four) and b;
 * tap 1 is their even lanes, tap 2 their odd lanes, tap 0 the odd lanes one
 * column back. The last block, when OW is not a whole number of blocks (or
 * the row's width is odd), starts at o = OW − 4, overlapping the block
 * before: the helpers below give its values.
 */

/** Dy columns of whole blocks: the last block after them unless it is OW (W = 2·OW). */
// @ts-ignore: decorator
@inline
function fullS2(OW: i32, W: i32): i32 {
  return (W & 1) != 0 ? (OW - 1) & ~3 : OW & ~3;
}

/** The last block's dy (at o = OW − 4), the lanes before n (already done by the block before) zero. */
// @ts-ignore: decorator
@inline
function lastDyS2(d: usize, n: i32, o: i32): v128 {
  return v128.and(v128.load(at(d, o)), keepFrom(n - o));
}

/**
 * The last block's b (c: x at column 2o): on a row of odd width the row ends
 * at 2o + 6, so its last lane is zero (the padding) and nothing past the row is read.
 */
// @ts-ignore: decorator
@inline
function lastXS2(c: usize, W: i32): v128 {
  return (W & 1) != 0 ? v128.shuffle<f32>(v128.load(c, 12), f32x4.splat(0), 1, 2, 3, 4) : v128.load(c, 16);
}

/** The four inputs before the last block (x columns 2o − 4 … 2o − 1; zero at the row's start), for tap 0's first lane. */
// @ts-ignore: decorator
@inline
function leftXS2(c: usize, o: i32): v128 {
  return o == 0 ? f32x4.splat(0) : v128.load(c - 16);
}

/**
 * One (dy row d, x row xr) pair of dwPlane3x3s2: the three accumulators at
 * acc; S = u8: dy's sum too, at acc + 96. The last block (partial, or on a
 * row of odd width whose last tap is padding) after the loop.
 */
function dwRowS2<S>(xr: usize, d: usize, acc: usize, OW: i32, W: i32): void {
  let a0 = v128.load(acc), a1 = v128.load(acc, 16), a2 = v128.load(acc, 32);
  let s = sizeof<S>() == 1 ? v128.load(acc, 96) : f32x4.splat(0);
  let l = f32x4.splat(0);
  let n = 0;
  const full = fullS2(OW, W);
  for (; n < full; n += 4) {
    const t = v128.load(at(d, n)), c = xr + (<usize>n << 3);
    const a = v128.load(c), b = v128.load(c, 16), od = odd(a, b);
    a0 = f32x4.add(a0, f32x4.mul(t, back1(l, od)));
    a1 = f32x4.add(a1, f32x4.mul(t, even(a, b)));
    a2 = f32x4.add(a2, f32x4.mul(t, od));
    if (sizeof<S>() == 1) s = f32x4.add(s, t);
    l = od;
  }
  if (n < OW) {
    const o = OW - 4, c = xr + (<usize>o << 3);
    const t = lastDyS2(d, n, o), a = v128.load(c), b = lastXS2(c, W), od = odd(a, b);
    a0 = f32x4.add(a0, f32x4.mul(t, back1(leftXS2(c, o), od)));
    a1 = f32x4.add(a1, f32x4.mul(t, even(a, b)));
    a2 = f32x4.add(a2, f32x4.mul(t, od));
    if (sizeof<S>() == 1) s = f32x4.add(s, t);
  }
  v128.store(acc, a0);
  v128.store(acc, a1, 16);
  v128.store(acc, a2, 32);
  if (sizeof<S>() == 1) v128.store(acc, s, 96);
}

/**
 * dwPlane3x3s2 on rows of under 16 dy: the three x rows of a dy row in one
 * pass with nine accumulators in registers (on wide rows they spill, and
 * the pass per row pair is faster), x's rows picked without branches.
 * Returns dy's sum.
 */
function dwNarrowS2(xo: usize, dyo: usize, dwc: usize, zrow: usize, H: i32, W: i32, OH: i32, OW: i32): f32 {
  let a00 = f32x4.splat(0), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00, a20 = a00, a21 = a00, a22 = a00, s = a00;
  const full = fullS2(OW, W), o = OW - 4, ob = <usize>o << 3, pitch = <usize>W << 2;
  for (let m = 0; m < OH; m++) {
    const d = at(dyo, m * OW), r1 = xo + <usize>(2 * m) * pitch;
    const r0 = select<usize>(r1 - pitch, zrow, m > 0), r2 = select<usize>(r1 + pitch, zrow, 2 * m + 1 < H);
    let l0 = f32x4.splat(0), l1 = l0, l2 = l0;
    let n = 0;
    for (; n < full; n += 4) {
      const t = v128.load(at(d, n)), c = <usize>n << 3;
      const x0 = v128.load(r0 + c), y0 = v128.load(r0 + c, 16), o0 = odd(x0, y0);
      const x1 = v128.load(r1 + c), y1 = v128.load(r1 + c, 16), o1 = odd(x1, y1);
      const x2 = v128.load(r2 + c), y2 = v128.load(r2 + c, 16), o2 = odd(x2, y2);
      a00 = f32x4.add(a00, f32x4.mul(t, back1(l0, o0)));
      a01 = f32x4.add(a01, f32x4.mul(t, even(x0, y0)));
      a02 = f32x4.add(a02, f32x4.mul(t, o0));
      a10 = f32x4.add(a10, f32x4.mul(t, back1(l1, o1)));
      a11 = f32x4.add(a11, f32x4.mul(t, even(x1, y1)));
      a12 = f32x4.add(a12, f32x4.mul(t, o1));
      a20 = f32x4.add(a20, f32x4.mul(t, back1(l2, o2)));
      a21 = f32x4.add(a21, f32x4.mul(t, even(x2, y2)));
      a22 = f32x4.add(a22, f32x4.mul(t, o2));
      s = f32x4.add(s, t);
      l0 = o0;
      l1 = o1;
      l2 = o2;
    }
    if (n < OW) {
      const t = lastDyS2(d, n, o), c0 = r0 + ob, c1 = r1 + ob, c2 = r2 + ob;
      const x0 = v128.load(c0), y0 = lastXS2(c0, W), o0 = odd(x0, y0);
      const x1 = v128.load(c1), y1 = lastXS2(c1, W), o1 = odd(x1, y1);
      const x2 = v128.load(c2), y2 = lastXS2(c2, W), o2 = odd(x2, y2);
      a00 = f32x4.add(a00, f32x4.mul(t, back1(leftXS2(c0, o), o0)));
      a01 = f32x4.add(a01, f32x4.mul(t, even(x0, y0)));
      a02 = f32x4.add(a02, f32x4.mul(t, o0));
      a10 = f32x4.add(a10, f32x4.mul(t, back1(leftXS2(c1, o), o1)));
      a11 = f32x4.add(a11, f32x4.mul(t, even(x1, y1)));
      a12 = f32x4.add(a12, f32x4.mul(t, o1));
      a20 = f32x4.add(a20, f32x4.mul(t, back1(leftXS2(c2, o), o2)));
      a21 = f32x4.add(a21, f32x4.mul(t, even(x2, y2)));
      a22 = f32x4.add(a22, f32x4.mul(t, o2));
      s = f32x4.add(s, t);
    }
  }
  store<f32>(dwc, load<f32>(dwc) + hsum(a00));
  store<f32>(dwc, load<f32>(dwc, 4) + hsum(a01), 4);
  store<f32>(dwc, load<f32>(dwc, 8) + hsum(a02), 8);
  store<f32>(dwc, load<f32>(dwc, 12) + hsum(a10), 12);
  store<f32>(dwc, load<f32>(dwc, 16) + hsum(a11), 16);
  store<f32>(dwc, load<f32>(dwc, 20) + hsum(a12), 20);
  store<f32>(dwc, load<f32>(dwc, 24) + hsum(a20), 24);
  store<f32>(dwc, load<f32>(dwc, 28) + hsum(a21), 28);
  store<f32>(dwc, load<f32>(dwc, 32) + hsum(a22), 32);
  return hsum(s);
}

/**
 * Any geometry: one pass per filter tap over each plane, dw and dx from the
 * same dy loads (SIMD at column strides 1 and 2); dw and db already zeroed.
 */
function backwardTaps(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, g: usize, B: i32, c0: i32, c1: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), SW = gi(g, Slot.SW), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW);
  const OH = gi(g, Slot.OH), OW = gi(g, Slot.OW), DH = gi(g, Slot.DH), DW = gi(g, Slot.DW);
  const HW = H * W;
  const OHW = OH * OW;
  const dys = exampleBytes(g, Slot.DYS, C, OHW);
  for (let c = c0; c < c1; c++) {
    const wc = <usize>(c * KH * KW) << 2;
    for (let b = 0; b < B; b++) {
      const plane = b * C + c;
      const xo = x + (<usize>(plane * HW) << 2);
      const dxo = dx + (<usize>(plane * HW) << 2);
      const yo = dy + <usize>b * dys + (<usize>(c * OHW) << 2);
      if (dx != 0) memory.fill(dxo, 0, <usize>HW << 2);
      if (db != 0) store<f32>(at(db, c), load<f32>(at(db, c)) + sum(yo, OHW));
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
            } else if (SW == 2) {
              // Four outputs read the even lanes of eight inputs, and add to them in dx (the odd lanes + 0). A block's
              // eighth input lies one past its last tap: blocks stop before the row's last output, inside the row.
              const zero = f32x4.splat(0);
              for (; j + 4 < n; j += 4) {
                const t4 = v128.load(d + (<usize>j << 2)), q = <usize>j << 3;
                acc = f32x4.add(acc, f32x4.mul(t4, v128.shuffle<f32>(v128.load(s + q), v128.load(s + q, 16), 0, 2, 4, 6)));
                if (dx != 0) {
                  const u = f32x4.mul(wv4, t4);
                  v128.store(e + q, f32x4.add(v128.load(e + q), v128.shuffle<f32>(u, zero, 0, 4, 1, 4)));
                  v128.store(e + q, f32x4.add(v128.load(e + q, 16), v128.shuffle<f32>(u, zero, 2, 4, 3, 4)), 16);
                }
              }
            }
            for (; j < n; j++) {
              const t = load<f32>(d + (<usize>j << 2));
              const q = <usize>(j * SW) << 2;
              tail += t * load<f32>(s + q);
              if (dx != 0) store<f32>(e + q, load<f32>(e + q) + wv * t);
            }
          }
          store<f32>(dw + k, load<f32>(dw + k) + hsum(acc) + tail);
        }
      }
    }
  }
}
