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
 * Winograd and everything else with im2col, col2im and GEMMs. Grouped and
 * dilated convolutions take the 1x1 and im2col paths, group by group.
 */
import { sgemm, sgemmAct } from "./gemm.as";
import { ACT_NONE, ACT_RELU, ACT_RELU6, endInside, exampleBytes, firstInside, gi, Slot } from "./geometry.as";
import { implicitApplies, implicitConv, implicitPackOnce, implicitSetup } from "./implicit.as";
import { winogradApplies, winogradForward, winogradInputGradient } from "./winograd.as";
import { directApplies, directConv, directSetup } from "./direct.as";
import { affineActRows } from "./epilogue.as";

/** Conv geometry g: the slots of geometry.as.ts (Slot.C … Slot.OW, and Slot.scratch, the scratch capacity in floats). */
@inline function isPointwise(g: usize): bool {
  return gi(g, Slot.KH) == 1 && gi(g, Slot.KW) == 1 && gi(g, Slot.SH) == 1 && gi(g, Slot.SW) == 1 && gi(g, Slot.PH) == 0 && gi(g, Slot.PW) == 0;
}

/** Runs shorter than this many floats are copied or zeroed inline rather than by memory.copy/fill. */
const SHORT_RUN: i32 = 64;

/** dst[0 … n) = src[0 … n) (floats; the ranges do not overlap). */
@inline export function copyF32(dst: usize, src: usize, n: i32): void {
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

/** im2col of C channels of one image (see runtime/conv.ts): col[(c*KH+kh)*KW+kw][oh*OW+ow], rows `ld` floats apart. */
function im2col(x: usize, g: usize, col: usize, ld: i32, C: i32): void {
  walkCols(x, g, col, ld, false, C);
}

/** col2im of C channels of one image (rows `ld` floats apart), accumulating into dx (the adjoint of im2col). */
function col2im(col: usize, g: usize, dx: usize, ld: i32, C: i32): void {
  walkCols(dx, g, col, ld, true, C);
}

/**
 * The run of im2col row (c, kh, kw), output row oh, that reads the image: for
 * each, `adjoint` false copies image → col (zeroing what reads padding),
 * true adds col → image. One walk for both keeps them each other's adjoint.
 * C channels from img (a group's slice); taps Slot.DH rows and Slot.DW columns apart.
 */
// @ts-ignore: decorator
@inline
function walkCols(img: usize, g: usize, col: usize, ld: i32, adjoint: bool, C: i32): void {
  const H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW), DH = gi(g, Slot.DH), DW = gi(g, Slot.DW);
  const SH = gi(g, Slot.SH), SW = gi(g, Slot.SW), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW);
  const step = <usize>SW << 2;
  let row = col;
  for (let c = 0; c < C; c++) {
    const ic = img + (<usize>(c * H * W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, row += <usize>ld << 2) {
        let d = row;
        const off = kw * DW;
        const owLo = firstInside(off, PW, SW, OW);
        const owHi = endInside(off, PW, SW, W, OW, owLo);
        for (let oh = 0; oh < OH; oh++, d += <usize>OW << 2) {
          const ih = oh * SH - PH + kh * DH;
          const inside = ih >= 0 && ih < H;
          if (adjoint) {
            if (inside) addRun(ic + (<usize>(ih * W + owLo * SW - PW + off) << 2), step, d, owLo, owHi);
            continue;
          }
          if (!inside) {
            zeroF32(d, OW);
            continue;
          }
          if (owLo > 0) zeroF32(d, owLo);
          const src = ic + (<usize>(ih * W + owLo * SW - PW + off) << 2);
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
 * y[r][j] = act(y[r][j]·scale[r] + bias[r]) for rows r < R of length L
 * (bias 0: none; scale 0: 1, as y + bias, bit for bit).
 * The conv epilogue (rows = filters) runs while the image's output is in cache.
 */
function biasActRows(y: usize, bias: usize, scale: usize, R: i32, L: i32, act: i32): void {
  if (bias == 0 && scale == 0 && act == ACT_NONE) return;
  affineActRows(y, <usize>L << 2, bias, scale, R, L, act);
}

/**
 * Images per GEMM: as many whole images as fit in the scratch (capacity
 * gi(g, Slot.scratch) floats) with their im2col columns side by side (CKK
 * rows of nb*OHW) plus an F x nb*OHW staging block for the output or its
 * gradient. One GEMM over several small images packs the weights once and
 * gets wider tiles.
 */
@inline export function imagesPerChunk(g: usize, CKK: i32, F: i32, OHW: i32, images: i32): i32 {
  const per = (CKK + F) * OHW;
  let nb = gi(g, Slot.scratch) / per;
  if (nb < 1) nb = 1;
  return nb < images ? nb : images;
}

/** A dense (one group), undilated convolution: the only kind the Winograd, direct and implicit-GEMM paths take. */
@inline function isPlain(g: usize): bool {
  return gi(g, Slot.G) == 1 && gi(g, Slot.DH) == 1 && gi(g, Slot.DW) == 1;
}

/**
 * Convolution forward for images [b0, b1): y_b = act(W * im2col(x_b) + bias).
 * g: geometry (its Slot.scratch the capacity of col), col: this thread's scratch.
 */
export function convForward(x: usize, w: usize, bias: usize, y: usize, col: usize, g: usize, b0: i32, b1: i32, act: i32, scale: usize): void {
  if (isPlain(g) && !isPointwise(g)) {
    const inBytes = <usize>(gi(g, Slot.C) * gi(g, Slot.H) * gi(g, Slot.W)) << 2;
    const outBytes = exampleBytes(g, Slot.YS, gi(g, Slot.F), gi(g, Slot.OH) * gi(g, Slot.OW));
    // Winograd's and the direct kernel's own epilogues add a bias and apply relu; a scale or relu6 is a pass after them.
    const own = scale == 0 && act != ACT_RELU6;
    if (winogradApplies(g)) {
      // 3x3, stride 1: Winograd F(4x4, 3x3), 4x fewer multiplications.
      winogradForward(x, w, own ? bias : 0, y, col, g, b0, b1, own ? act : ACT_NONE, inBytes, outBytes);
      if (!own) epilogueImages(y, bias, scale, g, b0, b1, act, outBytes);
      return;
    }
    if (directApplies(g)) {
      // Stride 1 and few filters: six filters by four columns per step, no GEMM.
      directSetup(w, col, g);
      for (let b = b0; b < b1; b++) directConv(x + <usize>b * inBytes, own ? bias : 0, y + <usize>b * outBytes, col, g, own ? act : ACT_NONE);
      if (!own) epilogueImages(y, bias, scale, g, b0, b1, act, outBytes);
      return;
    }
    if (implicitApplies(g)) {
      // Stride 1 along rows: GEMM panels packed straight from the (padded) image.
      implicitSetup(col, g);
      const packed = implicitPackOnce(w, g);
      for (let b = b0; b < b1; b++) {
        const yb = y + <usize>b * outBytes;
        implicitConv(x + <usize>b * inBytes, w, yb, col, g, packed);
        biasActRows(yb, bias, scale, gi(g, Slot.F), gi(g, Slot.OH) * gi(g, Slot.OW), act);
      }
      return;
    }
  }
  convForwardGroups(x, w, bias, y, col, g, b0, b1, 0, gi(g, Slot.G), act, scale);
}

/** The epilogue over whole images [b0, b1) of y (examples outBytes apart). */
function epilogueImages(y: usize, bias: usize, scale: usize, g: usize, b0: i32, b1: i32, act: i32, outBytes: usize): void {
  for (let b = b0; b < b1; b++) biasActRows(y + <usize>b * outBytes, bias, scale, gi(g, Slot.F), gi(g, Slot.OH) * gi(g, Slot.OW), act);
}

/**
 * Convolution forward by GEMMs (1x1: on the image itself; otherwise on its
 * im2col matrix), for images [b0, b1) and groups [g0, g1): filter group q
 * (Slot.F / Slot.G filters) reads channel group q, with taps Slot.DH rows and
 * Slot.DW columns apart. Threads split a layer by images or, for a grouped
 * layer with fewer images than threads, by groups.
 */
export function convForwardGroups(x: usize, w: usize, bias: usize, y: usize, col: usize, g: usize, b0: i32, b1: i32, g0: i32, g1: i32, act: i32, scale: usize): void {
  const G = gi(g, Slot.G);
  const HW = gi(g, Slot.H) * gi(g, Slot.W), Cg = gi(g, Slot.C) / G, Fg = gi(g, Slot.F) / G;
  const CKK = Cg * gi(g, Slot.KH) * gi(g, Slot.KW);
  const OHW = gi(g, Slot.OH) * gi(g, Slot.OW);
  const inBytes = <usize>(G * Cg * HW) << 2;
  const outBytes = exampleBytes(g, Slot.YS, G * Fg, OHW); // a concat's slice: examples YS apart
  const xStep = <usize>(Cg * HW) << 2; // one channel group of an image
  const yStep = <usize>(Fg * OHW) << 2; // one filter group of an image's output
  const wStep = <usize>(Fg * CKK) << 2; // one group's filters
  const Fr = (g1 - g0) * Fg; // the filters these groups compute
  const yOff = <usize>g0 * yStep;
  const biasOff: usize = bias == 0 ? 0 : bias + (<usize>(g0 * Fg) << 2);
  const scaleOff: usize = scale == 0 ? 0 : scale + (<usize>(g0 * Fg) << 2);
  if (g1 <= g0) return;
  if (isPointwise(g)) {
    // The epilogue finished in the GEMM's tiles (sgemmAct), as the dense 1x1 convolutions do.
    for (let b = b0; b < b1; b++) {
      const xb = x + <usize>b * inBytes;
      const yb = y + <usize>b * outBytes;
      for (let q = g0; q < g1; q++) {
        const bq: usize = bias == 0 ? 0 : bias + (<usize>(q * Fg) << 2);
        const sq: usize = scale == 0 ? 0 : scale + (<usize>(q * Fg) << 2);
        sgemmAct(Fg, OHW, Cg, w + <usize>q * wStep, Cg, xb + <usize>q * xStep, OHW, yb + <usize>q * yStep, OHW, bq, sq, act);
      }
    }
    return;
  }
  const nbMax = imagesPerChunk(g, CKK, Fr, OHW, b1 - b0);
  for (let b = b0; b < b1; b += nbMax) {
    const nb = min(nbMax, b1 - b);
    const ld = nb * OHW;
    if (nb == 1) {
      // One image: the GEMMs write straight into y.
      const xb = x + <usize>b * inBytes;
      const yb = y + <usize>b * outBytes;
      for (let q = g0; q < g1; q++) {
        im2col(xb + <usize>q * xStep, g, col, OHW, Cg);
        sgemm(0, 0, Fg, OHW, CKK, 1, w + <usize>q * wStep, CKK, col, OHW, 0, yb + <usize>q * yStep, OHW);
      }
      biasActRows(yb + yOff, biasOff, scaleOff, Fr, OHW, act);
      continue;
    }
    // stage is [Fr][nb][OHW]; y is [nb][F][OHW].
    const stage = col + (<usize>(CKK * ld) << 2);
    for (let q = g0; q < g1; q++) {
      for (let j = 0; j < nb; j++) im2col(x + <usize>(b + j) * inBytes + <usize>q * xStep, g, col + (<usize>(j * OHW) << 2), ld, Cg);
      sgemm(0, 0, Fg, ld, CKK, 1, w + <usize>q * wStep, CKK, col, ld, 0, stage + (<usize>((q - g0) * Fg * ld) << 2), ld);
    }
    for (let j = 0; j < nb; j++) {
      const yb = y + <usize>(b + j) * outBytes + yOff;
      for (let f = 0; f < Fr; f++) copyF32(yb + (<usize>(f * OHW) << 2), stage + (<usize>(f * ld + j * OHW) << 2), OHW);
      biasActRows(yb, biasOff, scaleOff, Fr, OHW, act);
    }
  }
}

/**
 * Convolution backward for images [b0, b1): dw (and db unless 0) are
 * OVERWRITTEN with the sums over these images; dx_b (unless dx is 0) is
 * overwritten. A second thread passes its own dw/db and the caller adds them.
 * dw 0 skips the weight gradient (x is then not read): the input gradient
 * alone is a transposed convolution's forward (deconvForward).
 */
export function convBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, col: usize, g: usize, b0: i32, b1: i32): void {
  // 3x3 stride 1: the input gradient is a forward convolution of dy, by Winograd.
  if (b1 > b0 && dx != 0 && isPlain(g) && winogradInputGradient(w, dy, dx, col, g, b0, b1)) dx = 0;
  convBackwardGroups(x, w, dy, dx, dw, db, col, g, b0, b1, 0, gi(g, Slot.G));
}

/**
 * Convolution backward by GEMMs for images [b0, b1) and groups [g0, g1) (as
 * convForwardGroups): writes the weight and bias gradients of these groups'
 * filters and the input gradient of their channels, so threads that split a
 * layer by groups write disjoint parts and nothing is summed afterwards.
 */
export function convBackwardGroups(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, col: usize, g: usize, b0: i32, b1: i32, g0: i32, g1: i32): void {
  const G = gi(g, Slot.G);
  const HW = gi(g, Slot.H) * gi(g, Slot.W), Cg = gi(g, Slot.C) / G, Fg = gi(g, Slot.F) / G;
  const CKK = Cg * gi(g, Slot.KH) * gi(g, Slot.KW);
  const OHW = gi(g, Slot.OH) * gi(g, Slot.OW);
  const inBytes = <usize>(G * Cg * HW) << 2;
  const outBytes = exampleBytes(g, Slot.DYS, G * Fg, OHW); // a concat's slice of the gradient: examples DYS apart
  const xStep = <usize>(Cg * HW) << 2;
  const yStep = <usize>(Fg * OHW) << 2;
  const wStep = <usize>(Fg * CKK) << 2;
  if (g1 <= g0) return;
  if (b1 <= b0) {
    if (dw != 0) memory.fill(dw + <usize>g0 * wStep, 0, <usize>(g1 - g0) * wStep);
    if (db != 0) memory.fill(db + (<usize>(g0 * Fg) << 2), 0, <usize>((g1 - g0) * Fg) << 2);
    return;
  }
  if (isPointwise(g)) {
    for (let b = b0; b < b1; b++) {
      const xb = x + <usize>b * inBytes;
      const dyb = dy + <usize>b * outBytes;
      for (let q = g0; q < g1; q++) {
        const wq = <usize>q * wStep;
        if (dw != 0) sgemm(0, 1, Fg, Cg, OHW, 1, dyb + <usize>q * yStep, OHW, xb + <usize>q * xStep, OHW, b == b0 ? 0 : 1, dw + wq, Cg);
        if (dx != 0) sgemm(1, 0, Cg, OHW, Fg, 1, w + wq, Cg, dyb + <usize>q * yStep, OHW, 0, dx + <usize>b * inBytes + <usize>q * xStep, OHW);
      }
    }
  } else if (dw != 0 || dx != 0) {
    const nbMax = imagesPerChunk(g, CKK, Fg, OHW, b1 - b0);
    for (let b = b0; b < b1; b += nbMax) {
      const nb = min(nbMax, b1 - b);
      const ld = nb * OHW;
      const beta: f32 = b == b0 ? 0 : 1;
      for (let q = g0; q < g1; q++) {
        // The group's output gradient over the chunk as [Fg][nb*OHW] (one image: dy itself).
        let dq = dy + <usize>b * outBytes + <usize>q * yStep;
        if (nb > 1) {
          dq = col + (<usize>(CKK * ld) << 2);
          for (let j = 0; j < nb; j++) {
            const dyb = dy + <usize>(b + j) * outBytes + <usize>q * yStep;
            for (let f = 0; f < Fg; f++) copyF32(dq + (<usize>(f * ld + j * OHW) << 2), dyb + (<usize>(f * OHW) << 2), OHW);
          }
        }
        if (dw != 0) {
          for (let j = 0; j < nb; j++) im2col(x + <usize>(b + j) * inBytes + <usize>q * xStep, g, col + (<usize>(j * OHW) << 2), ld, Cg);
          sgemm(0, 1, Fg, CKK, ld, 1, dq, ld, col, ld, beta, dw + <usize>q * wStep, CKK);
        }
        if (dx != 0) {
          sgemm(1, 0, CKK, ld, Fg, 1, w + <usize>q * wStep, CKK, dq, ld, 0, col, ld);
          for (let j = 0; j < nb; j++) {
            const dxq = dx + <usize>(b + j) * inBytes + <usize>q * xStep;
            memory.fill(dxq, 0, xStep);
            col2im(col + (<usize>(j * OHW) << 2), g, dxq, ld, Cg);
          }
        }
      }
    }
  }
  if (db != 0) {
    const F = G * Fg;
    for (let f = g0 * Fg; f < g1 * Fg; f++) {
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
 * Transposed convolution forward for images [b0, b1) (runtime/deconv.ts):
 * with g the geometry of the adjoint convolution (from y to x), y is that
 * convolution's input gradient for output gradient x, plus bias (0: none)
 * per channel of y.
 */
export function deconvForward(x: usize, w: usize, bias: usize, y: usize, col: usize, g: usize, b0: i32, b1: i32): void {
  convBackward(0, w, x, y, 0, 0, col, g, b0, b1);
  if (bias == 0) return;
  const C = gi(g, Slot.C), HW = gi(g, Slot.H) * gi(g, Slot.W);
  for (let b = b0; b < b1; b++) biasActRows(y + (<usize>(b * C * HW) << 2), bias, 0, C, HW, ACT_NONE);
}

/**
 * Fully connected forward for output columns [n0, n1):
 * y[:, n0:n1] = act(x * W[n0:n1]^T + b[n0:n1]). x [B][M], w [N][M], y [B][N] with rows ys ≥ N apart (a concat slice; N when packed).
 */
export function fcForward(x: usize, w: usize, bias: usize, y: usize, B: i32, M: i32, N: i32, ys: i32, n0: i32, n1: i32, act: i32): void {
  const cols = n1 - n0;
  if (cols <= 0 || B <= 0) return;
  const yc = y + (<usize>n0 << 2);
  sgemm(0, 1, B, cols, M, 1, x, M, w + (<usize>(n0 * M) << 2), M, 0, yc, ys);
  if (bias == 0 && act == ACT_NONE) return;
  const zero = f32x4.splat(0);
  const bc = bias + (<usize>n0 << 2);
  for (let r = 0; r < B; r++) {
    let p = yc + (<usize>(r * ys) << 2);
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
 * (and db[n0:n1] unless db is 0), and columns [m0, m1) of dx = dy W (unless dx is 0); dy's rows dys ≥ N apart.
 */
export function fcBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, B: i32, M: i32, N: i32, dys: i32, n0: i32, n1: i32, m0: i32, m1: i32): void {
  const rows = n1 - n0;
  if (rows > 0) {
    sgemm(1, 0, rows, M, B, 1, dy + (<usize>n0 << 2), dys, x, M, 0, dw + (<usize>(n0 * M) << 2), M);
    if (db != 0) {
      for (let j = n0; j < n1; j++) {
        let s: f32 = 0;
        for (let r = 0; r < B; r++) s += load<f32>(dy + (<usize>(r * dys + j) << 2));
        store<f32>(db + (<usize>j << 2), s);
      }
    }
  }
  const cols = m1 - m0;
  if (dx != 0 && cols > 0) {
    sgemm(0, 0, B, cols, N, 1, dy, dys, w + (<usize>m0 << 2), M, 0, dx + (<usize>m0 << 2), M);
  }
}
