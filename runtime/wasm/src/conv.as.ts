/**
 * Convolution and fully connected layers for WebAssembly (AssemblyScript),
 * on top of sgemm (gemm.as.ts). Semantics are those of runtime/conv.ts and
 * runtime/fc.ts; pointers are byte offsets into the shared linear memory and
 * 0 stands for "none" (no bias, no input gradient). Each call covers a range
 * of images [b0, b1) so that threads can split a batch; per-thread buffers
 * (the conv scratch `col`) are passed in.
 *
 * The forward pass takes the first algorithm that applies: 1x1 (a plain
 * GEMM), Winograd F(4x4, 3x3) (winograd.as.ts), direct (direct.as.ts, few
 * filters), implicit GEMM (implicit.as.ts, row stride 1), im2col + GEMM.
 * The backward pass computes the input gradient of 3x3 stride-1 layers by
 * Winograd and everything else with im2col, col2im and GEMMs.
 */
import { sgemm } from "./gemm.as";
import { ACT_NONE, ACT_RELU, exampleBytes, gi, Slot } from "./geometry.as";
import { implicitApplies, implicitConv, implicitPackOnce, implicitSetup } from "./implicit.as";
import { winogradApplies, winogradForward, winogradInputGradient } from "./winograd.as";
import { directApplies, directConv, directSetup } from "./direct.as";

/** Conv geometry g: the slots of geometry.as.ts (Slot.C … Slot.OW, and Slot.scratch, the scratch capacity in floats). */
@inline function isPointwise(g: usize): bool {
  return gi(g, Slot.KH) == 1 && gi(g, Slot.KW) == 1 && gi(g, Slot.SH) == 1 && gi(g, Slot.SW) == 1 && gi(g, Slot.PH) == 0 && gi(g, Slot.PW) == 0;
}

/** Runs shorter than this many floats are copied or zeroed inline rather than by memory.copy/fill. */
const SHORT_RUN: i32 = 64;

/** dst[0 … n) = src[0 … n) (floats; the ranges do not overlap). */
@inline function copyF32(dst: usize, src: usize, n: i32): void {
  if (n >= SHORT_RUN) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** dst[0 … n) = 0. */
@inline function zeroF32(dst: usize, n: i32): void {
  if (n >= SHORT_RUN) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * Output columns [firstInside, endInside) are those whose input column
 * iw = ow*SW - PW + kw lies inside [0, W); the others read padding.
 */
@inline function firstInside(kw: i32, PW: i32, SW: i32, OW: i32): i32 {
  const lo = kw >= PW ? 0 : (PW - kw + SW - 1) / SW;
  return lo < OW ? lo : OW;
}

@inline function endInside(kw: i32, W: i32, PW: i32, SW: i32, OW: i32, lo: i32): i32 {
  let hi = W - 1 + PW - kw >= 0 ? (W - 1 + PW - kw) / SW + 1 : 0;
  if (hi > OW) hi = OW;
  return hi < lo ? lo : hi;
}

/** im2col of one image (see runtime/conv.ts): col[(c*KH+kh)*KW+kw][oh*OW+ow], rows `ld` floats apart. */
function im2col(x: usize, g: usize, col: usize, ld: i32): void {
  walkCols(x, g, col, ld, false);
}

/** col2im of one image (rows `ld` floats apart), accumulating into dx (the adjoint of im2col). */
function col2im(col: usize, g: usize, dx: usize, ld: i32): void {
  walkCols(dx, g, col, ld, true);
}

/**
 * The run of im2col row (c, kh, kw), output row oh, that reads the image: for
 * each, `adjoint` false copies image → col (zeroing what reads padding),
 * true adds col → image. One walk for both keeps them each other's adjoint.
 */
// @ts-ignore: decorator
@inline
function walkCols(img: usize, g: usize, col: usize, ld: i32, adjoint: bool): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), SW = gi(g, Slot.SW), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW);
  const step = <usize>SW << 2;
  let row = col;
  for (let c = 0; c < C; c++) {
    const ic = img + (<usize>(c * H * W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, row += <usize>ld << 2) {
        let d = row;
        const owLo = firstInside(kw, PW, SW, OW);
        const owHi = endInside(kw, W, PW, SW, OW, owLo);
        for (let oh = 0; oh < OH; oh++, d += <usize>OW << 2) {
          const ih = oh * SH - PH + kh;
          const inside = ih >= 0 && ih < H;
          if (adjoint) {
            if (inside) addRun(ic + (<usize>(ih * W + owLo * SW - PW + kw) << 2), step, d, owLo, owHi);
            continue;
          }
          if (!inside) {
            zeroF32(d, OW);
            continue;
          }
          if (owLo > 0) zeroF32(d, owLo);
          const src = ic + (<usize>(ih * W + owLo * SW - PW + kw) << 2);
          if (owHi <= owLo) {
            // the whole row is padding
          } else if (SW == 1) {
            copyF32(d + (<usize>owLo << 2), src, owHi - owLo);
          } else {
            let s = src;
            for (let ow = owLo; ow < owHi; ow++, s += step) store<f32>(d + (<usize>ow << 2), load<f32>(s));
          }
          if (owHi < OW) zeroF32(d + (<usize>owHi << 2), OW - owHi);
        }
      }
    }
  }
}

