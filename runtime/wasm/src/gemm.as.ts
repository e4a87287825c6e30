/**
 * SGEMM for WebAssembly with 128-bit SIMD (AssemblyScript source).
 *
 * Part of the kernel module that scripts/build-wasm.mjs builds from
 * kernels.as.ts into dist/runtime/wasm/kernels.wasm. This file is
 * AssemblyScript, not TypeScript: tsconfig.json excludes runtime/wasm/src, and
 * the loader lives in runtime/wasm/module.ts. The convolutions (conv.as.ts,
 * implicit.as.ts) reuse its packing and micro-kernel through the exports below.
 *
 *   C = alpha * op(A) * op(B) + beta * C          (float32, row-major)
 *
 * op(A) is M x K, op(B) is K x N, C is M x N; the semantics (transposes,
 * leading dimensions in elements, beta = 0 overwriting NaN/Inf in C, alpha = 0
 * or K = 0 only scaling C) are those of runtime/gemm.ts, but every pointer is
 * a BYTE offset into this module's own linear memory and the arithmetic is
 * float32 (runtime/gemm.ts accumulates in float64).
 *
 * Structure (Goto / BLIS):
 *   for each NC-wide column block of op(B)
 *     for each KC-deep block of K (equal-sized blocks)
 *       for each MC-tall row block of op(A)   pack alpha * op(A) into MR-row panels
 *         for each NR-column panel of op(B)   (first row block: pack it into NR-column
 *                                              panels just before use, so it is in L1)
 *           for each MR panel                  MR x NR micro-kernel on packed data
 * Packing turns all four transpose cases into one contiguous access pattern
 * (transposed operands are packed with 4x4 SIMD transposes). Edge tiles are
 * computed on zero-padded panels into a scratch tile and merged into C.
 * For C with at most 8 rows, op(B) = B and K blocks of at most 64, full B
 * panels are read in place instead (packing would not pay for itself). For
 * narrow blocks of C (fewer than DIRECT_A_BELOW columns: a 1x1 convolution on
 * a 7x7 plane), op(A) = A is read in place too: each A panel serves only a
 * few B panels, so packing it costs more than it saves.
 * sgemmAct (the 1x1 convolutions) finishes each tile of the last K block with
 * a per-row scale, shift and activation before storing it.
 * A * B^T with C no larger than K (convolution weight gradients: small C,
 * long K) skips packing altogether: see dotNT at the end of this file.
 *
 * The micro-kernel keeps a 4 x 8 tile of C in eight f32x4 accumulators:
 * per k it loads one 8-wide row of the B panel (2 x v128), splats 4 values
 * of the A panel and does 8 mul + 8 add. Measured on Node 20 / V8 11.3
 * (x64), 4x8 beat 6x8, 4x12, 8x8, 5x8, 3x12 and 8x4 tiles: with more than
 * ~8 accumulators V8's register allocator spills (only 15 xmm registers are
 * allocatable). There is no fused multiply-add in non-relaxed WASM SIMD.
 *
 * Scratch (packing buffers, edge tile) is a static region of this module's
 * memory by default; setScratch() moves it (for instances sharing a memory).
 * Nothing is allocated at run time.
 */

import { ACT_NONE, ACT_RELU, ACT_RELU6 } from "./geometry.as";
import { affineActRows } from "./epilogue.as";

/** Micro-tile rows (of C / op(A)). */
export const MR: i32 = 4;
/** Micro-tile columns (of C / op(B)): two f32x4. */
export const NR: i32 = 8;
/** Depth of a K block: an MR x KC panel of A (4 KB) and a KC x NR panel of B (8 KB) live in L1. */
export const KC: i32 = 256;
/** Rows of op(A) packed at once (MC x KC floats = 128 KB, in L2). Multiple of MR. */
export const MC: i32 = 128;
/** Columns of op(B) packed at once (KC x NC floats = 512 KB, in L2). Multiple of NR. */
export const NC: i32 = 512;

/**
 * Column blocks narrower than this read A in place (kernel4x8A) instead of
 * packing it. Measured (one thread, the weights cycled through 24 copies so
 * that they come from memory, as in a forward): N = 49 (MobileNetV2's 7x7
 * layers) 5-8% faster; N = 196 and 392 within ±2% either way; N ≥ 784 1-4%
 * slower.
 */
const DIRECT_A_BELOW: i32 = 128;

const PACK_A_BYTES: i32 = MC * KC * 4;
const PACK_B_BYTES: i32 = KC * NC * 4;
const EDGE_BYTES: i32 = MR * NR * 4;
const SCRATCH_BYTES: i32 = PACK_A_BYTES + PACK_B_BYTES + EDGE_BYTES;

