/**
 * Convolution forward as an implicit GEMM, for convolutions with horizontal
 * stride 1: y_b = W * im2col(x_b) without writing the im2col matrix.
 *
 * The image is copied once into a zero-padded buffer (C x Hp x Wp). Row
 * k = (c, kh, kw) of im2col, at output position (oh, ow), is then the padded
 * image at base(oh, ow) + off[k], with base(oh, ow) = oh*SH*Wp + ow and
 * off[k] = (c*Hp + kh)*Wp + kw. So each 8-column panel of the GEMM's right
 * operand is packed straight from the padded image: two f32x4 loads per row k
 * when the panel's 8 output positions lie on one output row, four when it
 * wraps onto the next. The panels, the weight packing and the 4 x 8
 * micro-kernel are sgemm's (gemm.as.ts); the product is written straight into
 * y. This saves im2col's write and re-read of CKK x OHW floats per image,
 * 30-45% of a small convolution's time.
 *
 * Scratch (the caller's conv scratch, capacity gi(g, Slot.scratch) floats): the padded image,
 * SLACK floats after it (panel loads may run up to 7 floats past the last
 * position they use), then off[] as CKK int32.
 */
import { gi, padInto, Slot } from "./geometry.as";
import { KC, MC, NC, NR, kBlock, packOpA, packedB, panelTiles } from "./gemm.as";

const SLACK: i32 = 16;

@inline function paddedFloats(g: usize): i32 {
  return gi(g, Slot.C) * (gi(g, Slot.H) + 2 * gi(g, Slot.PH)) * (gi(g, Slot.W) + 2 * gi(g, Slot.PW));
}

/** Whether a convolution takes the implicit path: horizontal stride 1, and its buffers fit the scratch. */
export function implicitApplies(g: usize): bool {
  const CKK = gi(g, Slot.C) * gi(g, Slot.KH) * gi(g, Slot.KW);
  return gi(g, Slot.SW) == 1 && <i64>paddedFloats(g) + SLACK + CKK <= <i64>gi(g, Slot.scratch);
}

/** Prepares the scratch for a run of images: zero padding, the offset table. */
export function implicitSetup(col: usize, g: usize): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW);
  const Hp = H + 2 * PH, Wp = W + 2 * PW;
  const P = paddedFloats(g);
  // The borders stay zero: each image only overwrites the interior.
  memory.fill(col, 0, <usize>(P + SLACK) << 2);
  let off = col + (<usize>(P + SLACK) << 2);
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, off += 4) store<i32>(off, ((c * Hp + kh) * Wp + kw) << 2);
    }
  }
}

/**
 * When the whole GEMM is one block (F <= MC filters, K <= KC deep, OHW <= NC
 * positions), packs the weights once for every image (sgemm's A panels) and
 * returns true: implicitConv(…, packed = true) then skips packing them.
 */
export function implicitPackOnce(w: usize, g: usize): bool {
  const F = gi(g, Slot.F), K = gi(g, Slot.C) * gi(g, Slot.KH) * gi(g, Slot.KW);
  if (F > MC || K > KC || gi(g, Slot.OH) * gi(g, Slot.OW) > NC) return false;
  packOpA(0, F, K, w, K, 0, 0, 1);
  return true;
}

/** yb = W * im2col(xb) (F x OHW, overwritten) for one image; implicitSetup must have run on col. */
export function implicitConv(xb: usize, w: usize, yb: usize, col: usize, g: usize, packed: bool): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), F = gi(g, Slot.F);
  const SH = gi(g, Slot.SH), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW), OW = gi(g, Slot.OW);
  const Hp = H + 2 * PH, Wp = W + 2 * PW;
  const K = C * gi(g, Slot.KH) * gi(g, Slot.KW);
  const N = gi(g, Slot.OH) * OW;
  const offs = col + (<usize>(paddedFloats(g) + SLACK) << 2);
  padInto(xb, col, C, H, W, Hp, Wp, PH, PW);
  const ldcB = <usize>N << 2;
  const rowStep = SH * Wp;
  const kb = kBlock(K);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kb) {
      const kc = min(kb, K - pc);
      const beta: f32 = pc == 0 ? 0 : 1;
      const offk = offs + (<usize>pc << 2);
      for (let ic = 0; ic < F; ic += MC) {
        const mc = min(MC, F - ic);
        if (!packed) packOpA(0, mc, kc, w, K, ic, pc, 1);
        let pb = packedB();
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          // The first row block packs each panel just before using it; later ones reuse it.
          if (ic == 0) packPanel(col, offk, kc, jc + jr, nr, OW, rowStep, pb);
          panelTiles(mc, nr, kc, pb, NR << 2, yb + ((<usize>ic * <usize>N + <usize>(jc + jr)) << 2), ldcB, beta);
          pb += <usize>(NR * kc) << 2;
        }
      }
    }
  }
}

/**
 * Packs the panel of output positions n0 … n0+nr-1 (flat, rows of OW), rows
 * k < kc of im2col (offsets offk[k]), from the padded image at pad: element
 * (k, j) at dst[k*NR + j]. Columns j >= nr of a partial panel hold whatever
 * follows in the image (zero only on the gather path): they only reach the
 * columns of an edge tile that are dropped. A panel that wraps may write up
 * to 7 floats past its end (the next panel, packed later, or sgemm's edge tile).
 */
function packPanel(pad: usize, offk: usize, kc: i32, n0: i32, nr: i32, OW: i32, rowStep: i32, dst: usize): void {
  const oh = n0 / OW;
  const ow = n0 - oh * OW;
  const p1 = pad + (<usize>(oh * rowStep + ow) << 2);
  const left = OW - ow; // positions left on this output row
  if (left >= nr) {
    for (let k = 0; k < kc; k++, dst += 32) {
      const o = <usize>load<i32>(offk + (<usize>k << 2));
      v128.store(dst, v128.load(p1 + o));
      v128.store(dst, v128.load(p1 + o, 16), 16);
    }
    return;
  }
  if (nr - left <= OW) {
    // Wraps once: `left` columns from this row, the rest from the start of the next.
    const p2 = pad + (<usize>((oh + 1) * rowStep) << 2);
    const split = <usize>left << 2;
    for (let k = 0; k < kc; k++, dst += 32) {
      const o = <usize>load<i32>(offk + (<usize>k << 2));
      v128.store(dst, v128.load(p1 + o));
      v128.store(dst, v128.load(p1 + o, 16), 16);
      v128.store(dst + split, v128.load(p2 + o));
      v128.store(dst + split, v128.load(p2 + o, 16), 16);
    }
    return;
  }
  // Panels over three or more output rows (rows shorter than a panel): one column at a time.
  memory.fill(dst, 0, <usize>kc << 5);
  for (let j = 0; j < nr; j++) {
    const n = n0 + j;
    const r = n / OW;
    const base = pad + (<usize>(r * rowStep + n - r * OW) << 2);
    let d = dst + (<usize>j << 2);
    for (let k = 0; k < kc; k++, d += 32) store<f32>(d, load<f32>(base + <usize>load<i32>(offk + (<usize>k << 2))));
  }
}
