import { ACT_NONE, affineActInPlace, type Activation } from "./activations.js";
import { depthwiseBackward, depthwiseConvScratch, depthwiseForward, isDepthwise } from "./depthwise.js";
import { gemm } from "./gemm.js";
import type { Tensor } from "./tensor.js";
import { insideHi, insideLo, resolveWindow, WINDOW_FIELDS, type Window2dParams, type WindowSpec } from "./window.js";

/**
 * Geometry of a 2-D convolution (cross-correlation, like PyTorch Conv2d).
 * Build it once with conv2dParams and reuse it.
 *   x  [B][C][H][W]      w  [F][C/G][KH][KW]      b  [F]      y  [B][F][OH][OW]
 * OH = floor((H + 2*PH - DH*(KH-1) - 1) / SH) + 1, likewise OW (windowOutSize
 * of the dilated extent). Filter group g (filters g*F/G …) reads channel group g.
 */
export interface Conv2dParams extends Window2dParams {
  F: number; // output channels (number of filters)
  G: number; // groups (1: dense; G = C = F: depthwise)
  DH: number; // vertical dilation (taps DH rows apart)
  DW: number; // horizontal dilation
  /**
   * Per-example stride of y (forward) and of dy (backward) when they are one
   * example's run inside a larger tensor (a concat's output and its gradient:
   * the branch writes straight into its slice); absent: F·OH·OW (packed).
   */
  YS?: number;
  DYS?: number;
}

/** The named geometry of a convolution: the window's fields, then the number of filters (and groups and dilation, when not 1). */
export interface ConvSpec extends WindowSpec {
  filters: number;
  /** Default 1; must divide channels and filters. */
  groups?: number;
  /** Default [1, 1]. */
  dilation?: readonly [number, number];
  /** Values from one example of y to the next (≥ filters·OH·OW; default packed). Pass y at the slice's first value. */
  outStride?: number;
  /** The same for dy in conv2dBackward. */
  gradStride?: number;
}

const CONV_FIELDS: readonly string[] = [...WINDOW_FIELDS, "filters", "groups", "dilation", "outStride", "gradStride"];

/**
 * Builds a Conv2dParams, e.g. `conv2dParams({ batch: 32, channels: 1,
 * height: 28, width: 28, kernel: [5, 5], stride: [1, 1], pad: [2, 2], filters: 6 })`.
 * Throws a RangeError on non-positive sizes, a kernel larger than the padded
 * input, or a field it does not know.
 */
export function conv2dParams(spec: ConvSpec): Conv2dParams {
  const { groups: G = 1, dilation = [1, 1], outStride, gradStride, ...window } = spec;
  const [DH, DW] = dilation;
  const F = spec.filters;
  if (!(F > 0 && Number.isInteger(G) && G > 0 && DH > 0 && DW > 0 && spec.channels % G === 0 && F % G === 0)) {
    throw new RangeError(`conv2dParams: invalid dimensions ${JSON.stringify(spec)}`);
  }
  // The window rule sees the dilated extent; the kernels the taps.
  const [KH, KW] = spec.kernel;
  const w = resolveWindow("conv2dParams", { ...window, kernel: [DH * (KH - 1) + 1, DW * (KW - 1) + 1] }, CONV_FIELDS, [1, 1], false);
  const p: Conv2dParams = { B: w.B, C: w.C, H: w.H, W: w.W, F, G, DH, DW, KH, KW, SH: w.SH, SW: w.SW, PH: w.PH, PW: w.PW, OH: w.OH, OW: w.OW };
  for (const [name, stride, slot] of [["outStride", outStride, "YS"], ["gradStride", gradStride, "DYS"]] as const) {
    if (stride === undefined) continue;
    if (!(Number.isInteger(stride) && stride >= F * w.OH * w.OW)) {
      throw new RangeError(`conv2dParams: ${name} ${stride} must be a whole number ≥ filters·OH·OW = ${F * w.OH * w.OW}`);
    }
    p[slot] = stride;
  }
  return p;
}

/** True when the convolution is a plain 1x1, stride 1, no padding (no im2col needed). */
function isPointwise(p: Conv2dParams): boolean {
  return p.KH === 1 && p.KW === 1 && p.SH === 1 && p.SW === 1 && p.PH === 0 && p.PW === 0;
}

/**
 * Number of scratch elements conv2dForward/conv2dBackward need: one group's
 * im2col matrix for a single image, (C/G)*KH*KW x OH*OW (0 for 1x1/stride
 * 1/pad 0; for depthwise, depthwiseConvScratch: the few input rows one
 * output row reads, the WebAssembly forward's band, or what its backward's
 * fast paths use). The same scratch serves forward and backward. Use the
 * same element type as x.
 */