/** img[s + (ow - owLo) * step] += d[ow] for ow in [owLo, owHi) (step 4: SIMD). */
// @ts-ignore: decorator
@inline
function addRun(s: usize, step: usize, d: usize, owLo: i32, owHi: i32): void {
  let ow = owLo;
  if (step == 4) {
    for (; ow + 4 <= owHi; ow += 4, s += 16) v128.store(s, f32x4.add(v128.load(s), v128.load(d + (<usize>ow << 2))));
  }
  for (; ow < owHi; ow++, s += step) store<f32>(s, load<f32>(s) + load<f32>(d + (<usize>ow << 2)));
}

/**
 * y[r][j] = act(y[r][j] + bias[r]) for rows r < R of length L (bias 0: none).
 * The conv epilogue (rows = filters) runs while the image's output is in cache.
 */
function biasActRows(y: usize, bias: usize, R: i32, L: i32, act: i32): void {
  if (bias == 0 && act == ACT_NONE) return;
  const zero = f32x4.splat(0);
  for (let r = 0; r < R; r++) {
    const b = bias != 0 ? load<f32>(bias + (<usize>r << 2)) : <f32>0;
    const bv = f32x4.splat(b);
    let p = y + (<usize>(r * L) << 2);
    let j = 0;
    if (act == ACT_RELU) {
      for (; j + 4 <= L; j += 4, p += 16) v128.store(p, f32x4.max(f32x4.add(v128.load(p), bv), zero));
      for (; j < L; j++, p += 4) store<f32>(p, max(load<f32>(p) + b, <f32>0));
    } else {
      for (; j + 4 <= L; j += 4, p += 16) v128.store(p, f32x4.add(v128.load(p), bv));
      for (; j < L; j++, p += 4) store<f32>(p, load<f32>(p) + b);
    }
  }
}

/**
 * Images per GEMM: as many whole images as fit in the scratch (capacity
 * gi(g, Slot.scratch) floats) with their im2col columns side by side (CKK
 * rows of nb*OHW) plus an F x nb*OHW staging block for the output or its
 * gradient. One GEMM over several small images packs the weights once and
 * gets wider tiles.
 */
@inline function imagesPerChunk(g: usize, CKK: i32, F: i32, OHW: i32, images: i32): i32 {
  const per = (CKK + F) * OHW;
  let nb = gi(g, Slot.scratch) / per;
  if (nb < 1) nb = 1;
  return nb < images ? nb : images;
}

/**
 * Convolution forward for images [b0, b1): y_b = act(W * im2col(x_b) + bias).
 * g: geometry (its Slot.scratch the capacity of col), col: this thread's scratch.
 */
