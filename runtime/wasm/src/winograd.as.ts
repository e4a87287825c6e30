/**
 * Convolution forward by Winograd's minimal filtering F(4x4, 3x3), for 3x3
 * convolutions with stride 1 (Lavin & Gray, "Fast Algorithms for Convolutional
 * Neural Networks", 2016). Each 4x4 tile of the output comes from a 6x6 tile of
 * the (zero-padded) input:
 *
 *   Y = A^T [ (G g G^T) (.) (B^T d B) ] A
 *
 * so the 9 x 16 multiplications per 4x4 outputs and input channel become 36:
 * 4x fewer. Per run of images:
 *   1. U[xi] = (G g G^T)[xi] for every filter and channel (36 matrices F x C);
 *   2. V[xi] = (B^T d B)[xi] for every channel and tile (36 matrices C x N,
 *      N = tiles of the images in the run), four tiles at a time in SIMD;
 *   3. M[xi] = U[xi] V[xi]: 36 sgemm calls (F x C times C x N);
 *   4. Y = A^T M A per filter and tile, plus bias and activation, into y.
 * The interpolation points are 0, +-1, +-2 and infinity, the usual choice for
 * float32: results differ from direct convolution by a few ulps more than
 * F(2x2, 3x3) would (the kernel tests bound it).
 *
 * Scratch (the caller's conv scratch, capacity gi(g, Slot.scratch) floats): U, the padded
 * image, V, M and a staging area (36 f32x4) for the transforms.
 */
import { ACT_RELU, exampleBytes, gi, padInto, si, Slot, SLOTS } from "./geometry.as";
import { sgemm } from "./gemm.as";

/** Int32s of the transposed geometry at the start of the input gradient's scratch (64-byte aligned). */
const GEOM2_FLOATS: i32 = (SLOTS + 15) & ~15;

/** Floats of V and M together for one run of images: about 768 KB, within L2. */
const RUN_FLOATS: i32 = 196608;

/** Tiles along the output's height and width (the last ones may be partial). */
@inline function tilesH(g: usize): i32 {
  return (gi(g, Slot.OH) + 3) >> 2;
}
@inline function tilesW(g: usize): i32 {
  return (gi(g, Slot.OW) + 3) >> 2;
}
/** Tile columns rounded up to whole groups of four. */
@inline function tilesW4(g: usize): i32 {
  return (tilesW(g) + 3) & ~3;
}
/** Padded image: rows 4*TH + 2, columns 4*TW4 + 4 (every vector load of a group stays inside its row). */
@inline function paddedRows(g: usize): i32 {
  return 4 * tilesH(g) + 2;
}
@inline function paddedCols(g: usize): i32 {
  return 4 * tilesW4(g) + 4;
}
/** Transformed tile elements. */
const XI: i32 = 36;
/**
 * Floats between consecutive transformed planes beyond their size: a transform
 * touches all 36 planes at the same offset, and power-of-two plane sizes would
 * put those 36 lines in one L1 set.
 */
const SKEW: i32 = 16;
/** Bytes of the staging area. */
const STAGE_BYTES: i32 = XI * 16;
@inline function round4(n: i32): i32 {
  return (n + 3) & ~3;
}
/** Floats of U: XI planes of C x F4 (F rounded up to 4 filters), each SKEW longer. */
@inline function weightFloats(g: usize): i32 {
  return XI * (gi(g, Slot.C) * round4(gi(g, Slot.F)) + SKEW);
}
/** Floats of the padded image. */
@inline function paddedFloats(g: usize): i32 {
  return round4(gi(g, Slot.C) * paddedRows(g) * paddedCols(g));
}

/** Images per run: as many as keep V and M near RUN_FLOATS and inside the scratch; 0 if not even one fits. */
function imagesPerRun(g: usize, images: i32): i32 {
  const C = gi(g, Slot.C), F = gi(g, Slot.F);
  const T = tilesH(g) * tilesW(g);
  // The layout of winogradForward: U, the padded image, V (XI planes of C x N,
  // each SKEW longer), the stage, M (XI planes of F x N, each SKEW longer, and
  // 4 floats that partial groups read past its end).
  const fixed = <i64>weightFloats(g) + <i64>paddedFloats(g) + XI * SKEW + (STAGE_BYTES >> 2) + XI * SKEW + 4;
  const per = <i64>XI * <i64>(C + F) * <i64>T;
  const room = <i64>gi(g, Slot.scratch) - fixed;
  if (room < per) return 0;
  let nb = <i32>(room / per);
  const cache = RUN_FLOATS / <i32>per;
  if (nb > cache) nb = cache > 1 ? cache : 1;
  return nb < images ? nb : images;
}

