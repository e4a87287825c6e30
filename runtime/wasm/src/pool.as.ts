/**
 * Max and average pooling for WebAssembly (AssemblyScript): the semantics of
 * runtime/pool.ts (padding never wins a max and is not counted in an average;
 * argmax holds flat indices into x, -1 for an empty window). Each call covers
 * the planes (image, channel pairs) [p0, p1), so threads can split a batch.
 * Geometry g: the slots of geometry.as.ts (Slot.H, Slot.KH, …), written by the JS side before each call.
 * y (forward) and dy (backward) may be slices of a concat's output, examples
 * Slot.YS and Slot.DYS values apart (0: packed); argmax is always packed.
 */

import { gi, Slot } from "./geometry.as";

/** First input row (or column) of window o, clamped to the image. */
@inline function winStart(o: i32, S: i32, P: i32): i32 {
  const i = o * S - P;
  return i > 0 ? i : 0;
}

/** End (exclusive) of window o's input rows (or columns), clamped to the image of extent N. */
@inline function winEnd(o: i32, S: i32, P: i32, K: i32, N: i32): i32 {
  const i = o * S - P + K;
  return i < N ? i : N;
}

/** Plane pl's output pointer when out's examples are `stride` values apart (0: packed, C·OH·OW): out moved on by (pl / C)·(stride − C·OH·OW) values, so that index o = pl·OH·OW + … still applies. */
// @ts-ignore: decorator
@inline
function planeOut(out: usize, g: usize, stride: i32, pl: i32): usize {
  if (stride == 0) return out;
  const C = gi(g, Slot.C);
  return out + (<usize>((pl / C) * (stride - C * gi(g, Slot.OH) * gi(g, Slot.OW))) << 2);
}

/**
 * One output row of a 2x2, stride-2 max pool whose windows lie inside the
 * image: outputs o … o+OW-1 from input rows at flat index i and i + W.
 * Branch-free (a data-dependent branch per window mispredicts about half the
 * time on relu outputs): four windows at a time with SIMD compare-and-select,
 * in the scalar order (first maximum wins, like runtime/pool.ts).
 */
@inline function max2x2Row(x: usize, y: usize, argmax: usize, i: i32, W: i32, o: i32, OW: i32): void {
  let ow = 0;
  const step = i32x4(0, 2, 4, 6);
  const rowB = <usize>W << 2;
  for (; ow + 4 <= OW; ow += 4, o += 4, i += 8) {
    const p = x + (<usize>i << 2);
    const a0 = v128.load(p), a1 = v128.load(p, 16);
    const b0 = v128.load(p + rowB), b1 = v128.load(p + rowB, 16);
    // Window candidates in the scalar order: (0,0), (0,1), (1,0), (1,1).
    const first = i32x4.add(i32x4.splat(i), step); // flat index of each window's (0,0)
    let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
    let bi = first;
    let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
    let win = f32x4.gt(v, best);
    best = v128.bitselect(v, best, win);
    bi = v128.bitselect(i32x4.add(first, i32x4.splat(1)), bi, win);
    v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
    win = f32x4.gt(v, best);
    best = v128.bitselect(v, best, win);
    bi = v128.bitselect(i32x4.add(first, i32x4.splat(W)), bi, win);
    v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
    win = f32x4.gt(v, best);
    best = v128.bitselect(v, best, win);
    bi = v128.bitselect(i32x4.add(first, i32x4.splat(W + 1)), bi, win);
    v128.store(y + (<usize>o << 2), best);
    v128.store(argmax + (<usize>o << 2), bi);
  }
  for (; ow < OW; ow++, o++, i += 2) {
    let bi = i;
    let best = load<f32>(x + (<usize>i << 2));
    let v = load<f32>(x + (<usize>(i + 1) << 2));
    let win = v > best;
    best = select<f32>(v, best, win);
    bi = select<i32>(i + 1, bi, win);
    v = load<f32>(x + (<usize>(i + W) << 2));
    win = v > best;
    best = select<f32>(v, best, win);
    bi = select<i32>(i + W, bi, win);
    v = load<f32>(x + (<usize>(i + W + 1) << 2));
    win = v > best;
    best = select<f32>(v, best, win);
    bi = select<i32>(i + W + 1, bi, win);
    store<f32>(y + (<usize>o << 2), best);
    store<i32>(argmax + (<usize>o << 2), bi);
  }
}