let packA: usize = memory.data(SCRATCH_BYTES, 64);
let packB: usize = packA + <usize>PACK_A_BYTES;
let edge: usize = packB + <usize>PACK_B_BYTES;

/** Depth of the K blocks for a depth K: equal-sized blocks of at most KC (K = 288 -> 144 + 144, not 256 + 32). */
export function kBlock(K: i32): i32 {
  const nk = (K + KC - 1) / KC;
  return (K + nk - 1) / nk;
}

/** This instance's packing buffer for op(B) panels (KC x NC floats; the edge tile follows it). */
export function packedB(): usize {
  return packB;
}

/** Bytes of scratch one gemm call needs (for setScratch). */
export function scratchBytes(): i32 {
  return SCRATCH_BYTES;
}

/** Uses [ptr, ptr + scratchBytes()) as packing scratch instead of the static region (ptr 16-byte aligned). */
export function setScratch(ptr: usize): void {
  packA = ptr;
  packB = packA + <usize>PACK_A_BYTES;
  edge = packB + <usize>PACK_B_BYTES;
}

/** First byte of linear memory not used by this module's static data: free memory starts here. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * C = alpha * op(A) * op(B) + beta * C. Pointers are byte offsets into this
 * module's memory; lda/ldb/ldc are row strides in elements of A, B and C as
 * stored. transA/transB: 0 = as stored, nonzero = transposed (A stored K x M,
 * B stored N x K). No checks: the JS side validates.
 */
export function sgemm(
  transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scaleC(M, N, beta, c, ldc);
    return;
  }
  if (!transA && transB && useDotNT(M, N, K)) {
    dotNT(M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const kb = kBlock(K);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kb) {
      const kc = min(kb, K - pc);
      // For few rows of C and a short K block, full B panels are read in place
      // (row stride ldb) instead of packed: each would be used at most twice,
      // and copying it costs more than it saves (measured: +20% at 6x784x25).
      const direct = !transB && M <= 2 * MR && kc <= 64;
      // The first K block applies beta; later ones accumulate onto it.
      const bt: f32 = pc == 0 ? beta : 1;
      // op(B)[pc, jc] in memory.
      const bBlock = transB
        ? b + ((<usize>jc * <usize>ldb + <usize>pc) << 2)
        : b + ((<usize>pc * <usize>ldb + <usize>jc) << 2);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        // A narrow block of C reads whole MR-row panels of A in place (row stride aRow bytes); otherwise they are packed.
        let pa = packA;
        let aRow: usize = 0;
        if (nc < DIRECT_A_BELOW && !transA && alpha == 1 && mc % MR == 0) {
          aRow = <usize>lda << 2;
          pa = a + <usize>ic * aRow + (<usize>pc << 2);
        } else {
          packOpA(transA, mc, kc, a, lda, ic, pc, alpha);
        }
        // sgemmAct's last K block finishes the tiles of rows ic … ic+mc.
        const epiRow = epiOn && pc + kc == K ? ic : -1;
        // The first row block packs each B panel just before using it (so it is
        // still in L1 for the other row panels); later row blocks reuse them.
        macroKernel(mc, nc, kc, c + ((<usize>ic * <usize>ldc + <usize>jc) << 2), ldc, bt, ic == 0, direct, transB, bBlock, ldb, pa, aRow, epiRow);
      }
    }
  }
}

/*
 * sgemmAct's epilogue while it runs: the scale and shift per row of C (0:
 * none) and the activation. Globals of this instance (each thread has its
 * own), set for the duration of one call.
 */
let epiOn = false;
let epiScale: usize = 0;
let epiBias: usize = 0;
let epiAct: i32 = 0;

/**
 * C = act(A · B · scale + bias): A (M x K) and B (K x N) as stored, C (M x N)
 * overwritten; scale and bias one float per row of C (0: none), act an ACT_
 * value of geometry.as.ts. sgemm whose last K block finishes each tile in its
 * registers (finishTile) instead of a pass over C afterwards: the arithmetic
 * of affineActTo on the product, the same bits. Measured against sgemm and
 * then a pass over each 512-column block, on MobileNetV2's 1x1 layers with
 * relu6 (one thread, load 3-5, the weights cycled through 8 copies): 3-9%
 * faster on the planes of 14x14 and more.
 */
export function sgemmAct(M: i32, N: i32, K: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, bias: usize, scale: usize, act: i32): void {
  if (bias == 0 && scale == 0 && act == ACT_NONE) {
    sgemm(0, 0, M, N, K, 1, a, lda, b, ldb, 0, c, ldc);
    return;
  }
  if (K <= 0) {
    // No K block to finish: the epilogue of a zero product.
    scaleC(M, N, 0, c, ldc);
    finishRows(c, <usize>ldc << 2, M, N, 0, scale, bias, act);
    return;
  }
  epiOn = true;
  epiScale = scale;
  epiBias = bias;
  epiAct = act;
  sgemm(0, 0, M, N, K, 1, a, lda, b, ldb, 0, c, ldc);
  epiOn = false;
}