/** Whether the convolution takes the Winograd path: 3x3, stride 1, enough input channels to feed the GEMMs, and one image fits the scratch. */
export function winogradApplies(g: usize): bool {
  return gi(g, Slot.KH) == 3 && gi(g, Slot.KW) == 3 && gi(g, Slot.SH) == 1 && gi(g, Slot.SW) == 1 && gi(g, Slot.C) >= 8 && imagesPerRun(g, 1) == 1;
}

/** y_b = act(conv(x_b) + bias) for images [b0, b1) (winogradApplies must hold); x_b at x + b·inBytes, y_b at y + b·outBytes. */
export function winogradForward(x: usize, w: usize, bias: usize, y: usize, col: usize, g: usize, b0: i32, b1: i32, act: i32, inBytes: usize, outBytes: usize): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), F = gi(g, Slot.F);
  const PH = gi(g, Slot.PH), PW = gi(g, Slot.PW), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW);
  const TH = tilesH(g), TW = tilesW(g), T = TH * TW;
  const Hq = paddedRows(g), Wq = paddedCols(g);
  const nbMax = imagesPerRun(g, b1 - b0);
  const F4 = round4(F);
  const u = col;
  const pad = u + (<usize>weightFloats(g) << 2);
  const v = pad + (<usize>paddedFloats(g) << 2);
  const stage = v + (<usize>(XI * (C * T * nbMax + SKEW)) << 2);
  const m = stage + STAGE_BYTES;
  transformWeights(w, u, F, C, stage);
  // Rows and columns outside the image stay zero; each image overwrites the interior.
  memory.fill(pad, 0, <usize>paddedFloats(g) << 2);
  for (let b = b0; b < b1; b += nbMax) {
    const nb = min(nbMax, b1 - b);
    const N = nb * T;
    for (let j = 0; j < nb; j++) {
      const xb = x + <usize>(b + j) * inBytes;
      padInto(xb, pad, C, H, W, Hq, Wq, PH, PW);
      transformInput(pad, v, C, Hq, Wq, TH, TW, N, j * T, stage);
    }
    for (let xi = 0; xi < XI; xi++) {
      sgemm(1, 0, F, N, C, 1, u + (<usize>(xi * (C * F4 + SKEW)) << 2), F4, v + (<usize>(xi * (C * N + SKEW)) << 2), N, 0, m + (<usize>(xi * (F * N + SKEW)) << 2), N);
    }
    for (let j = 0; j < nb; j++) {
      transformOutput(m, y + <usize>(b + j) * outBytes, bias, F, OH, OW, TH, TW, N, j * T, act, stage);
    }
  }
}

/**
 * The input gradient of a 3x3, stride-1 convolution by Winograd, when it
 * applies: dx = conv(dy, w'), a 3x3 stride-1 convolution of dy (F channels)
 * with w'[c][f][kh][kw] = w[f][c][2-kh][2-kw] and padding 2 - P, which gives
 * dx its H x W. Overwrites dx for images [b0, b1) and returns true; returns
 * false (nothing written) when the shape does not qualify or the scratch is
 * too small. Scratch: the transposed geometry (GEOM2_FLOATS int32), w', then
 * the Winograd scratch.
 */
