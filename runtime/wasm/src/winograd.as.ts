/**
 * Convolution forward by Winograd's minimal filtering F(2x2, 3x3), for 3x3
 * convolutions with stride 1 (Lavin & Gray, "Fast Algorithms for Convolutional
 * Neural Networks", 2016). Each 2x2 tile of the output comes from a 4x4 tile of
 * the (zero-padded) input:
 *
 *   Y = A^T [ (G g G^T) (.) (B^T d B) ] A
 *
 * so the 9 multiplications per output and input channel become 16 per 4
 * outputs: 2.25x fewer. Per run of images:
 *   1. U[xi] = (G g G^T)[xi] for every filter and channel (16 matrices F x C);
 *   2. V[xi] = (B^T d B)[xi] for every channel and tile (16 matrices C x N,
 *      N = tiles of the images in the run), four tiles at a time in SIMD;
 *   3. M[xi] = U[xi] V[xi]: 16 sgemm calls (F x C times C x N);
 *   4. Y = A^T M A per filter and tile, plus bias and activation, into y.
 * The transforms use only additions and halvings; the GEMMs do the work.
 *
 * Scratch (the caller's conv scratch, capacity g[12] floats): U, the padded
 * image, V, M and a 16-float staging tile for partial tiles at the edges.
 */
import { gi } from "./geometry.as";
import { sgemm } from "./gemm.as";

const ACT_RELU: i32 = 1;
/** Floats of V and M together for one run of images: about 768 KB, within L2. */
const RUN_FLOATS: i32 = 196608;

@inline function tilesH(g: usize): i32 {
  return (gi(g, 10) + 1) >> 1;
}
@inline function tilesW(g: usize): i32 {
  return (gi(g, 11) + 1) >> 1;
}
/** Tile columns rounded up to whole groups of four. */
@inline function tilesW4(g: usize): i32 {
  return (tilesW(g) + 3) & ~3;
}
/** Padded image: rows 2*TH + 2, columns 2*TW4 + 2 (every vector load of a group stays inside its row). */
@inline function paddedRows(g: usize): i32 {
  return 2 * tilesH(g) + 2;
}
@inline function paddedCols(g: usize): i32 {
  return 2 * tilesW4(g) + 2;
}
@inline function round4(n: i32): i32 {
  return (n + 3) & ~3;
}

/** Images per run: as many as keep V and M near RUN_FLOATS and inside the scratch; 0 if not even one fits. */
function imagesPerRun(g: usize, images: i32): i32 {
  const C = gi(g, 0), F = gi(g, 3);
  const T = tilesH(g) * tilesW(g);
  const fixed = <i64>round4(16 * F * C) + <i64>round4(C * paddedRows(g) * paddedCols(g)) + 32;
  const per = <i64>16 * <i64>(C + F) * <i64>T + 8;
  const room = <i64>gi(g, 12) - fixed;
  if (room < per) return 0;
  let nb = <i32>(room / per);
  const cache = RUN_FLOATS / <i32>per;
  if (nb > cache) nb = cache > 1 ? cache : 1;
  return nb < images ? nb : images;
}

/** Whether the convolution takes the Winograd path: 3x3, stride 1, enough input channels to feed the GEMMs, and one image fits the scratch. */
export function winogradApplies(g: usize): bool {
  return gi(g, 4) == 3 && gi(g, 5) == 3 && gi(g, 6) == 1 && gi(g, 7) == 1 && gi(g, 0) >= 8 && imagesPerRun(g, 1) == 1;
}