/** R rows of C (n floats each at c, rows ldcB bytes apart), C's rows row … row+R-1, finished with sgemmAct's epilogue (scale and bias: one float per row of C, 0 for none). */
function finishRows(c: usize, ldcB: usize, R: i32, n: i32, row: i32, scale: usize, bias: usize, act: i32): void {
  const o = <usize>row << 2;
  affineActRows(c, ldcB, bias == 0 ? 0 : bias + o, scale == 0 ? 0 : scale + o, R, n, act);
}

/** C = beta * C (beta = 0 writes zeros regardless of the old contents). */
function scaleC(M: i32, N: i32, beta: f32, c: usize, ldc: i32): void {
  if (beta == 1) return;
  const rowBytes = <usize>ldc << 2;
  for (let i = 0; i < M; i++) {
    const r = c + <usize>i * rowBytes;
    if (beta == 0) {
      memory.fill(r, 0, <usize>N << 2);
    } else {
      for (let j = 0; j < N; j++) {
        const p = r + (<usize>j << 2);
        store<f32>(p, beta * load<f32>(p));
      }
    }
  }
}

/**
 * All MR x NR tiles of one (mc x nc) block of C from the A panels at pa
 * (packed, or with aRow != 0 A itself, rows aRow bytes apart); with `pack`,
 * first packs each NR-column panel of op(B) (block at bBlock) into packB;
 * with `direct` (op(B) = B), full-width panels are read from B itself.
 * epiRow ≥ 0: the block is finished with sgemmAct's epilogue, the block's
 * first row being row epiRow of C: in each tile from packed A (each call of
 * the inlined panelTiles has a constant `fuse`, so the loop without the
 * epilogue is unchanged), in a pass over the block from A in place (measured:
 * finishing kernel4x8A's tiles in registers made the 7x7 layers 5% slower
 * than the pass; finishing kernel4x8's made the others 1-9% faster).
 */
function macroKernel(
  mc: i32, nc: i32, kc: i32, c: usize, ldc: i32, beta: f32,
  pack: bool, direct: bool, transB: i32, bBlock: usize, ldb: i32, pa: usize, aRow: usize, epiRow: i32,
): void {
  const ldcB = <usize>ldc << 2;
  const ldbB = <usize>ldb << 2;
  const bPanelBytes = <usize>(NR * kc) << 2;
  let pb = packB;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    // The kernel's B panel: packed (row stride NR floats) or in place (row stride ldb).
    let pbk = pb;
    let pbStride: usize = NR << 2;
    if (direct && nr == NR) {
      pbk = bBlock + (<usize>jr << 2);
      pbStride = ldbB;
    } else if (pack) {
      if (transB) packPanelBT(kc, nr, bBlock + <usize>jr * ldbB, ldbB, pb);
      else packPanelBN(kc, nr, bBlock + (<usize>jr << 2), ldbB, pb);
    }
    const cj = c + (<usize>jr << 2);
    if (aRow != 0) panelTilesA(mc, nr, kc, pa, aRow, pbk, pbStride, cj, ldcB, beta);
    else if (epiRow >= 0) panelTilesAct(mc, nr, kc, pbk, pbStride, cj, ldcB, beta, epiRow);
    else panelTiles(mc, nr, kc, pbk, pbStride, cj, ldcB, beta, false, 0);
    pb += bPanelBytes;
  }
  if (aRow != 0 && epiRow >= 0) finishRows(c, ldcB, mc, nc, epiRow, epiScale, epiBias, epiAct);
}

/**
 * The tiles of one NR-column panel of C (at c, mc rows): every MR-row panel of
 * the packed A (packA) times the B panel pb (kc rows, pbStride bytes apart).
 * nr < NR or a last panel of fewer than MR rows: the edge tile is computed
 * whole on the zero-padded panels into the scratch tile (row stride NR), then
 * its valid part merged into C. (Dedicated 2x8 / 4x4 edge kernels measured
 * slower on V8.) With `fuse`, each tile is finished with sgemmAct's epilogue
 * (row0: the row of C at c). Also used by the implicit-GEMM convolution.
 */