export function winogradInputGradient(w: usize, dy: usize, dx: usize, col: usize, g: usize, b0: i32, b1: i32): bool {
  const C = gi(g, Slot.C), F = gi(g, Slot.F), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW);
  if (gi(g, Slot.KH) != 3 || gi(g, Slot.KW) != 3 || gi(g, Slot.SH) != 1 || gi(g, Slot.SW) != 1 || PH > 2 || PW > 2) return false;
  const wFloats = round4(F * C * 9);
  // The geometry of conv(dy, w'): a copy of g (so slots added later carry over) with input and output swapped.
  const g2 = col;
  memory.copy(g2, g, <usize>SLOTS << 2);
  si(g2, Slot.C, F);
  si(g2, Slot.H, gi(g, Slot.OH));
  si(g2, Slot.W, gi(g, Slot.OW));
  si(g2, Slot.F, C);
  si(g2, Slot.PH, 2 - PH);
  si(g2, Slot.PW, 2 - PW);
  si(g2, Slot.OH, gi(g, Slot.H));
  si(g2, Slot.OW, gi(g, Slot.W));
  si(g2, Slot.scratch, gi(g, Slot.scratch) - GEOM2_FLOATS - wFloats);
  if (!winogradApplies(g2)) return false;
  const wt = col + (<usize>GEOM2_FLOATS << 2);
  for (let f = 0; f < F; f++) {
    for (let c = 0; c < C; c++) {
      const src = w + (<usize>((f * C + c) * 9) << 2);
      const dst = wt + (<usize>((c * F + f) * 9) << 2);
      for (let t = 0; t < 9; t++) store<f32>(dst + (<usize>t << 2), load<f32>(src + (<usize>(8 - t) << 2)));
    }
  }
  // dy's examples are DYS apart when it is a slice of a concat's gradient; dx is packed.
  const dyBytes = exampleBytes(g, Slot.DYS, F, gi(g, Slot.OH) * gi(g, Slot.OW));
  winogradForward(dy, wt, 0, dx, wt + (<usize>wFloats << 2), g2, b0, b1, 0, dyBytes, <usize>(C * gi(g, Slot.H) * gi(g, Slot.W)) << 2);
  return true;
}

/**
 * U[xi][f][c] = (G g G^T)[xi], g = w[f][c] (3x3), with
 * G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1],
 * for four filters at a time (lane l = filter f + l, F padded to a multiple of
 * 4 with zero lanes): U is laid out [xi][c][f4] here, F4 = F rounded up to 4,
 * and the GEMMs read it transposed (op(A) = U[xi]^T). stage: 18 f32x4.
 */
function transformWeights(w: usize, u: usize, F: i32, C: i32, stage: usize): void {
  const F4 = round4(F);
  const plane = <usize>(C * F4 + SKEW) << 2;
  const filterB = <usize>(C * 9) << 2;
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F4; f += 4) {
      // g[r][s] of filters f … f+3, channel c: lanes from four filters (zero past F).
      const p = w + (<usize>(f * C + c) * 36);
      for (let s = 0; s < 3; s++) {
        const g0 = gather(p + (<usize>s << 2), filterB, F - f);
        const g1 = gather(p + (<usize>(3 + s) << 2), filterB, F - f);
        const g2 = gather(p + (<usize>(6 + s) << 2), filterB, F - f);
        g6(g0, g1, g2, stage + (<usize>s << 4), 48);
      }
      const o = u + (<usize>(c * F4 + f) << 2);
      for (let r = 0; r < 6; r++) {
        const q = stage + <usize>(r * 48);
        g6(v128.load(q), v128.load(q, 16), v128.load(q, 32), o + <usize>(r * 6) * plane, plane);
      }
    }
  }
}

/** Lanes l < min(n, 4) = the float at p + l * stride; the others 0. */
// @ts-ignore: decorator
@inline
function gather(p: usize, stride: usize, n: i32): v128 {
  let v = f32x4.splat(0);
  if (n > 0) v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p + stride));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * stride));
  if (n > 3) v = f32x4.replace_lane(v, 3, load<f32>(p + 3 * stride));
  return v;
}

const INV4: f32 = 0.25;
const INV6: f32 = <f32>(1.0 / 6.0);

/** G (g0, g1, g2) as 6 f32x4 at d, d + step, … (g0/24 ± g1/12 + g2/6 = (g0/4 ± g1/2 + g2)/6). */
// @ts-ignore: decorator
@inline
function g6(g0: v128, g1: v128, g2: v128, d: usize, step: usize): void {
  const q = f32x4.splat(INV4), sixth = f32x4.splat(INV6), half = f32x4.splat(0.5);
  const a = f32x4.add(g0, g2), b = f32x4.add(f32x4.mul(g0, q), g2), h = f32x4.mul(g1, half);
  v128.store(d, f32x4.mul(g0, q));
  v128.store(d + step, f32x4.neg(f32x4.mul(f32x4.add(a, g1), sixth)));
  v128.store(d + 2 * step, f32x4.neg(f32x4.mul(f32x4.sub(a, g1), sixth)));
  v128.store(d + 3 * step, f32x4.mul(f32x4.add(b, h), sixth));
  v128.store(d + 4 * step, f32x4.mul(f32x4.sub(b, h), sixth));
  v128.store(d + 5 * step, g2);
}

/**
 * B^T z for six f32x4 at src, src + step, … written to dst, dst + dstep, …, with
 * B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
 */