/** y_b = act(conv(x_b) + bias) for images [b0, b1) (winogradApplies must hold). */
export function winogradForward(x: usize, w: usize, bias: usize, y: usize, col: usize, g: usize, b0: i32, b1: i32, act: i32): void {
  const C = gi(g, 0), H = gi(g, 1), W = gi(g, 2), F = gi(g, 3);
  const PH = gi(g, 8), PW = gi(g, 9), OH = gi(g, 10), OW = gi(g, 11);
  const TH = tilesH(g), TW = tilesW(g), T = TH * TW;
  const Hq = paddedRows(g), Wq = paddedCols(g);
  const nbMax = imagesPerRun(g, b1 - b0);
  const u = col;
  const pad = u + (<usize>round4(16 * F * C) << 2);
  const v = pad + (<usize>round4(C * Hq * Wq) << 2);
  const stage = v + (<usize>round4(16 * C * T * nbMax) << 2);
  const m = stage + 64;
  transformWeights(w, u, F, C);
  // Rows and columns outside the image stay zero; each image overwrites the interior.
  memory.fill(pad, 0, <usize>(C * Hq * Wq) << 2);
  const inBytes = <usize>(C * H * W) << 2;
  const outBytes = <usize>(F * OH * OW) << 2;
  for (let b = b0; b < b1; b += nbMax) {
    const nb = min(nbMax, b1 - b);
    const N = nb * T;
    for (let j = 0; j < nb; j++) {
      const xb = x + <usize>(b + j) * inBytes;
      for (let c = 0; c < C; c++) {
        for (let h = 0; h < H; h++) {
          copyRow(pad + (<usize>((c * Hq + h + PH) * Wq + PW) << 2), xb + (<usize>((c * H + h) * W) << 2), W);
        }
      }
      transformInput(pad, v, C, Hq, Wq, TH, TW, N, j * T, stage);
    }
    for (let xi = 0; xi < 16; xi++) {
      sgemm(0, 0, F, N, C, 1, u + (<usize>(xi * F * C) << 2), C, v + (<usize>(xi * C * N) << 2), N, 0, m + (<usize>(xi * F * N) << 2), N);
    }
    for (let j = 0; j < nb; j++) {
      transformOutput(m, y + <usize>(b + j) * outBytes, bias, F, OH, OW, TH, TW, N, j * T, act, stage);
    }
  }
}

function copyRow(d: usize, s: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), v128.load(s + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
}

/** U[xi][f][c] = (G g G^T)[xi] with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], g = w[f][c] (3x3). */
function transformWeights(w: usize, u: usize, F: i32, C: i32): void {
  const plane = <usize>(F * C) << 2;
  for (let f = 0; f < F; f++) {
    for (let c = 0; c < C; c++) {
      const p = w + (<usize>((f * C + c) * 9) << 2);
      const o = u + (<usize>(f * C + c) << 2);
      // Columns of G g (4 rows x 3 columns), then G applied along the other side.
      for (let r = 0; r < 4; r++) {
        let a0: f32, a1: f32, a2: f32;
        const g0 = load<f32>(p, 0), g1 = load<f32>(p, 12), g2 = load<f32>(p, 24); // column 0 of g
        const h0 = load<f32>(p, 4), h1 = load<f32>(p, 16), h2 = load<f32>(p, 28); // column 1
        const k0 = load<f32>(p, 8), k1 = load<f32>(p, 20), k2 = load<f32>(p, 32); // column 2
        if (r == 0) {
          a0 = g0; a1 = h0; a2 = k0;
        } else if (r == 1) {
          a0 = (g0 + g1 + g2) * 0.5; a1 = (h0 + h1 + h2) * 0.5; a2 = (k0 + k1 + k2) * 0.5;
        } else if (r == 2) {
          a0 = (g0 - g1 + g2) * 0.5; a1 = (h0 - h1 + h2) * 0.5; a2 = (k0 - k1 + k2) * 0.5;
        } else {
          a0 = g2; a1 = h2; a2 = k2;
        }
        const q = o + <usize>(r * 4) * plane;
        store<f32>(q, a0);
        store<f32>(q + plane, (a0 + a1 + a2) * 0.5);
        store<f32>(q + 2 * plane, (a0 - a1 + a2) * 0.5);
        store<f32>(q + 3 * plane, a2);
      }
    }
  }
}

/**
 * V[xi][c][n0 + t] = (B^T d B)[xi] for every channel and tile t of one image,
 * B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], four tiles of a tile row per
 * step; a last partial group stores only its valid lanes.
 */