// @ts-ignore: decorator
@inline
export function panelTiles(mc: i32, nr: i32, kc: i32, pb: usize, pbStride: usize, c: usize, ldcB: usize, beta: f32, fuse: bool = false, row0: i32 = 0): void {
  const aPanelBytes = <usize>(MR * kc) << 2;
  let pa = packA;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    if (mr == MR && nr == NR) {
      kernel4x8(kc, pa, pb, pbStride, c, ldcB, beta, fuse, row0 + ir);
    } else {
      kernel4x8(kc, pa, pb, pbStride, edge, <usize>(NR << 2), 0, false, 0);
      mergeEdge(mr, nr, c, ldcB, beta);
      if (fuse) finishRows(c, ldcB, mr, nr, row0 + ir, epiScale, epiBias, epiAct);
    }
    pa += aPanelBytes;
    c += ldcB * <usize>MR;
  }
}

/** panelTiles finishing each tile with sgemmAct's epilogue, in a function of its own (V8 compiles it apart from macroKernel's loops). */
function panelTilesAct(mc: i32, nr: i32, kc: i32, pb: usize, pbStride: usize, c: usize, ldcB: usize, beta: f32, row0: i32): void {
  panelTiles(mc, nr, kc, pb, pbStride, c, ldcB, beta, true, row0);
}

/**
 * The 4 x 8 micro-kernel: tile = sum over k of pa[k][0..3] (x) pb[k][0..7];
 * then C = tile (beta 0), C + tile (beta 1) or beta * C + tile, finished with
 * sgemmAct's epilogue of rows row … row+3 when `fuse` (see finishTile).
 * pa: kc x 4 floats, contiguous; pb: kc rows of 8 floats, pbStride bytes
 * apart (32 when packed). No alignment needed (WASM SIMD loads are unaligned).
 */