/** Max pooling forward over planes [p0, p1). */
export function maxPoolForward(x: usize, y: usize, argmax: usize, g: usize, p0: i32, p1: i32): void {
  const H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW), SH = gi(g, Slot.SH), SW = gi(g, Slot.SW);
  const PH = gi(g, Slot.PH), PW = gi(g, Slot.PW), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW);
  const HW = H * W;
  let o = p0 * OH * OW;
  // 2x2 windows with stride 2 inside the image (the common case): no bounds checks.
  const simple = KH == 2 && KW == 2 && SH == 2 && SW == 2 && PH == 0 && PW == 0 && OH * 2 <= H && OW * 2 <= W;
  const YS = gi(g, Slot.YS);
  for (let pl = p0; pl < p1; pl++) {
    const xp = pl * HW;
    const yp = planeOut(y, g, YS, pl);
    for (let oh = 0; oh < OH; oh++) {
      if (simple) {
        max2x2Row(x, yp, argmax, xp + 2 * oh * W, W, o, OW);
        o += OW;
        continue;
      }
      const h0 = winStart(oh, SH, PH);
      const h1 = winEnd(oh, SH, PH, KH, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = winStart(ow, SW, PW);
        const w1 = winEnd(ow, SW, PW, KW, W);
        if (h0 >= h1 || w0 >= w1) {
          store<f32>(yp + (<usize>o << 2), 0);
          store<i32>(argmax + (<usize>o << 2), -1);
          continue;
        }
        let bi = xp + h0 * W + w0;
        let best = load<f32>(x + (<usize>bi << 2));
        for (let h = h0; h < h1; h++) {
          const row = xp + h * W;
          for (let w = w0; w < w1; w++) {
            const v = load<f32>(x + (<usize>(row + w) << 2));
            const win = v > best;
            best = select<f32>(v, best, win);
            bi = select<i32>(row + w, bi, win);
          }
        }
        store<f32>(yp + (<usize>o << 2), best);
        store<i32>(argmax + (<usize>o << 2), bi);
      }
    }
  }
}

/** Max pooling backward over planes [p0, p1): those planes of dx are overwritten. */
export function maxPoolBackward(dy: usize, argmax: usize, dx: usize, g: usize, p0: i32, p1: i32): void {
  const HW = gi(g, Slot.H) * gi(g, Slot.W);
  const OHW = gi(g, Slot.OH) * gi(g, Slot.OW);
  memory.fill(dx + (<usize>(p0 * HW) << 2), 0, <usize>((p1 - p0) * HW) << 2);
  const DYS = gi(g, Slot.DYS);
  for (let pl = p0; pl < p1; pl++) {
    const dyp = planeOut(dy, g, DYS, pl);
    const end = (pl + 1) * OHW;
    for (let o = pl * OHW; o < end; o++) {
      const i = load<i32>(argmax + (<usize>o << 2));
      if (i >= 0) {
        const q = dx + (<usize>i << 2);
        store<f32>(q, load<f32>(q) + load<f32>(dyp + (<usize>o << 2)));
      }
    }
  }
}

/** Average pooling forward over planes [p0, p1). */
export function avgPoolForward(x: usize, y: usize, g: usize, p0: i32, p1: i32): void {
  walkAvg(x, y, g, p0, p1, false);
}

/** Average pooling backward over planes [p0, p1): those planes of dx are overwritten. */
export function avgPoolBackward(dy: usize, dx: usize, g: usize, p0: i32, p1: i32): void {
  const HW = gi(g, Slot.H) * gi(g, Slot.W);
  memory.fill(dx + (<usize>(p0 * HW) << 2), 0, <usize>((p1 - p0) * HW) << 2);
  walkAvg(dx, dy, g, p0, p1, true);
}

/**
 * Every average-pooling window of planes [p0, p1) (padding not counted): with
 * `adjoint` false, out[o] = mean of the window of img (0 for an empty window);
 * true, the window of img gets out[o] / count added. One walk for both keeps
 * them each other's adjoint.
 */
// @ts-ignore: decorator
@inline
function walkAvg(img: usize, out: usize, g: usize, p0: i32, p1: i32, adjoint: bool): void {
  const H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW), SH = gi(g, Slot.SH), SW = gi(g, Slot.SW);
  const PH = gi(g, Slot.PH), PW = gi(g, Slot.PW), OH = gi(g, Slot.OH), OW = gi(g, Slot.OW);
  const HW = H * W;
  const stride = gi(g, adjoint ? Slot.DYS : Slot.YS);
  let o = p0 * OH * OW;
  for (let pl = p0; pl < p1; pl++) {
    const xp = pl * HW;
    const op = planeOut(out, g, stride, pl);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = winStart(oh, SH, PH);
      const h1 = winEnd(oh, SH, PH, KH, H);
      for (let ow = 0; ow < OW; ow++, o++) {
        const w0 = winStart(ow, SW, PW);
        const w1 = winEnd(ow, SW, PW, KW, W);
        const q = op + (<usize>o << 2);
        if (h0 >= h1 || w0 >= w1) {
          if (!adjoint) store<f32>(q, 0);
          continue;
        }
        const count = <f32>((h1 - h0) * (w1 - w0));
        const gv = adjoint ? load<f32>(q) / count : <f32>0;
        let s: f32 = 0;
        for (let h = h0; h < h1; h++) {
          const row = img + (<usize>(xp + h * W) << 2);
          for (let w = w0; w < w1; w++) {
            const p = row + (<usize>w << 2);
            if (adjoint) store<f32>(p, load<f32>(p) + gv);
            else s += load<f32>(p);
          }
        }
        if (!adjoint) store<f32>(q, s / count);
      }
    }
  }
}