function transformInput(pad: usize, v: usize, C: i32, Hq: i32, Wq: i32, TH: i32, TW: i32, N: i32, n0: i32, stage: usize): void {
  const plane = <usize>(C * N) << 2; // bytes between V[xi] and V[xi + 1]
  const rowB = <usize>Wq << 2;
  for (let c = 0; c < C; c++) {
    const pc = pad + (<usize>(c * Hq * Wq) << 2);
    const vc = v + (<usize>(c * N + n0) << 2);
    for (let th = 0; th < TH; th++) {
      for (let tw = 0; tw < TW; tw += 4) {
        // Input rows 2th … 2th+3, columns 2tw … 2tw+9: column j of tile tw+l is 2(tw+l) + j.
        let p = pc + <usize>(2 * th) * rowB + (<usize>(2 * tw) << 2);
        let d00: v128, d01: v128, d02: v128, d03: v128;
        let d10: v128, d11: v128, d12: v128, d13: v128;
        let d20: v128, d21: v128, d22: v128, d23: v128;
        let d30: v128, d31: v128, d32: v128, d33: v128;
        let a = v128.load(p), bq = v128.load(p, 16), e = v128.load(p, 8), h = v128.load(p, 24);
        d00 = v128.shuffle<f32>(a, bq, 0, 2, 4, 6); d01 = v128.shuffle<f32>(a, bq, 1, 3, 5, 7);
        d02 = v128.shuffle<f32>(e, h, 0, 2, 4, 6); d03 = v128.shuffle<f32>(e, h, 1, 3, 5, 7);
        p += rowB;
        a = v128.load(p); bq = v128.load(p, 16); e = v128.load(p, 8); h = v128.load(p, 24);
        d10 = v128.shuffle<f32>(a, bq, 0, 2, 4, 6); d11 = v128.shuffle<f32>(a, bq, 1, 3, 5, 7);
        d12 = v128.shuffle<f32>(e, h, 0, 2, 4, 6); d13 = v128.shuffle<f32>(e, h, 1, 3, 5, 7);
        p += rowB;
        a = v128.load(p); bq = v128.load(p, 16); e = v128.load(p, 8); h = v128.load(p, 24);
        d20 = v128.shuffle<f32>(a, bq, 0, 2, 4, 6); d21 = v128.shuffle<f32>(a, bq, 1, 3, 5, 7);
        d22 = v128.shuffle<f32>(e, h, 0, 2, 4, 6); d23 = v128.shuffle<f32>(e, h, 1, 3, 5, 7);
        p += rowB;
        a = v128.load(p); bq = v128.load(p, 16); e = v128.load(p, 8); h = v128.load(p, 24);
        d30 = v128.shuffle<f32>(a, bq, 0, 2, 4, 6); d31 = v128.shuffle<f32>(a, bq, 1, 3, 5, 7);
        d32 = v128.shuffle<f32>(e, h, 0, 2, 4, 6); d33 = v128.shuffle<f32>(e, h, 1, 3, 5, 7);
        // B^T d: rows.
        const t00 = f32x4.sub(d00, d20), t01 = f32x4.sub(d01, d21), t02 = f32x4.sub(d02, d22), t03 = f32x4.sub(d03, d23);
        const t10 = f32x4.add(d10, d20), t11 = f32x4.add(d11, d21), t12 = f32x4.add(d12, d22), t13 = f32x4.add(d13, d23);
        const t20 = f32x4.sub(d20, d10), t21 = f32x4.sub(d21, d11), t22 = f32x4.sub(d22, d12), t23 = f32x4.sub(d23, d13);
        const t30 = f32x4.sub(d10, d30), t31 = f32x4.sub(d11, d31), t32 = f32x4.sub(d12, d32), t33 = f32x4.sub(d13, d33);
        // (B^T d) B: columns, stored as V[4i + j].
        const o = vc + (<usize>(th * TW + tw) << 2);
        const rem = TW - tw;
        storeV(o, plane, 0, f32x4.sub(t00, t02), rem, stage);
        storeV(o, plane, 1, f32x4.add(t01, t02), rem, stage);
        storeV(o, plane, 2, f32x4.sub(t02, t01), rem, stage);
        storeV(o, plane, 3, f32x4.sub(t01, t03), rem, stage);
        storeV(o, plane, 4, f32x4.sub(t10, t12), rem, stage);
        storeV(o, plane, 5, f32x4.add(t11, t12), rem, stage);
        storeV(o, plane, 6, f32x4.sub(t12, t11), rem, stage);
        storeV(o, plane, 7, f32x4.sub(t11, t13), rem, stage);
        storeV(o, plane, 8, f32x4.sub(t20, t22), rem, stage);
        storeV(o, plane, 9, f32x4.add(t21, t22), rem, stage);
        storeV(o, plane, 10, f32x4.sub(t22, t21), rem, stage);
        storeV(o, plane, 11, f32x4.sub(t21, t23), rem, stage);
        storeV(o, plane, 12, f32x4.sub(t30, t32), rem, stage);
        storeV(o, plane, 13, f32x4.add(t31, t32), rem, stage);
        storeV(o, plane, 14, f32x4.sub(t32, t31), rem, stage);
        storeV(o, plane, 15, f32x4.sub(t31, t33), rem, stage);
      }
    }
  }
}