// @ts-ignore: decorator
@inline
function kernel4x8(kc: i32, pa: usize, pb: usize, pbStride: usize, c: usize, ldcB: usize, beta: f32, fuse: bool, row: i32): void {
  let c00 = f32x4.splat(0), c01 = c00;
  let c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00;
  let c30 = c00, c31 = c00;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += pbStride;
  }
  finishTile(c, ldcB, beta, fuse, row, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * panelTiles with A read in place: MR-row panels of A at pa, rows aRow bytes
 * apart (mc a multiple of MR), times the B panel pb.
 */
function panelTilesA(mc: i32, nr: i32, kc: i32, pa: usize, aRow: usize, pb: usize, pbStride: usize, c: usize, ldcB: usize, beta: f32): void {
  for (let ir = 0; ir < mc; ir += MR) {
    if (nr == NR) {
      kernel4x8A(kc, pa, aRow, pb, pbStride, c, ldcB, beta);
    } else {
      kernel4x8A(kc, pa, aRow, pb, pbStride, edge, <usize>(NR << 2), 0);
      mergeEdge(MR, nr, c, ldcB, beta);
    }
    pa += aRow * <usize>MR;
    c += ldcB * <usize>MR;
  }
}

/** kernel4x8 with A's four rows read in place (aRow bytes apart, kc floats each) instead of from a packed panel. */
// @ts-ignore: decorator
@inline
function kernel4x8A(kc: i32, pa: usize, aRow: usize, pb: usize, pbStride: usize, c: usize, ldcB: usize, beta: f32): void {
  let c00 = f32x4.splat(0), c01 = c00;
  let c10 = c00, c11 = c00;
  let c20 = c00, c21 = c00;
  let c30 = c00, c31 = c00;
  const pa1 = pa + aRow, pa2 = pa1 + aRow, pa3 = pa2 + aRow;
  const end = <usize>kc << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa + o);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa1 + o);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa2 + o);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa3 + o);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pb += pbStride;
  }
  storeTile(c, ldcB, beta, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * Stores a finished 4 x 8 tile: without `fuse`, as storeTile; with it (beta 0
 * or 1), act((tile + beta · C) · scale + bias) with sgemmAct's scale, bias and
 * activation of rows row … row+3, in affineActTo's order of operations.
 */
// @ts-ignore: decorator
@inline
function finishTile(c: usize, ldcB: usize, beta: f32, fuse: bool, row: i32, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  if (!fuse) {
    storeTile(c, ldcB, beta, c00, c01, c10, c11, c20, c21, c30, c31);
    return;
  }
  const c1 = c + ldcB;
  const c2 = c1 + ldcB;
  const c3 = c2 + ldcB;
  if (beta != 0) {
    c00 = f32x4.add(v128.load(c), c00); c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c1), c10); c11 = f32x4.add(v128.load(c1, 16), c11);
    c20 = f32x4.add(v128.load(c2), c20); c21 = f32x4.add(v128.load(c2, 16), c21);
    c30 = f32x4.add(v128.load(c3), c30); c31 = f32x4.add(v128.load(c3, 16), c31);
  }
  // No scale multiplies by 1 and no bias adds 0, as affineActTo does.
  const o = <usize>row << 2;
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  let s = epiScale == 0 ? one : v128.load32_splat(epiScale + o);
  let h = epiBias == 0 ? zero : v128.load32_splat(epiBias + o);
  c00 = f32x4.add(f32x4.mul(c00, s), h); c01 = f32x4.add(f32x4.mul(c01, s), h);
  s = epiScale == 0 ? one : v128.load32_splat(epiScale + o, 4);
  h = epiBias == 0 ? zero : v128.load32_splat(epiBias + o, 4);
  c10 = f32x4.add(f32x4.mul(c10, s), h); c11 = f32x4.add(f32x4.mul(c11, s), h);
  s = epiScale == 0 ? one : v128.load32_splat(epiScale + o, 8);
  h = epiBias == 0 ? zero : v128.load32_splat(epiBias + o, 8);
  c20 = f32x4.add(f32x4.mul(c20, s), h); c21 = f32x4.add(f32x4.mul(c21, s), h);
  s = epiScale == 0 ? one : v128.load32_splat(epiScale + o, 12);
  h = epiBias == 0 ? zero : v128.load32_splat(epiBias + o, 12);
  c30 = f32x4.add(f32x4.mul(c30, s), h); c31 = f32x4.add(f32x4.mul(c31, s), h);
  if (epiAct == ACT_RELU) {
    // affineActTo's pmax(zero, v) and pmin(pmax(v, zero), six): the same NaN rules
    c00 = f32x4.pmax(zero, c00); c01 = f32x4.pmax(zero, c01);
    c10 = f32x4.pmax(zero, c10); c11 = f32x4.pmax(zero, c11);
    c20 = f32x4.pmax(zero, c20); c21 = f32x4.pmax(zero, c21);
    c30 = f32x4.pmax(zero, c30); c31 = f32x4.pmax(zero, c31);
  } else if (epiAct == ACT_RELU6) {
    const six = f32x4.splat(6);
    c00 = f32x4.pmin(f32x4.pmax(c00, zero), six); c01 = f32x4.pmin(f32x4.pmax(c01, zero), six);
    c10 = f32x4.pmin(f32x4.pmax(c10, zero), six); c11 = f32x4.pmin(f32x4.pmax(c11, zero), six);
    c20 = f32x4.pmin(f32x4.pmax(c20, zero), six); c21 = f32x4.pmin(f32x4.pmax(c21, zero), six);
    c30 = f32x4.pmin(f32x4.pmax(c30, zero), six); c31 = f32x4.pmin(f32x4.pmax(c31, zero), six);
  }
  storeTile(c, ldcB, 0, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** Stores a 4 x 8 tile (row r in cr0, cr1) at c (rows ldcB bytes apart): C = tile (beta 0), C + tile (beta 1) or beta * C + tile. */
// @ts-ignore: decorator
@inline
function storeTile(c: usize, ldcB: usize, beta: f32, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  const c1 = c + ldcB;
  const c2 = c1 + ldcB;
  const c3 = c2 + ldcB;
  if (beta == 0) {
    v128.store(c, c00); v128.store(c, c01, 16);
    v128.store(c1, c10); v128.store(c1, c11, 16);
    v128.store(c2, c20); v128.store(c2, c21, 16);
    v128.store(c3, c30); v128.store(c3, c31, 16);
  } else if (beta == 1) {
    v128.store(c, f32x4.add(v128.load(c), c00)); v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
    v128.store(c1, f32x4.add(v128.load(c1), c10)); v128.store(c1, f32x4.add(v128.load(c1, 16), c11), 16);
    v128.store(c2, f32x4.add(v128.load(c2), c20)); v128.store(c2, f32x4.add(v128.load(c2, 16), c21), 16);
    v128.store(c3, f32x4.add(v128.load(c3), c30)); v128.store(c3, f32x4.add(v128.load(c3, 16), c31), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c)), c00));
    v128.store(c, f32x4.add(f32x4.mul(vb, v128.load(c, 16)), c01), 16);
    v128.store(c1, f32x4.add(f32x4.mul(vb, v128.load(c1)), c10));
    v128.store(c1, f32x4.add(f32x4.mul(vb, v128.load(c1, 16)), c11), 16);
    v128.store(c2, f32x4.add(f32x4.mul(vb, v128.load(c2)), c20));
    v128.store(c2, f32x4.add(f32x4.mul(vb, v128.load(c2, 16)), c21), 16);
    v128.store(c3, f32x4.add(f32x4.mul(vb, v128.load(c3)), c30));
    v128.store(c3, f32x4.add(f32x4.mul(vb, v128.load(c3, 16)), c31), 16);
  }
}

