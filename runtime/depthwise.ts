/**
 * Depthwise convolution (groups = channels = filters): each channel is
 * convolved with its own KHxKW filter. A direct kernel: an im2col and a GEMM
 * per channel would be a 1-row GEMM, far too slow. Row-blocked like the
 * WebAssembly forward (wasm/src/depthwise.as.ts): each output row is finished
 * before the next, from the filter rows whose input row is inside the image;
 * each tap adds over the output columns whose input is inside the row, a
 * range computed once per tap and row, so the padding costs no test per
 * element. Backward walks the same (output row, filter row, tap) loop.
 *   x [B][C][H][W]   w [C][1][KH][KW]   bias [C]   y [B][C][OH][OW]
 * y's examples are p.YS floats apart, and dy's p.DYS, when they are slices
 * of a concat's output and its gradient (absent: packed, C·OH·OW).
 */
import { ACT_NONE, affineActInPlace, type Activation } from "./activations.js";
import { insideHi, insideLo, type Window2dParams } from "./window.js";
import type { Tensor } from "./tensor.js";

/** The fields of conv.ts's Conv2dParams these kernels read (named here: conv.ts imports this module). */
type Conv2dParams = Window2dParams & { F: number; G: number; DH: number; DW: number; YS?: number; DYS?: number };

/** True when the geometry is depthwise (the kernel set's conv entry points dispatch here then). */
export function isDepthwise(p: Conv2dParams): boolean {
  return p.G > 1 && p.G === p.C && p.F === p.C;
}

/**
 * Floats of conv scratch the WebAssembly forward needs (depthwise.as.ts's
 * bandFloats for a band of one output row; keep the two the same): the
 * input rows one output row reads, split into SH·SW sub-planes of Wq
 * floats per row (at stride 1 rows share their padding: W + 2·PW − min(PW,
 * (KW − 1)·DW); otherwise ceil((W + 2·PW) / SW)) with
 * a row and four floats of slack,
 * the output row, and a table of the KH·KW tap offsets. The TypeScript
 * kernels use none.
 */
export function depthwiseScratchSize(p: Conv2dParams): number {
  return bandScratch(p.W, p.KH, p.KW, p.SH, p.SW, p.PW, p.DH, p.DW);
}

/** depthwiseScratchSize of the geometry with these fields (the others do not count). */
function bandScratch(W: number, KH: number, KW: number, SH: number, SW: number, PW: number, DH: number, DW: number): number {
  const Wq = SW === 1 ? W + 2 * PW - Math.min(PW, (KW - 1) * DW) : Math.ceil((W + 2 * PW) / SW); // depthwise.as.ts's subWidth
  const Hq = Math.ceil(((KH - 1) * DH + 1) / SH);
  const subPlane = (((Hq + 1) * Wq + 4 + 3) >> 2) << 2;
  return SH * SW * subPlane + (((Wq + 3) >> 2) << 2) + KH * KW;
}

/*
 * The ranges are computed where they are used, as two numbers each (no pair
 * or table is made: the kernels must not allocate per call or per row):
 *   filter rows [khLo, khHi) whose input row ih0 + kh·DH lies in [0, H):
 *     khLo = insideLo(ih0, 0, DH, KH), khHi = insideHi(ih0, 0, DH, H, KH, khLo);
 *   for tap kw, the output columns [lo, hi) whose input ow·SW − PW + kw·DW
 *   lies in the row: lo = insideLo(kw·DW, PW, SW, OW), hi = insideHi(kw·DW, PW, SW, W, OW, lo).
 */

/** Forward over all images: y = act(depthwise(x, w)·scale + bias) (scale null: 1). */
export function depthwiseForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, p: Conv2dParams, act: Activation, scale: Tensor | null = null): void {
  const { B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW, DH, DW } = p;
  const ys = p.YS ?? C * OH * OW;
  for (let plane = 0; plane < B * C; plane++) {
    const c = plane % C;
    const xo = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const d = Math.floor(plane / C) * ys + (c * OH + oh) * OW;
      y.fill(scale === null && bias !== null ? bias[c]! : 0, d, d + OW);
      const ih0 = oh * SH - PH;
      const khLo = insideLo(ih0, 0, DH, KH);
      const khHi = insideHi(ih0, 0, DH, H, KH, khLo);
      for (let kh = khLo; kh < khHi; kh++) {
        const xr = xo + (ih0 + kh * DH) * W - PW;
        for (let kw = 0; kw < KW; kw++) {
          const wv = w[(c * KH + kh) * KW + kw]!;
          const s = xr + kw * DW;
          const lo = insideLo(kw * DW, PW, SW, OW);
          const hi = insideHi(kw * DW, PW, SW, W, OW, lo);
          for (let ow = lo; ow < hi; ow++) y[d + ow] += wv * x[s + ow * SW]!;
        }
      }
      if (scale !== null) affineActInPlace(y, d, OW, scale[c]!, bias === null ? 0 : bias[c]!, act);
      else if (act !== ACT_NONE) affineActInPlace(y, d, OW, 1, 0, act);
    }
  }
}