/** Stores lanes 0 … min(rem, 4)-1 of val at o + xi * plane. */
// @ts-ignore: decorator
@inline
function storeV(o: usize, plane: usize, xi: i32, val: v128, rem: i32, stage: usize): void {
  const q = o + <usize>xi * plane;
  if (rem >= 4) {
    v128.store(q, val);
  } else {
    v128.store(stage, val);
    for (let l = 0; l < rem; l++) store<f32>(q + (<usize>l << 2), load<f32>(stage + (<usize>l << 2)));
  }
}

/**
 * y[f] = act(A^T M A + bias[f]) for one image's tiles (columns n0 … n0+T-1 of
 * M), A^T = [1 1 1 0; 0 1 -1 -1]: four tiles per step, each 2x2 output tile
 * written to rows 2th, 2th+1 and columns 2tw … 2tw+7, clipped at the edges.
 */
function transformOutput(m: usize, yb: usize, bias: usize, F: i32, OH: i32, OW: i32, TH: i32, TW: i32, N: i32, n0: i32, act: i32, stage: usize): void {
  const plane = <usize>(F * N) << 2;
  const zero = f32x4.splat(0);
  for (let f = 0; f < F; f++) {
    const bv = f32x4.splat(bias != 0 ? load<f32>(bias + (<usize>f << 2)) : <f32>0);
    const mf = m + (<usize>(f * N + n0) << 2);
    const yf = yb + (<usize>(f * OH * OW) << 2);
    for (let th = 0; th < TH; th++) {
      for (let tw = 0; tw < TW; tw += 4) {
        const o = mf + (<usize>(th * TW + tw) << 2);
        // Lanes past the tile row read other tiles (or M's slack) and are dropped.
        const m0 = v128.load(o), m1 = v128.load(o + plane), m2 = v128.load(o + 2 * plane), m3 = v128.load(o + 3 * plane);
        const m4 = v128.load(o + 4 * plane), m5 = v128.load(o + 5 * plane), m6 = v128.load(o + 6 * plane), m7 = v128.load(o + 7 * plane);
        const m8 = v128.load(o + 8 * plane), m9 = v128.load(o + 9 * plane), m10 = v128.load(o + 10 * plane), m11 = v128.load(o + 11 * plane);
        const m12 = v128.load(o + 12 * plane), m13 = v128.load(o + 13 * plane), m14 = v128.load(o + 14 * plane), m15 = v128.load(o + 15 * plane);
        // A^T M: rows.
        const s00 = f32x4.add(f32x4.add(m0, m4), m8), s01 = f32x4.add(f32x4.add(m1, m5), m9);
        const s02 = f32x4.add(f32x4.add(m2, m6), m10), s03 = f32x4.add(f32x4.add(m3, m7), m11);
        const s10 = f32x4.sub(f32x4.sub(m4, m8), m12), s11 = f32x4.sub(f32x4.sub(m5, m9), m13);
        const s12 = f32x4.sub(f32x4.sub(m6, m10), m14), s13 = f32x4.sub(f32x4.sub(m7, m11), m15);
        // (A^T M) A: columns.
        let y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bv);
        let y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bv);
        let y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bv);
        let y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bv);
        if (act == ACT_RELU) {
          y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero);
          y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero);
        }
        // Output rows as 8 consecutive columns: y00 y01 of tile 0, of tile 1, …
        const oh = 2 * th, ow = 2 * tw;
        const r0 = yf + (<usize>(oh * OW + ow) << 2);
        const lo0 = v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), hi0 = v128.shuffle<f32>(y00, y01, 2, 6, 3, 7);
        const lo1 = v128.shuffle<f32>(y10, y11, 0, 4, 1, 5), hi1 = v128.shuffle<f32>(y10, y11, 2, 6, 3, 7);
        const cols = min(8, OW - ow);
        if (cols == 8) {
          v128.store(r0, lo0); v128.store(r0, hi0, 16);
          if (oh + 1 < OH) {
            const r1 = r0 + (<usize>OW << 2);
            v128.store(r1, lo1); v128.store(r1, hi1, 16);
          }
        } else {
          v128.store(stage, lo0); v128.store(stage, hi0, 16);
          v128.store(stage, lo1, 32); v128.store(stage, hi1, 48);
          for (let l = 0; l < cols; l++) store<f32>(r0 + (<usize>l << 2), load<f32>(stage + (<usize>l << 2)));
          if (oh + 1 < OH) {
            const r1 = r0 + (<usize>OW << 2);
            for (let l = 0; l < cols; l++) store<f32>(r1 + (<usize>l << 2), load<f32>(stage + (<usize>(8 + l) << 2)));
          }
        }
      }
    }
  }
}