// @ts-ignore: decorator
@inline
function bt6(z0: v128, z1: v128, z2: v128, z3: v128, z4: v128, z5: v128, dst: usize, dstep: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const a = f32x4.sub(z4, z2); // z4 - z2
  const b = f32x4.sub(z3, z1); // z3 - z1
  const c = f32x4.add(z3, z4); // z3 + z4
  const d = f32x4.add(z1, z2); // z1 + z2
  const e = f32x4.sub(z4, z3); // z4 - z3
  const h = f32x4.sub(z1, z2); // z1 - z2
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, z0), f32x4.mul(five, z2)), z4));
  v128.store(dst + dstep, f32x4.sub(c, f32x4.mul(four, d)));
  v128.store(dst + 2 * dstep, f32x4.add(e, f32x4.mul(four, h)));
  v128.store(dst + 3 * dstep, f32x4.add(a, f32x4.mul(two, b)));
  v128.store(dst + 4 * dstep, f32x4.sub(a, f32x4.mul(two, b)));
  v128.store(dst + 5 * dstep, f32x4.add(f32x4.sub(f32x4.mul(four, z1), f32x4.mul(five, z3)), z5));
}

/**
 * V[xi][c][n0 + t] = (B^T d B)[xi] for every channel and tile t of one image,
 * four tiles of a tile row per step (lane l = tile tw + l); a last partial
 * group stores only its valid lanes. stage: 36 f32x4 for B^T applied to rows.
 */
function transformInput(pad: usize, v: usize, C: i32, Hq: i32, Wq: i32, TH: i32, TW: i32, N: i32, n0: i32, stage: usize): void {
  const plane = <usize>(C * N + SKEW) << 2; // bytes between V[xi] and V[xi + 1]
  const rowB = <usize>Wq << 2;
  for (let c = 0; c < C; c++) {
    const pc = pad + (<usize>(c * Hq * Wq) << 2);
    const vc = v + (<usize>(c * N + n0) << 2);
    for (let th = 0; th < TH; th++) {
      for (let tw = 0; tw < TW; tw += 4) {
        // Input rows 4th … 4th+5; column j of tile tw+l is 4(tw+l) + j.
        let p = pc + <usize>(4 * th) * rowB + (<usize>(4 * tw) << 2);
        for (let i = 0; i < 6; i++, p += rowB) {
          const q0 = v128.load(p), q1 = v128.load(p, 16), q2 = v128.load(p, 32), q3 = v128.load(p, 48), q4 = v128.load(p, 64);
          // Columns 0-3 of the four tiles: a 4x4 transpose of q0..q3; columns 4-5: of q1..q4.
          const s0 = v128.shuffle<f32>(q0, q1, 0, 4, 1, 5), s1 = v128.shuffle<f32>(q0, q1, 2, 6, 3, 7);
          const s2 = v128.shuffle<f32>(q2, q3, 0, 4, 1, 5), s3 = v128.shuffle<f32>(q2, q3, 2, 6, 3, 7);
          const u0 = v128.shuffle<f32>(q1, q2, 0, 4, 1, 5), u2 = v128.shuffle<f32>(q3, q4, 0, 4, 1, 5);
          // d B for this row (B^T along the row's six columns), into stage row i.
          bt6(
            v128.shuffle<f32>(s0, s2, 0, 1, 4, 5), v128.shuffle<f32>(s0, s2, 2, 3, 6, 7),
            v128.shuffle<f32>(s1, s3, 0, 1, 4, 5), v128.shuffle<f32>(s1, s3, 2, 3, 6, 7),
            v128.shuffle<f32>(u0, u2, 0, 1, 4, 5), v128.shuffle<f32>(u0, u2, 2, 3, 6, 7),
            stage + <usize>(i * 96), 16,
          );
        }
        // B^T (d B): down each of the six columns, into V[6k + j].
        const o = vc + (<usize>(th * TW + tw) << 2);
        const rem = TW - tw;
        if (rem >= 4) {
          for (let j = 0; j < 6; j++) {
            const s = stage + <usize>(j * 16);
            bt6(v128.load(s), v128.load(s, 96), v128.load(s, 192), v128.load(s, 288), v128.load(s, 384), v128.load(s, 480), o + <usize>j * plane, 6 * plane);
          }
        } else {
          // Through the stage (rows are no longer needed once read): then the valid lanes only.
          for (let j = 0; j < 6; j++) {
            const s = stage + <usize>(j * 16);
            const z0 = v128.load(s), z1 = v128.load(s, 96), z2 = v128.load(s, 192), z3 = v128.load(s, 288), z4 = v128.load(s, 384), z5 = v128.load(s, 480);
            bt6(z0, z1, z2, z3, z4, z5, s, 96);
          }
          for (let xi = 0; xi < XI; xi++) {
            const s = stage + <usize>((xi / 6) * 96 + (xi % 6) * 16);
            const q = o + <usize>xi * plane;
            for (let l = 0; l < rem; l++) store<f32>(q + (<usize>l << 2), load<f32>(s + (<usize>l << 2)));
          }
        }
      }
    }
  }
}

