/**
 * The inference epilogue of the conv kernels (conv.as.ts in place, the
 * depthwise forward as it copies each row out of its scratch, gemm.as.ts's
 * sgemmAct on the blocks it does not finish in registers): a folded
 * batchnorm's scale and shift, then relu or relu6.
 */
import { ACT_RELU, ACT_RELU6 } from "./geometry.as";

/**
 * dst[0 … L) = act(src·s + b); s is 1 exactly when there is no scale, so the
 * product changes nothing. In place (src = dst) the last L mod 4 values are
 * done one by one; from another buffer, a row of at least four ends with one
 * block over its last four values instead (some written twice, the same).
 */
// @ts-ignore: decorator
@inline
export function affineActTo(src: usize, dst: usize, L: i32, s: f32, b: f32, act: i32): void {
  const zero = f32x4.splat(0), six = f32x4.splat(6), sv = f32x4.splat(s), bv = f32x4.splat(b);
  let j = 0;
  const over = src != dst && L >= 4 && (L & 3) != 0;
  const back = <usize>(4 - (L & 3)) << 2; // from the end of the blocks back to the last four
  if (act == ACT_RELU) {
    // pmax(zero, v) = 0 < v ? v : 0 (NaN to 0, as reluInPlace), one instruction; f32x4.max's NaN rules cost several
    for (; j + 4 <= L; j += 4, src += 16, dst += 16) v128.store(dst, f32x4.pmax(zero, f32x4.add(f32x4.mul(v128.load(src), sv), bv)));
    if (over) v128.store(dst - back, f32x4.pmax(zero, f32x4.add(f32x4.mul(v128.load(src - back), sv), bv)));
    else for (; j < L; j++, src += 4, dst += 4) store<f32>(dst, max(load<f32>(src) * s + b, <f32>0));
  } else if (act == ACT_RELU6) {
    // pmax(v, 0) = v < 0 ? 0 : v and pmin(v, 6) = 6 < v ? 6 : v keep NaN (as relu6Forward) in one instruction each
    for (; j + 4 <= L; j += 4, src += 16, dst += 16) v128.store(dst, f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(v128.load(src), sv), bv), zero), six));
    if (over) v128.store(dst - back, f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(v128.load(src - back), sv), bv), zero), six));
    else for (; j < L; j++, src += 4, dst += 4) store<f32>(dst, min(max(load<f32>(src) * s + b, <f32>0), <f32>6));
  } else {
    for (; j + 4 <= L; j += 4, src += 16, dst += 16) v128.store(dst, f32x4.add(f32x4.mul(v128.load(src), sv), bv));
    if (over) v128.store(dst - back, f32x4.add(f32x4.mul(v128.load(src - back), sv), bv));
    else for (; j < L; j++, src += 4, dst += 4) store<f32>(dst, load<f32>(src) * s + b);
  }
}

/**
 * Rows r < R of y (L floats each, rows ldB bytes apart) = act(y·scale[r] +
 * bias[r]) in place (bias 0: none; scale 0: 1, as y + bias, bit for bit).
 */
export function affineActRows(y: usize, ldB: usize, bias: usize, scale: usize, R: i32, L: i32, act: i32): void {
  for (let r = 0; r < R; r++) {
    const o = <usize>r << 2;
    const p = y + <usize>r * ldB;
    affineActTo(p, p, L, scale == 0 ? 1 : load<f32>(scale + o), bias == 0 ? 0 : load<f32>(bias + o), act);
  }
}