export function conv2dScratchSize(p: Conv2dParams): number {
  if (isDepthwise(p)) return depthwiseConvScratch(p);
  return isPointwise(p) ? 0 : (p.C / p.G) * p.KH * p.KW * p.OH * p.OW;
}

/**
 * im2col for one image, channels [c0, c0 + cn) (default all):
 * col[((c-c0)*KH + kh)*KW + kw][oh*OW + ow] = x[xOff + c*H*W + ih*W + iw]
 * with ih = oh*SH - PH + kh*DH, iw = ow*SW - PW + kw*DW, or 0 when (ih, iw)
 * is in the padding.
 */
export function im2col(x: Tensor, xOff: number, p: Conv2dParams, col: Tensor, c0 = 0, cn = p.C): void {
  walkCols(x, xOff + c0 * p.H * p.W, p, cn, col, false);
}

/**
 * col2im for one image, the adjoint of im2col (channels [c0, c0 + cn)):
 * dx[xOff + ...] += col[...] for every non-padding position. Accumulates;
 * the caller zeroes dx first.
 */
export function col2im(col: Tensor, p: Conv2dParams, dx: Tensor, xOff: number, c0 = 0, cn = p.C): void {
  walkCols(dx, xOff + c0 * p.H * p.W, p, cn, col, true);
}

/**
 * The run of im2col row (c, kh, kw), output row oh, that reads the image
 * (output columns [owLo, owHi)): `adjoint` false copies image → col and
 * zeroes the rest of the row (it reads padding), true adds col → image.
 * One walk for both keeps them each other's adjoint (as conv.as.ts does).
 */
function walkCols(img: Tensor, imgOff: number, p: Conv2dParams, C: number, col: Tensor, adjoint: boolean): void {
  const { H, W, KH, KW, SH, SW, PH, PW, OH, OW, DH, DW } = p;
  const HW = H * W;
  const OHW = OH * OW;
  let r = 0;
  for (let c = 0; c < C; c++) {
    const ic = imgOff + c * HW;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r += OHW) {
        // Output columns whose input column iw = ow*SW - PW + kw*DW lies inside [0, W).
        const owLo = insideLo(kw * DW, PW, SW, OW);
        const owHi = insideHi(kw * DW, PW, SW, W, OW, owLo);
        const shift = owLo * SW - PW + kw * DW;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh * DH;
          const inside = ih >= 0 && ih < H;
          const d = r + oh * OW;
          const s = ic + ih * W + shift;
          if (adjoint) {
            if (inside) addRun(img, s, SW, col, d, owLo, owHi);
          } else if (inside) {
            copyRun(img, s, SW, col, d, owLo, owHi, OW);
          } else {
            for (let ow = 0; ow < OW; ow++) col[d + ow] = 0;
          }
        }
      }
    }
  }
}

/** col[d + ow] = img[s + (ow - owLo)*SW] for ow in [owLo, owHi), 0 for the other ow < OW. */
function copyRun(img: Tensor, s: number, SW: number, col: Tensor, d: number, owLo: number, owHi: number, OW: number): void {
  let ow = 0;
  for (; ow < owLo; ow++) col[d + ow] = 0;
  if (SW === 1) {
    const delta = s - owLo;
    for (; ow < owHi; ow++) col[d + ow] = img[ow + delta]!;
  } else {
    for (; ow < owHi; ow++, s += SW) col[d + ow] = img[s]!;
  }
  for (; ow < OW; ow++) col[d + ow] = 0;
}

/** img[s + (ow - owLo)*SW] += col[d + ow] for ow in [owLo, owHi). */
function addRun(img: Tensor, s: number, SW: number, col: Tensor, d: number, owLo: number, owHi: number): void {
  for (let ow = owLo; ow < owHi; ow++, s += SW) img[s] += col[d + ow]!;
}

/**
 * Convolution forward: y = act(conv(x, w)·scale + bias), per filter (scale
 * null: 1; a batchnorm folded in at inference gives both), act ACT_NONE,
 * ACT_RELU or ACT_RELU6.
 * x [B][C][H][W], w [F][C][KH][KW], bias [F] or null, y [B][F][OH][OW] (overwritten;
 * example b at b·p.YS when y is a slice of a larger tensor), scratch: at least conv2dScratchSize(p) elements.
 */