/**
 * Backward; gradients OVERWRITTEN: dw [C][1][KH][KW], db [C] (or null), dx
 * [B][C][H][W] (or null). dx must not alias dy or x. The transpose of the
 * forward loop: each (output, tap) pair adds dy·x to dw and dy·w to dx.
 */
export function depthwiseBackward(x: Tensor, w: Tensor, dy: Tensor, dx: Tensor | null, dw: Tensor, db: Tensor | null, p: Conv2dParams): void {
  const { B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW, DH, DW } = p;
  const gw = new Float64Array(C * KH * KW); // dw summed in float64, written once
  const gb = new Float64Array(C);
  if (dx !== null) dx.fill(0, 0, B * C * H * W);
  const dys = p.DYS ?? C * OH * OW;
  for (let plane = 0; plane < B * C; plane++) {
    const c = plane % C;
    const xo = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const d = Math.floor(plane / C) * dys + (c * OH + oh) * OW;
      for (let ow = 0; ow < OW; ow++) gb[c] += dy[d + ow]!;
      const ih0 = oh * SH - PH;
      const khLo = insideLo(ih0, 0, DH, KH);
      const khHi = insideHi(ih0, 0, DH, H, KH, khLo);
      for (let kh = khLo; kh < khHi; kh++) {
        const xr = xo + (ih0 + kh * DH) * W - PW;
        for (let kw = 0; kw < KW; kw++) {
          const k = (c * KH + kh) * KW + kw;
          const wv = w[k]!;
          const s = xr + kw * DW;
          let g = 0;
          const lo = insideLo(kw * DW, PW, SW, OW);
          const hi = insideHi(kw * DW, PW, SW, W, OW, lo);
          for (let ow = lo; ow < hi; ow++) {
            const t = dy[d + ow]!;
            g += t * x[s + ow * SW]!;
            if (dx !== null) dx[s + ow * SW] += wv * t;
          }
          gw[k] += g;
        }
      }
    }
  }
  dw.set(gw);
  if (db !== null) db.set(gb);
}

/**
 * Floats of conv scratch the WebAssembly backward's fast paths need
 * (depthwise-backward.as.ts; keep the two the same), 0 where it takes the
 * general path: at stride 1 (padding within the dilated filter, rows of at
 * least 4) the geometry of dx as a forward of dy (32 floats), the flipped
 * filter (KH·KW rounded up to 4) and that forward's band of one dx row
 * (twice it and 8 more for a 3x3 filter without dilation on rows that are not
 * a whole number of blocks ≥ 16: x's rows are copied beside it); for a
 * 3x3 stride-2 filter with padding 1 and W = 2·OW or 2·OW − 1 ≥ 7, a zero row of W + 8
 * and ten accumulators (40 floats, from a multiple of 4).
 * With less, the kernel takes the general path.
 */
export function depthwiseBackwardScratchSize(p: Conv2dParams): number {
  const { W, KH, KW, SH, SW, PH, PW, OW, DH, DW } = p;
  if (SH === 1 && SW === 1 && W >= 4 && PH <= (KH - 1) * DH && PW <= (KW - 1) * DW) {
    // dx as a forward of dy: dy's rows (OW wide) padded by (KW − 1)·DW − PW.
    const band = bandScratch(OW, KH, KW, 1, 1, (KW - 1) * DW - PW, DH, DW);
    const flatRuns = KH === 3 && KW === 3 && DW === 1 && !(W % 4 === 0 && W >= 16);
    return 32 + (((KH * KW + 3) >> 2) << 2) + (flatRuns ? 2 * band + 8 : band);
  }
  const s2 = KH === 3 && KW === 3 && SH === 2 && SW === 2 && DH === 1 && DW === 1 && PH === 1 && PW === 1 && OW >= 4 && (2 * OW === W || 2 * OW - 1 === W);
  return s2 ? (((W + 11) >> 2) << 2) + 40 : 0;
}

/** Floats of conv scratch a depthwise layer needs (conv2dScratchSize; the wasm forward refuses less): what its forward or its backward uses, whichever is more. */
export function depthwiseConvScratch(p: Conv2dParams): number {
  return Math.max(depthwiseScratchSize(p), depthwiseBackwardScratchSize(p));
}