/**
 * A^T m for six f32x4 (the 4 outputs as 4 f32x4 at dst, dst + dstep, …), with
 * A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
 */
// @ts-ignore: decorator
@inline
function at6(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, dst: usize, dstep: usize): void {
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2);
  const c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, a), c));
  v128.store(dst + dstep, f32x4.add(b, f32x4.mul(f32x4.splat(2), d)));
  v128.store(dst + 2 * dstep, f32x4.add(a, f32x4.mul(f32x4.splat(4), c)));
  v128.store(dst + 3 * dstep, f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5));
}

/**
 * y[f] = act(A^T M A + bias[f]) for one image's tiles (columns n0 … n0+T-1 of
 * M): four tiles per step, each 4x4 output tile written to rows 4th … 4th+3
 * and columns 4tw … 4tw+15, clipped at the edges. stage: 36 f32x4.
 */
function transformOutput(m: usize, yb: usize, bias: usize, F: i32, OH: i32, OW: i32, TH: i32, TW: i32, N: i32, n0: i32, act: i32, stage: usize): void {
  const plane = <usize>(F * N + SKEW) << 2;
  const zero = f32x4.splat(0);
  for (let f = 0; f < F; f++) {
    const bv = f32x4.splat(bias != 0 ? load<f32>(bias + (<usize>f << 2)) : <f32>0);
    const mf = m + (<usize>(f * N + n0) << 2);
    const yf = yb + (<usize>(f * OH * OW) << 2);
    for (let th = 0; th < TH; th++) {
      for (let tw = 0; tw < TW; tw += 4) {
        // Lanes past the tile row read other tiles (or M's slack) and are dropped.
        const o = mf + (<usize>(th * TW + tw) << 2);
        // A^T M: down each of the six columns (M[6k + j]), 4 rows x 6 into stage.
        for (let j = 0; j < 6; j++) {
          const q = o + <usize>j * plane;
          const s6 = plane * 6;
          at6(v128.load(q), v128.load(q + s6), v128.load(q + 2 * s6), v128.load(q + 3 * s6), v128.load(q + 4 * s6), v128.load(q + 5 * s6), stage + <usize>(j * 16), 96);
        }
        const rows = min(4, OH - 4 * th);
        const cols = min(16, OW - 4 * tw);
        for (let i = 0; i < rows; i++) {
          // (A^T M) A along output row i: 4 values per tile, lanes = tiles.
          const s = stage + <usize>(i * 96);
          at6(v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), v128.load(s, 64), v128.load(s, 80), s, 16);
          let y0 = f32x4.add(v128.load(s), bv), y1 = f32x4.add(v128.load(s, 16), bv);
          let y2 = f32x4.add(v128.load(s, 32), bv), y3 = f32x4.add(v128.load(s, 48), bv);
          if (act == ACT_RELU) {
            y0 = f32x4.max(y0, zero); y1 = f32x4.max(y1, zero);
            y2 = f32x4.max(y2, zero); y3 = f32x4.max(y3, zero);
          }
          // Transpose: tile l's four outputs become columns 4l … 4l+3 of the row.
          const t0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
          const r = yf + (<usize>((4 * th + i) * OW + 4 * tw) << 2);
          const c0 = v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), c1 = v128.shuffle<f32>(t0, t2, 2, 3, 6, 7);
          const c2 = v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), c3 = v128.shuffle<f32>(t1, t3, 2, 3, 6, 7);
          if (cols == 16) {
            v128.store(r, c0); v128.store(r, c1, 16); v128.store(r, c2, 32); v128.store(r, c3, 48);
          } else {
            // The row of the stage is used up: stage the 16 outputs there, then copy the valid ones.
            v128.store(s, c0); v128.store(s, c1, 16); v128.store(s, c2, 32); v128.store(s, c3, 48);
            for (let l = 0; l < cols; l++) store<f32>(r + (<usize>l << 2), load<f32>(s + (<usize>l << 2)));
          }
        }
      }
    }
  }
}