/** Merges the top-left mr x nr of the edge tile (row stride NR) into C: C = tile + beta * C. */
function mergeEdge(mr: i32, nr: i32, c: usize, ldcB: usize, beta: f32): void {
  const vb = f32x4.splat(beta);
  for (let i = 0; i < mr; i++) {
    const src = edge + (<usize>(i * NR) << 2);
    const dst = c + <usize>i * ldcB;
    let j = 0;
    // Whole f32x4 groups of the row, then single floats.
    for (; j + 4 <= nr; j += 4) {
      const o = <usize>j << 2;
      const t = v128.load(src + o);
      if (beta == 0) v128.store(dst + o, t);
      else if (beta == 1) v128.store(dst + o, f32x4.add(v128.load(dst + o), t));
      else v128.store(dst + o, f32x4.add(f32x4.mul(vb, v128.load(dst + o)), t));
    }
    for (; j < nr; j++) {
      const o = <usize>j << 2;
      const t = load<f32>(src + o);
      if (beta == 0) store<f32>(dst + o, t);
      else if (beta == 1) store<f32>(dst + o, load<f32>(dst + o) + t);
      else store<f32>(dst + o, beta * load<f32>(dst + o) + t);
    }
  }
}

/**
 * Transposes a 4 x 4 block: reads rows at src, src + srcStride, ... (4 floats
 * each) and writes its columns as rows at dst, dst + dstStride, ..., scaled
 * by `scale` (a splatted f32x4).
 */
// @ts-ignore: decorator
@inline
function transpose4x4(src: usize, srcStride: usize, dst: usize, dstStride: usize, scale: v128): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + srcStride);
  const r2 = v128.load(src + 2 * srcStride);
  const r3 = v128.load(src + 3 * srcStride);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.mul(scale, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5)));
  v128.store(dst + dstStride, f32x4.mul(scale, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7)));
  v128.store(dst + 2 * dstStride, f32x4.mul(scale, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5)));
  v128.store(dst + 3 * dstStride, f32x4.mul(scale, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7)));
}

/**
 * Packs alpha * op(A)[ic .. ic+mc, pc .. pc+kc] into MR-row panels:
 * panel p holds k-major MR-tuples, element (p*MR + r, k) at packA[(p*kc + k)*MR + r].
 * Rows past mc in the last panel are zero.
 */
export function packOpA(transA: i32, mc: i32, kc: i32, a: usize, lda: i32, ic: i32, pc: i32, alpha: f32): void {
  const ldaB = <usize>lda << 2;
  const va = f32x4.splat(alpha);
  let dst = packA;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    if (transA) {
      // op(A)(i, k) = A[k*lda + i]: MR consecutive floats per k.
      let src = a + <usize>(pc) * ldaB + (<usize>(ic + i0) << 2);
      if (mr == MR) {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, f32x4.mul(va, v128.load(src)));
          src += ldaB;
          dst += 16;
        }
      } else {
        memory.fill(dst, 0, <usize>kc << 4);
        for (let r = 0; r < mr; r++) {
          let s = src + (<usize>r << 2);
          let d = dst + (<usize>r << 2);
          for (let k = 0; k < kc; k++) {
            store<f32>(d, alpha * load<f32>(s));
            s += ldaB;
            d += 16;
          }
        }
        dst += <usize>kc << 4;
      }
    } else {
      // op(A)(i, k) = A[i*lda + k]: MR rows read along k, 4x4 transposes.
      const src = a + <usize>(ic + i0) * ldaB + (<usize>pc << 2);
      if (mr == MR) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          transpose4x4(src + (<usize>k << 2), ldaB, dst, 16, va);
          dst += 64;
        }
        for (; k < kc; k++) {
          const s = src + (<usize>k << 2);
          store<f32>(dst, alpha * load<f32>(s));
          store<f32>(dst, alpha * load<f32>(s + ldaB), 4);
          store<f32>(dst, alpha * load<f32>(s + 2 * ldaB), 8);
          store<f32>(dst, alpha * load<f32>(s + 3 * ldaB), 12);
          dst += 16;
        }
      } else {
        memory.fill(dst, 0, <usize>kc << 4);
        for (let r = 0; r < mr; r++) {
          const s = src + <usize>r * ldaB;
          const d = dst + (<usize>r << 2);
          for (let k = 0; k < kc; k++) store<f32>(d + (<usize>k << 4), alpha * load<f32>(s + (<usize>k << 2)));
        }
        dst += <usize>kc << 4;
      }
    }
  }
}

/**
 * Packs one NR-column panel of op(B) = B^T (B stored N x K, `src` at op(B)(0, 0))
 * into dst: element (k, j) at dst[k*NR + j], columns j >= nr zero.
 */
