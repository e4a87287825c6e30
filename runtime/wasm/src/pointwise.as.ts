/**
 * The forward pass of a dense 1x1 convolution (stride 1, no padding, one
 * group): y_b = act(W · x_b · scale + bias), one SGEMM with M = filters,
 * K = channels, N = the image's H·W. (Grouped 1x1 convolutions take
 * convForwardGroups in conv.as.ts.)
 *
 * - Small planes (H·W below JOIN_BELOW, MobileNetV2's 7x7 layers): several
 *   images' planes are gathered side by side into the scratch ([C][nb·H·W])
 *   and go through one GEMM (N = nb·H·W): the weights are packed once for nb images instead of once per image, and
 *   partial 8-column panels occur once per GEMM instead of once per image.
 *   The result is staged in the scratch and scattered into y while it is in
 *   cache.
 * - Otherwise each image is a GEMM on the image itself.
 * The epilogue (scale, bias, activation) is sgemmAct's: each tile of the
 * product is finished in registers before it is stored (a narrow block, whose
 * weights the GEMM reads in place, right after the block instead).
 *
 * A thread's part is a range of images [b0, b1) and, when a batch has fewer
 * images than threads, also a range of filters (rows of W and y; for small
 * planes) or of columns (each image's positions [lo, hi); for large
 * planes) — `axis`. Every output is the
 * same sum in the same order whichever part computes it: the bits do not
 * depend on the thread count.
 */
import { sgemmAct } from "./gemm.as";
import { exampleBytes, gi, Slot } from "./geometry.as";
import { copyF32, imagesPerChunk } from "./conv.as";

/**
 * Planes of fewer positions than this go several images per GEMM. Measured
 * (one thread, batch 8, MobileNetV2's layers with their epilogue): 7x7 planes
 * 5–15% faster joined, 14x14 planes 3–6% slower (their GEMMs already run
 * near the kernel's peak; the gather and the scatter cost more).
 */
const JOIN_BELOW: i32 = 128;

/** `axis` values: the part is whole images, images × filters [lo, hi), or images × columns [lo, hi). */
const AXIS_IMAGES: i32 = 0;
const AXIS_FILTERS: i32 = 1;
const AXIS_COLUMNS: i32 = 2;

export function pointwiseForward(
  x: usize, w: usize, bias: usize, y: usize, col: usize, g: usize,
  b0: i32, b1: i32, axis: i32, lo: i32, hi: i32, act: i32, scale: usize,
): void {
  const C = gi(g, Slot.C), F = gi(g, Slot.F);
  const HW = gi(g, Slot.OH) * gi(g, Slot.OW);
  const f0 = axis == AXIS_FILTERS ? lo : 0;
  const f1 = axis == AXIS_FILTERS ? hi : F;
  const j0 = axis == AXIS_COLUMNS ? lo : 0;
  const j1 = axis == AXIS_COLUMNS ? hi : HW;
  const Fr = f1 - f0, cols = j1 - j0;
  if (Fr <= 0 || cols <= 0 || b1 <= b0) return;
  const inBytes = <usize>(C * HW) << 2;
  const outBytes = exampleBytes(g, Slot.YS, F, HW); // a concat's slice: examples YS apart
  const wr = w + (<usize>(f0 * C) << 2);
  const br: usize = bias == 0 ? 0 : bias + (<usize>f0 << 2);
  const sr: usize = scale == 0 ? 0 : scale + (<usize>f0 << 2);
  const yOff = (<usize>(f0 * HW) << 2) + (<usize>j0 << 2);
  const nbMax = cols == HW && HW < JOIN_BELOW ? imagesPerChunk(g, C, Fr, HW, b1 - b0) : 1;
  if (nbMax > 1) {
    for (let b = b0; b < b1; b += nbMax) {
      const nb = min(nbMax, b1 - b);
      joinedImages(x + <usize>b * inBytes, inBytes, wr, br, sr, y + <usize>b * outBytes + yOff, outBytes, col, C, Fr, HW, nb, act);
    }
    return;
  }
  for (let b = b0; b < b1; b++) {
    sgemmAct(Fr, cols, C, wr, C, x + <usize>b * inBytes + (<usize>j0 << 2), HW, y + <usize>b * outBytes + yOff, HW, br, sr, act);
  }
}

/**
 * nb images (inputs at x, inBytes apart; outputs at y, outBytes apart) as one
 * GEMM: the planes gathered into col as [C][nb·HW], the finished product
 * staged after them as [Fr][nb·HW], then each image's rows copied into y.
 */
function joinedImages(x: usize, inBytes: usize, w: usize, bias: usize, scale: usize, y: usize, outBytes: usize, col: usize, C: i32, Fr: i32, HW: i32, nb: i32, act: i32): void {
  const ld = nb * HW;
  const ldB = <usize>ld << 2;
  const plane = <usize>HW << 2;
  for (let j = 0; j < nb; j++) {
    const xj = x + <usize>j * inBytes;
    const dj = col + <usize>j * plane;
    for (let c = 0; c < C; c++) copyF32(dj + <usize>c * ldB, xj + <usize>c * plane, HW);
  }
  const stage = col + <usize>C * ldB;
  sgemmAct(Fr, ld, C, w, C, col, ld, stage, ld, bias, scale, act);
  for (let j = 0; j < nb; j++) {
    const yj = y + <usize>j * outBytes;
    const sj = stage + <usize>j * plane;
    for (let f = 0; f < Fr; f++) copyF32(yj + <usize>f * plane, sj + <usize>f * ldB, HW);
  }
}

/**
 * A shared part of one image's filters or columns (axis), for a batch of B
 * images smaller than the threads: the range [0, n) along the axis is cut
 * into the `chunks` (ticket + 8) equal ranges, and every thread that runs
 * this claims the next unclaimed one until none is left. The ticket's first
 * word is tag << 10 | next chunk: a claim is a compare-and-swap on it, so a
 * thread that starts late, after the caller finished every chunk and moved
 * on to another layer's ticket (another tag), claims nothing. Each finished
 * chunk adds 1 to the second word, which the caller waits on.
 */
export function pointwiseShared(
  x: usize, w: usize, bias: usize, y: usize, col: usize, g: usize,
  B: i32, axis: i32, ticket: usize, tag: i32, act: i32, scale: usize,
): void {
  const n = axis == AXIS_FILTERS ? gi(g, Slot.F) : gi(g, Slot.OH) * gi(g, Slot.OW);
  const step = axis == AXIS_FILTERS ? 4 : 16;
  const chunks = atomic.load<i32>(ticket, 8);
  const size = ((n + chunks - 1) / chunks + step - 1) / step * step;
  for (;;) {
    const v = atomic.load<i32>(ticket);
    const c = v & 1023;
    if (v >>> 10 != tag || c >= chunks) return;
    if (atomic.cmpxchg<i32>(ticket, v, v + 1) != v) continue;
    const lo = min(n, c * size);
    pointwiseForward(x, w, bias, y, col, g, 0, B, axis, lo, min(n, lo + size), act, scale);
    atomic.add<i32>(ticket, 1, 4);
  }
}
