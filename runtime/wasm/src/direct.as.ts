/**
 * Direct convolution forward for stride 1 and few filters (first layers such
 * as LeNet's conv 5x5 x6 on one channel), where a GEMM would pad the filter
 * count up to its 4-row tiles and pack panels it barely reuses.
 *
 * Six filters at a time, four output columns at a time: for each tap
 * (c, kh, kw) one f32x4 load of the zero-padded input row is multiplied by the
 * six filters' weights (splatted from a packed copy) into six accumulators,
 * which start at the bias and get relu before the single store. Every
 * multiply-add is useful except in a last group of fewer than six filters
 * or four columns.
 *
 * Scratch (the caller's conv scratch, capacity gi(g, Slot.scratch) floats): the weights
 * packed as [group][c][kh][kw][6] (zero for missing filters), then the padded
 * image with rows of Wp = W + 2*PW + 4 floats (so a last group of columns can
 * read past the row's end).
 */
import { ACT_RELU, gi, padInto, Slot } from "./geometry.as";

/** Filters per group (accumulators). */
const FG: i32 = 6;

@inline function groups(g: usize): i32 {
  return (gi(g, Slot.F) + FG - 1) / FG;
}
@inline function packedFloats(g: usize): i32 {
  return ((groups(g) * gi(g, Slot.C) * gi(g, Slot.KH) * gi(g, Slot.KW) * FG) + 3) & ~3;
}
@inline function paddedRowFloats(g: usize): i32 {
  return gi(g, Slot.W) + 2 * gi(g, Slot.PW) + 4;
}
@inline function paddedFloats(g: usize): i32 {
  return gi(g, Slot.C) * (gi(g, Slot.H) + 2 * gi(g, Slot.PH)) * paddedRowFloats(g);
}

/** Whether the direct path applies: stride 1, at most 8 filters, and its buffers fit the scratch. */
export function directApplies(g: usize): bool {
  return gi(g, Slot.SH) == 1 && gi(g, Slot.SW) == 1 && gi(g, Slot.F) <= 8 && <i64>packedFloats(g) + <i64>paddedFloats(g) + 4 <= <i64>gi(g, Slot.scratch);
}

/** Packs the weights and zeroes the padding (once per call; images then only overwrite the interior). */
export function directSetup(w: usize, col: usize, g: usize): void {
  const C = gi(g, Slot.C), F = gi(g, Slot.F), KK = gi(g, Slot.KH) * gi(g, Slot.KW);
  const G = groups(g);
  let d = col;
  for (let q = 0; q < G; q++) {
    for (let t = 0; t < C * KK; t++) {
      for (let i = 0; i < FG; i++, d += 4) {
        const f = q * FG + i;
        store<f32>(d, f < F ? load<f32>(w + (<usize>(f * C * KK + t) << 2)) : 0);
      }
    }
  }
  memory.fill(col + (<usize>packedFloats(g) << 2), 0, <usize>(paddedFloats(g) + 4) << 2);
}

/** yb = act(conv(xb) + bias) for one image; directSetup must have run on col. */
export function directConv(xb: usize, bias: usize, yb: usize, col: usize, g: usize, act: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), F = gi(g, Slot.F), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const PH = gi(g, Slot.PH), PW = gi(g, Slot.PW), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW);
  const Hp = H + 2 * PH, Wp = paddedRowFloats(g);
  const pad = col + (<usize>packedFloats(g) << 2);
  padInto(xb, pad, C, H, W, Hp, Wp, PH, PW);
  const OHW = OH * OW;
  const planeB = <usize>(Hp * Wp) << 2;
  const rowB = <usize>Wp << 2;
  const zero = f32x4.splat(0);
  const taps = C * KH * KW;
  for (let f0 = 0; f0 < F; f0 += FG) {
    const nf = min(FG, F - f0);
    const wg = col + (<usize>((f0 / FG) * taps * FG) << 2);
    const b0 = f32x4.splat(bias != 0 && 0 < nf ? load<f32>(bias + (<usize>f0 << 2)) : 0);
    const b1 = f32x4.splat(bias != 0 && 1 < nf ? load<f32>(bias + (<usize>(f0 + 1) << 2)) : 0);
    const b2 = f32x4.splat(bias != 0 && 2 < nf ? load<f32>(bias + (<usize>(f0 + 2) << 2)) : 0);
    const b3 = f32x4.splat(bias != 0 && 3 < nf ? load<f32>(bias + (<usize>(f0 + 3) << 2)) : 0);
    const b4 = f32x4.splat(bias != 0 && 4 < nf ? load<f32>(bias + (<usize>(f0 + 4) << 2)) : 0);
    const b5 = f32x4.splat(bias != 0 && 5 < nf ? load<f32>(bias + (<usize>(f0 + 5) << 2)) : 0);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow += 4) {
        let a0 = b0, a1 = b1, a2 = b2, a3 = b3, a4 = b4, a5 = b5;
        let wp = wg;
        let plane = pad + <usize>oh * rowB + (<usize>ow << 2);
        for (let c = 0; c < C; c++, plane += planeB) {
          let row = plane;
          for (let kh = 0; kh < KH; kh++, row += rowB) {
            let p = row;
            for (let kw = 0; kw < KW; kw++, p += 4, wp += 24) {
              const xv = v128.load(p);
              a0 = f32x4.add(a0, f32x4.mul(xv, v128.load32_splat(wp)));
              a1 = f32x4.add(a1, f32x4.mul(xv, v128.load32_splat(wp, 4)));
              a2 = f32x4.add(a2, f32x4.mul(xv, v128.load32_splat(wp, 8)));
              a3 = f32x4.add(a3, f32x4.mul(xv, v128.load32_splat(wp, 12)));
              a4 = f32x4.add(a4, f32x4.mul(xv, v128.load32_splat(wp, 16)));
              a5 = f32x4.add(a5, f32x4.mul(xv, v128.load32_splat(wp, 20)));
            }
          }
        }
        if (act == ACT_RELU) {
          a0 = f32x4.max(a0, zero); a1 = f32x4.max(a1, zero); a2 = f32x4.max(a2, zero);
          a3 = f32x4.max(a3, zero); a4 = f32x4.max(a4, zero); a5 = f32x4.max(a5, zero);
        }
        const o = yb + (<usize>(f0 * OHW + oh * OW + ow) << 2);
        const cols = min(4, OW - ow);
        const fB = <usize>OHW << 2;
        put(o, a0, cols);
        if (nf > 1) put(o + fB, a1, cols);
        if (nf > 2) put(o + 2 * fB, a2, cols);
        if (nf > 3) put(o + 3 * fB, a3, cols);
        if (nf > 4) put(o + 4 * fB, a4, cols);
        if (nf > 5) put(o + 5 * fB, a5, cols);
      }
    }
  }
}

/** Stores the first `cols` (1-4) lanes of v at p. */
// @ts-ignore: decorator
@inline
function put(p: usize, v: v128, cols: i32): void {
  if (cols == 4) {
    v128.store(p, v);
  } else {
    store<f32>(p, f32x4.extract_lane(v, 0));
    if (cols > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
    if (cols > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
  }
}