export function conv2dForward(
  x: Tensor, // input  [B][C][H][W]
  w: Tensor, // weights [F][C][KH][KW]
  bias: Tensor | null, // bias [F] or null
  y: Tensor, // output [B][F][OH][OW], overwritten
  scratch: Tensor, // im2col buffer, >= conv2dScratchSize(p)
  p: Conv2dParams, // geometry
  act: Activation = ACT_NONE, // fused activation
  scale: Tensor | null = null, // per-filter scale [F] or null
): void {
  if (isDepthwise(p)) return depthwiseForward(x, w, bias, y, p, act, scale);
  const { B, C, H, W, F, G, KH, KW, OH, OW } = p;
  const Cg = C / G;
  const Fg = F / G;
  const CKK = Cg * KH * KW;
  const HW = H * W;
  const OHW = OH * OW;
  const inSize = C * HW;
  const outSize = F * OHW;
  const yStride = p.YS ?? outSize;
  const pointwise = isPointwise(p);
  for (let b = 0; b < B; b++) {
    const xb = b * inSize;
    const yb = b * yStride;
    // Group g: filters [g*Fg, (g+1)*Fg) over channels [g*Cg, (g+1)*Cg).
    for (let g = 0; g < G; g++) {
      const yg = yb + g * Fg * OHW;
      if (pointwise) {
        gemm(false, false, Fg, OHW, Cg, 1, w, g * Fg * Cg, Cg, x, xb + g * Cg * HW, OHW, 0, y, yg, OHW);
      } else {
        im2col(x, xb, p, scratch, g * Cg, Cg);
        gemm(false, false, Fg, OHW, CKK, 1, w, g * Fg * CKK, CKK, scratch, 0, OHW, 0, y, yg, OHW);
      }
    }
    if (bias !== null || scale !== null || act !== ACT_NONE) {
      for (let f = 0; f < F; f++) affineActInPlace(y, yb + f * OHW, OHW, scale === null ? 1 : scale[f]!, bias === null ? 0 : bias[f]!, act);
    }
  }
}

/**
 * Convolution backward. All gradients are OVERWRITTEN (not accumulated).
 *   dw [F][C/G][KH][KW] = sum_b dy_b * im2col(x_b)^T (per group)
 *   db [F]            = sum over batch and space of dy (skipped if null)
 *   dx [B][C][H][W]   = col2im(w^T * dy_b)           (skipped if null, e.g. first layer)
 * scratch: at least conv2dScratchSize(p) elements (im2col and its gradient share it).
 * dy's example b starts at b·p.DYS when it is a slice of a larger tensor.
 * dx must not alias dy or x.
 */
export function conv2dBackward(
  x: Tensor, // forward input [B][C][H][W]
  w: Tensor, // weights [F][C][KH][KW]
  dy: Tensor, // gradient of the output [B][F][OH][OW]
  dx: Tensor | null, // gradient of the input [B][C][H][W], or null to skip
  dw: Tensor, // gradient of the weights [F][C][KH][KW]
  db: Tensor | null, // gradient of the bias [F], or null (no bias)
  scratch: Tensor, // im2col buffer, >= conv2dScratchSize(p)
  p: Conv2dParams, // geometry
): void {
  if (isDepthwise(p)) return depthwiseBackward(x, w, dy, dx, dw, db, p);
  const { B, C, H, W, F, G, KH, KW, OH, OW } = p;
  const Cg = C / G;
  const Fg = F / G;
  const CKK = Cg * KH * KW;
  const HW = H * W;
  const OHW = OH * OW;
  const inSize = C * HW;
  const dyStride = p.DYS ?? F * OHW;
  const pointwise = isPointwise(p);
  if (B === 0) {
    dw.fill(0, 0, F * CKK);
    if (db !== null) db.fill(0, 0, F);
    return;
  }
  for (let b = 0; b < B; b++) {
    const xb = b * inSize;
    const yb = b * dyStride;
    const beta = b === 0 ? 0 : 1;
    if (dx !== null && !pointwise) dx.fill(0, xb, xb + inSize);
    for (let g = 0; g < G; g++) {
      const yg = yb + g * Fg * OHW;
      const wg = g * Fg * CKK;
      if (pointwise) {
        const xg = xb + g * Cg * HW;
        gemm(false, true, Fg, Cg, OHW, 1, dy, yg, OHW, x, xg, OHW, beta, dw, wg, Cg);
        if (dx !== null) gemm(true, false, Cg, OHW, Fg, 1, w, wg, Cg, dy, yg, OHW, 0, dx, xg, OHW);
      } else {
        im2col(x, xb, p, scratch, g * Cg, Cg);
        gemm(false, true, Fg, CKK, OHW, 1, dy, yg, OHW, scratch, 0, OHW, beta, dw, wg, CKK);
        if (dx !== null) {
          gemm(true, false, CKK, OHW, Fg, 1, w, wg, CKK, dy, yg, OHW, 0, scratch, 0, OHW);
          col2im(scratch, p, dx, xb, g * Cg, Cg);
        }
      }
    }
  }
  if (db !== null) {
    for (let f = 0; f < F; f++) {
      let s = 0;
      for (let b = 0; b < B; b++) {
        const o = b * dyStride + f * OHW;
        for (let i = 0; i < OHW; i++) s += dy[o + i]!;
      }
      db[f] = s;
    }
  }
}