export function convForward(x: usize, w: usize, bias: usize, y: usize, col: usize, g: usize, b0: i32, b1: i32, act: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), F = gi(g, Slot.F);
  const CKK = C * gi(g, Slot.KH) * gi(g, Slot.KW);
  const OHW = gi(g, Slot.OH) * gi(g, Slot.OW);
  const inBytes = <usize>(C * H * W) << 2;
  const outBytes = exampleBytes(g, Slot.YS, F, OHW);
  if (isPointwise(g)) {
    for (let b = b0; b < b1; b++) {
      const yb = y + <usize>b * outBytes;
      sgemm(0, 0, F, OHW, C, 1, w, C, x + <usize>b * inBytes, OHW, 0, yb, OHW);
      biasActRows(yb, bias, F, OHW, act);
    }
    return;
  }
  if (winogradApplies(g)) {
    // 3x3, stride 1: Winograd F(4x4, 3x3), 4x fewer multiplications.
    winogradForward(x, w, bias, y, col, g, b0, b1, act, inBytes, outBytes);
    return;
  }
  if (directApplies(g)) {
    // Stride 1 and few filters: six filters by four columns per step, no GEMM.
    directSetup(w, col, g);
    for (let b = b0; b < b1; b++) directConv(x + <usize>b * inBytes, bias, y + <usize>b * outBytes, col, g, act);
    return;
  }
  if (implicitApplies(g)) {
    // Stride 1 along rows: GEMM panels packed straight from the (padded) image.
    implicitSetup(col, g);
    const packed = implicitPackOnce(w, g);
    for (let b = b0; b < b1; b++) {
      const yb = y + <usize>b * outBytes;
      implicitConv(x + <usize>b * inBytes, w, yb, col, g, packed);
      biasActRows(yb, bias, F, OHW, act);
    }
    return;
  }
  const nbMax = imagesPerChunk(g, CKK, F, OHW, b1 - b0);
  for (let b = b0; b < b1; b += nbMax) {
    const nb = min(nbMax, b1 - b);
    const ld = nb * OHW;
    if (nb == 1) {
      // One image: the GEMM writes straight into y.
      const yb = y + <usize>b * outBytes;
      im2col(x + <usize>b * inBytes, g, col, OHW);
      sgemm(0, 0, F, OHW, CKK, 1, w, CKK, col, OHW, 0, yb, OHW);
      biasActRows(yb, bias, F, OHW, act);
      continue;
    }
    const stage = col + (<usize>(CKK * ld) << 2);
    for (let j = 0; j < nb; j++) im2col(x + <usize>(b + j) * inBytes, g, col + (<usize>(j * OHW) << 2), ld);
    sgemm(0, 0, F, ld, CKK, 1, w, CKK, col, ld, 0, stage, ld);
    // stage is [F][nb][OHW]; y is [nb][F][OHW].
    for (let j = 0; j < nb; j++) {
      const yb = y + <usize>(b + j) * outBytes;
      for (let f = 0; f < F; f++) copyF32(yb + (<usize>(f * OHW) << 2), stage + (<usize>(f * ld + j * OHW) << 2), OHW);
      biasActRows(yb, bias, F, OHW, act);
    }
  }
}

/**
 * Convolution backward for images [b0, b1): dw (and db unless 0) are
 * OVERWRITTEN with the sums over these images; dx_b (unless dx is 0) is
 * overwritten. A second thread passes its own dw/db and the caller adds them.
 */