function packPanelBT(kc: i32, nr: i32, src: usize, ldbB: usize, dst: usize): void {
  if (nr == NR) {
    // NR rows of B read along k, 4x4 transposes.
    const one = f32x4.splat(1);
    const src4 = src + 4 * ldbB;
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const o = <usize>k << 2;
      transpose4x4(src + o, ldbB, dst, 32, one);
      transpose4x4(src4 + o, ldbB, dst + 16, 32, one);
      dst += 128;
    }
    for (; k < kc; k++) {
      const s = src + (<usize>k << 2);
      for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>j << 2), load<f32>(s + <usize>j * ldbB));
      dst += 32;
    }
  } else {
    memory.fill(dst, 0, <usize>kc << 5);
    for (let j = 0; j < nr; j++) {
      const s = src + <usize>j * ldbB;
      const d = dst + (<usize>j << 2);
      for (let k = 0; k < kc; k++) store<f32>(d + (<usize>k << 5), load<f32>(s + (<usize>k << 2)));
    }
  }
}

/**
 * Packs one NR-column panel of op(B) = B (B stored K x N, `src` at op(B)(0, 0))
 * into dst: element (k, j) at dst[k*NR + j], columns j >= nr zero.
 */
function packPanelBN(kc: i32, nr: i32, src: usize, ldbB: usize, dst: usize): void {
  if (nr == NR) {
    // NR consecutive floats per k.
    for (let k = 0; k < kc; k++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      src += ldbB;
      dst += 32;
    }
  } else {
    memory.fill(dst, 0, <usize>kc << 5);
    for (let j = 0; j < nr; j++) {
      let s = src + (<usize>j << 2);
      let d = dst + (<usize>j << 2);
      for (let k = 0; k < kc; k++) {
        store<f32>(d, load<f32>(s));
        s += ldbB;
        d += 32;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// A * B^T by dot products (no packing): rows of A and rows of B are both
// contiguous along k, so each C element is a dot product of two contiguous
// vectors. A 2 x 4 tile of C keeps eight f32x4 partial sums along k, reduced
// at the end of each K block. Used for the weight gradients of convolutions
// (few, long dot products: C small, K = OH*OW large), where packing B and
// padding a 6 x 25 C to 8 x 32 would cost more than the products.

/** Depth of a K block for dotNT: 2 rows of A and 4 of B (6 x 2 KB) stay in L1. */
const KD: i32 = 512;

/**
 * Whether A * B^T goes to dotNT: when C has no more elements than K.
 * Measured (V8 11.3, x64): 6x25x784 doubles (17 -> 34 GFLOP/s), 32x27x1024 ties,
 * 16x150x100, 16x120x400, 64x288x256 and 32x256x4096 are 8-15% faster packed.
 */
// @ts-ignore: decorator
@inline
function useDotNT(M: i32, N: i32, K: i32): bool {
  return <i64>M * <i64>N <= <i64>K;
}

/** Sum of each of four vectors, as the four lanes of one vector. */
// @ts-ignore: decorator
@inline
function hsum4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

/** C row segment (4 floats at c) = alpha * r + beta * C (beta = 0: no read). */
// @ts-ignore: decorator
@inline
function storeRow4(c: usize, r: v128, alpha: f32, beta: f32): void {
  let v = f32x4.mul(r, f32x4.splat(alpha));
  if (beta == 1) v = f32x4.add(v, v128.load(c));
  else if (beta != 0) v = f32x4.add(v, f32x4.mul(f32x4.splat(beta), v128.load(c)));
  v128.store(c, v);
}

function dotNT(
  M: i32, N: i32, K: i32, alpha: f32, a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
): void {
  const ldaB = <usize>lda << 2;
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  const nk = (K + KD - 1) / KD;
  const kb = (K + nk - 1) / nk;
  for (let pc = 0; pc < K; pc += kb) {
    const kc = min(kb, K - pc);
    const bt: f32 = pc == 0 ? beta : 1;
    const ak = a + (<usize>pc << 2);
    const bk = b + (<usize>pc << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = bk + <usize>j * ldbB;
      let i = 0;
      for (; i + 2 <= M; i += 2) {
        dot2x4(kc, ak + <usize>i * ldaB, ldaB, b0, ldbB, c + <usize>i * ldcB + (<usize>j << 2), ldcB, alpha, bt);
      }
      if (i < M) dot1x4(kc, ak + <usize>i * ldaB, b0, ldbB, c + <usize>i * ldcB + (<usize>j << 2), alpha, bt);
    }
    for (; j < N; j++) {
      for (let i = 0; i < M; i++) {
        dot1x1(kc, ak + <usize>i * ldaB, bk + <usize>j * ldbB, c + <usize>i * ldcB + (<usize>j << 2), alpha, bt);
      }
    }
  }
}

/** C[0..1][0..3] (row stride ldcB) = alpha * A[0..1] . B[0..3] + beta * C, over kc. */
function dot2x4(kc: i32, pa: usize, ldaB: usize, pb: usize, ldbB: usize, c: usize, ldcB: usize, alpha: f32, beta: f32): void {
  const pa1 = pa + ldaB;
  const pb1 = pb + ldbB, pb2 = pb1 + ldbB, pb3 = pb2 + ldbB;
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00;
  let s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  let o: usize = 0;
  const end = <usize>(kc & ~3) << 2;
  for (; o < end; o += 16) {
    const x0 = v128.load(pa + o), x1 = v128.load(pa1 + o);
    let y = v128.load(pb + o);
    s00 = f32x4.add(s00, f32x4.mul(x0, y));
    s10 = f32x4.add(s10, f32x4.mul(x1, y));
    y = v128.load(pb1 + o);
    s01 = f32x4.add(s01, f32x4.mul(x0, y));
    s11 = f32x4.add(s11, f32x4.mul(x1, y));
    y = v128.load(pb2 + o);
    s02 = f32x4.add(s02, f32x4.mul(x0, y));
    s12 = f32x4.add(s12, f32x4.mul(x1, y));
    y = v128.load(pb3 + o);
    s03 = f32x4.add(s03, f32x4.mul(x0, y));
    s13 = f32x4.add(s13, f32x4.mul(x1, y));
  }
  let r0 = hsum4(s00, s01, s02, s03);
  let r1 = hsum4(s10, s11, s12, s13);
  // The last kc % 4 products.
  const stop = <usize>kc << 2;
  for (; o < stop; o += 4) {
    const y = lanes4(pb, pb1, pb2, pb3, o);
    r0 = f32x4.add(r0, f32x4.mul(v128.load32_splat(pa + o), y));
    r1 = f32x4.add(r1, f32x4.mul(v128.load32_splat(pa1 + o), y));
  }
  storeRow4(c, r0, alpha, beta);
  storeRow4(c + ldcB, r1, alpha, beta);
}

/** The floats at byte offset o of four rows of B, as one vector (a remainder step of the dot-product paths). */
// @ts-ignore: decorator
@inline
function lanes4(pb: usize, pb1: usize, pb2: usize, pb3: usize, o: usize): v128 {
  let y = f32x4.splat(load<f32>(pb + o));
  y = f32x4.replace_lane(y, 1, load<f32>(pb1 + o));
  y = f32x4.replace_lane(y, 2, load<f32>(pb2 + o));
  return f32x4.replace_lane(y, 3, load<f32>(pb3 + o));
}

/**
 * C[0][0..3] = alpha * A[0] . B[0..3] + beta * C, over kc: the last row of an
 * odd M (a fully connected layer at batch 1), four independent sums instead of
 * one dependent chain per column.
 */
function dot1x4(kc: i32, pa: usize, pb: usize, ldbB: usize, c: usize, alpha: f32, beta: f32): void {
  const pb1 = pb + ldbB, pb2 = pb1 + ldbB, pb3 = pb2 + ldbB;
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let o: usize = 0;
  const end = <usize>(kc & ~3) << 2;
  for (; o < end; o += 16) {
    const x = v128.load(pa + o);
    s0 = f32x4.add(s0, f32x4.mul(x, v128.load(pb + o)));
    s1 = f32x4.add(s1, f32x4.mul(x, v128.load(pb1 + o)));
    s2 = f32x4.add(s2, f32x4.mul(x, v128.load(pb2 + o)));
    s3 = f32x4.add(s3, f32x4.mul(x, v128.load(pb3 + o)));
  }
  let r = hsum4(s0, s1, s2, s3);
  // The last kc % 4 products.
  const stop = <usize>kc << 2;
  for (; o < stop; o += 4) {
    const y = lanes4(pb, pb1, pb2, pb3, o);
    r = f32x4.add(r, f32x4.mul(v128.load32_splat(pa + o), y));
  }
  storeRow4(c, r, alpha, beta);
}

/** C[0][0] = alpha * A[0] . B[0] + beta * C, over kc. */
function dot1x1(kc: i32, pa: usize, pb: usize, c: usize, alpha: f32, beta: f32): void {
  let s = f32x4.splat(0);
  let o: usize = 0;
  const end = <usize>(kc & ~3) << 2;
  for (; o < end; o += 16) s = f32x4.add(s, f32x4.mul(v128.load(pa + o), v128.load(pb + o)));
  let r = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  const stop = <usize>kc << 2;
  for (; o < stop; o += 4) r += load<f32>(pa + o) * load<f32>(pb + o);
  r *= alpha;
  if (beta == 1) r += load<f32>(c);
  else if (beta != 0) r += beta * load<f32>(c);
  store<f32>(c, r);
}