export function convBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, col: usize, g: usize, b0: i32, b1: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), F = gi(g, Slot.F);
  const CKK = C * gi(g, Slot.KH) * gi(g, Slot.KW);
  const OHW = gi(g, Slot.OH) * gi(g, Slot.OW);
  const inBytes = <usize>(C * H * W) << 2;
  const outBytes = exampleBytes(g, Slot.DYS, F, OHW);
  if (b1 <= b0) {
    memory.fill(dw, 0, <usize>(F * CKK) << 2);
    if (db != 0) memory.fill(db, 0, <usize>F << 2);
    return;
  }
  // 3x3 stride 1: the input gradient is a forward convolution of dy, by Winograd.
  if (dx != 0 && winogradInputGradient(w, dy, dx, col, g, b0, b1)) dx = 0;
  if (isPointwise(g)) {
    for (let b = b0; b < b1; b++) {
      const xb = x + <usize>b * inBytes;
      const dyb = dy + <usize>b * outBytes;
      sgemm(0, 1, F, C, OHW, 1, dyb, OHW, xb, OHW, b == b0 ? 0 : 1, dw, C);
      if (dx != 0) sgemm(1, 0, C, OHW, F, 1, w, C, dyb, OHW, 0, dx + <usize>b * inBytes, OHW);
    }
  } else {
    const nbMax = imagesPerChunk(g, CKK, F, OHW, b1 - b0);
    for (let b = b0; b < b1; b += nbMax) {
      const nb = min(nbMax, b1 - b);
      const ld = nb * OHW;
      const beta: f32 = b == b0 ? 0 : 1;
      // The output gradient of the chunk as [F][nb*OHW] (one image: dy itself).
      let g0 = dy + <usize>b * outBytes;
      if (nb > 1) {
        g0 = col + (<usize>(CKK * ld) << 2);
        for (let j = 0; j < nb; j++) {
          const dyb = dy + <usize>(b + j) * outBytes;
          for (let f = 0; f < F; f++) copyF32(g0 + (<usize>(f * ld + j * OHW) << 2), dyb + (<usize>(f * OHW) << 2), OHW);
        }
      }
      for (let j = 0; j < nb; j++) im2col(x + <usize>(b + j) * inBytes, g, col + (<usize>(j * OHW) << 2), ld);
      sgemm(0, 1, F, CKK, ld, 1, g0, ld, col, ld, beta, dw, CKK);
      if (dx != 0) {
        sgemm(1, 0, CKK, ld, F, 1, w, CKK, g0, ld, 0, col, ld);
        for (let j = 0; j < nb; j++) {
          const dxb = dx + <usize>(b + j) * inBytes;
          memory.fill(dxb, 0, inBytes);
          col2im(col + (<usize>(j * OHW) << 2), g, dxb, ld);
        }
      }
    }
  }
  if (db != 0) {
    for (let f = 0; f < F; f++) {
      let s = f32x4.splat(0);
      let t: f32 = 0;
      for (let b = b0; b < b1; b++) {
        let p = dy + <usize>b * outBytes + (<usize>(f * OHW) << 2);
        let i = 0;
        for (; i + 4 <= OHW; i += 4, p += 16) s = f32x4.add(s, v128.load(p));
        for (; i < OHW; i++, p += 4) t += load<f32>(p);
      }
      store<f32>(db + (<usize>f << 2), t + f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
    }
  }
}

/**
 * Fully connected forward for output columns [n0, n1):
 * y[:, n0:n1] = act(x * W[n0:n1]^T + b[n0:n1]). x [B][M], w [N][M], y [B][N].
 */
export function fcForward(x: usize, w: usize, bias: usize, y: usize, B: i32, M: i32, N: i32, n0: i32, n1: i32, act: i32): void {
  const cols = n1 - n0;
  if (cols <= 0 || B <= 0) return;
  const yc = y + (<usize>n0 << 2);
  sgemm(0, 1, B, cols, M, 1, x, M, w + (<usize>(n0 * M) << 2), M, 0, yc, N);
  if (bias == 0 && act == ACT_NONE) return;
  const zero = f32x4.splat(0);
  const bc = bias + (<usize>n0 << 2);
  for (let r = 0; r < B; r++) {
    let p = yc + (<usize>(r * N) << 2);
    let q = bc;
    let j = 0;
    if (bias != 0) {
      for (; j + 4 <= cols; j += 4, p += 16, q += 16) {
        const v = f32x4.add(v128.load(p), v128.load(q));
        v128.store(p, act == ACT_RELU ? f32x4.max(v, zero) : v);
      }
      for (; j < cols; j++, p += 4, q += 4) {
        const v = load<f32>(p) + load<f32>(q);
        store<f32>(p, act == ACT_RELU ? max(v, <f32>0) : v);
      }
    } else {
      for (; j < cols; j++, p += 4) store<f32>(p, max(load<f32>(p), <f32>0));
    }
  }
}

/**
 * Fully connected backward, split for threads: rows [n0, n1) of dw = dy^T x
 * (and db[n0:n1] unless db is 0), and columns [m0, m1) of dx = dy W (unless dx is 0).
 */
export function fcBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, B: i32, M: i32, N: i32, n0: i32, n1: i32, m0: i32, m1: i32): void {
  const rows = n1 - n0;
  if (rows > 0) {
    sgemm(1, 0, rows, M, B, 1, dy + (<usize>n0 << 2), N, x, M, 0, dw + (<usize>(n0 * M) << 2), M);
    if (db != 0) {
      for (let j = n0; j < n1; j++) {
        let s: f32 = 0;
        for (let r = 0; r < B; r++) s += load<f32>(dy + (<usize>(r * N + j) << 2));
        store<f32>(db + (<usize>j << 2), s);
      }
    }
  }
  const cols = m1 - m0;
  if (dx != 0 && cols > 0) {
    sgemm(0, 0, B, cols, N, 1, dy, N, w + (<usize>m0 << 2), M, 0, dx + (<usize>m0 << 2), M);
  }
}
