/**
 * Depthwise convolution (groups = channels = filters) for WebAssembly: the
 * semantics of runtime/depthwise.ts. A direct kernel: for each tap, the
 * output rows it reaches get wv·(input row) added, four columns at a time
 * (SIMD) when the horizontal stride is 1; taps that would read padding are
 * skipped by computing, per tap, the output range whose input is inside the
 * image. Each call covers the channels [c0, c1) of all B images, so threads
 * split by channel and write disjoint weight and bias gradients.
 * Geometry g: the slots of geometry.as.ts (Slot.H, Slot.KH, Slot.DH, …).
 */
import { ACT_RELU, endInside, firstInside, gi, Slot } from "./geometry.as";

/** y = act(depthwise(x, w) + bias) for channels [c0, c1) of images [0, B); bias 0 for none. */
export function depthwiseForward(x: usize, w: usize, bias: usize, y: usize, g: usize, B: i32, c0: i32, c1: i32, act: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), SW = gi(g, Slot.SW), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW);
  const OH = gi(g, Slot.OH), OW = gi(g, Slot.OW), DH = gi(g, Slot.DH), DW = gi(g, Slot.DW);
  const HW = H * W;
  const OHW = OH * OW;
  const zero = f32x4.splat(0);
  for (let c = c0; c < c1; c++) {
    const bv: f32 = bias != 0 ? load<f32>(bias + (<usize>c << 2)) : 0;
    const bv4 = f32x4.splat(bv);
    for (let b = 0; b < B; b++) {
      const plane = b * C + c;
      const xo = x + (<usize>(plane * HW) << 2);
      const yo = y + (<usize>(plane * OHW) << 2);
      let i = 0;
      for (; i + 4 <= OHW; i += 4) v128.store(yo + (<usize>i << 2), bv4);
      for (; i < OHW; i++) store<f32>(yo + (<usize>i << 2), bv);
      for (let kh = 0; kh < KH; kh++) {
        const ohLo = firstInside(kh * DH, PH, SH, OH);
        const ohHi = endInside(kh * DH, PH, SH, H, OH, ohLo);
        for (let kw = 0; kw < KW; kw++) {
          const wv = load<f32>(w + (<usize>((c * KH + kh) * KW + kw) << 2));
          const wv4 = f32x4.splat(wv);
          const owLo = firstInside(kw * DW, PW, SW, OW);
          const owHi = endInside(kw * DW, PW, SW, W, OW, owLo);
          for (let oh = ohLo; oh < ohHi; oh++) {
            // input index of output column owLo on this row (≥ 0)
            const s = xo + (<usize>((oh * SH - PH + kh * DH) * W - PW + kw * DW + owLo * SW) << 2);
            const d = yo + (<usize>(oh * OW + owLo) << 2);
            const n = owHi - owLo;
            let j = 0;
            if (SW == 1) {
              for (; j + 4 <= n; j += 4) {
                const q = d + (<usize>j << 2);
                v128.store(q, f32x4.add(v128.load(q), f32x4.mul(wv4, v128.load(s + (<usize>j << 2)))));
              }
            }
            for (; j < n; j++) {
              const q = d + (<usize>j << 2);
              store<f32>(q, load<f32>(q) + wv * load<f32>(s + (<usize>(j * SW) << 2)));
            }
          }
        }
      }
      if (act == ACT_RELU) {
        i = 0;
        // pmax(0, v) = 0 < v ? v : 0, so NaN becomes 0 as in runtime/activations.ts
        for (; i + 4 <= OHW; i += 4) v128.store(yo + (<usize>i << 2), f32x4.pmax(zero, v128.load(yo + (<usize>i << 2))));
        for (; i < OHW; i++) {
          const v = load<f32>(yo + (<usize>i << 2));
          store<f32>(yo + (<usize>i << 2), v > 0 ? v : 0);
        }
      }
    }
  }
}

/**
 * Backward for channels [c0, c1) of images [0, B): dw and db (0 for none) of
 * those channels overwritten, and dx (0 for none) of their planes.
 */
export function depthwiseBackward(x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, g: usize, B: i32, c0: i32, c1: i32): void {
  const C = gi(g, Slot.C), H = gi(g, Slot.H), W = gi(g, Slot.W), KH = gi(g, Slot.KH), KW = gi(g, Slot.KW);
  const SH = gi(g, Slot.SH), SW = gi(g, Slot.SW), PH = gi(g, Slot.PH), PW = gi(g, Slot.PW);
  const OH = gi(g, Slot.OH), OW = gi(g, Slot.OW), DH = gi(g, Slot.DH), DW = gi(g, Slot.DW);
  const HW = H * W;
  const OHW = OH * OW;
  for (let c = c0; c < c1; c++) {
    const wc = <usize>(c * KH * KW) << 2;
    memory.fill(dw + wc, 0, <usize>(KH * KW) << 2);
    let bsum: f32 = 0;
    for (let b = 0; b < B; b++) {
      const plane = b * C + c;
      const xo = x + (<usize>(plane * HW) << 2);
      const dxo = dx + (<usize>(plane * HW) << 2);
      const yo = dy + (<usize>(plane * OHW) << 2);
      if (dx != 0) memory.fill(dxo, 0, <usize>HW << 2);
      if (db != 0) {
        let acc = f32x4.splat(0);
        let i = 0;
        for (; i + 4 <= OHW; i += 4) acc = f32x4.add(acc, v128.load(yo + (<usize>i << 2)));
        let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
        for (; i < OHW; i++) s += load<f32>(yo + (<usize>i << 2));
        bsum += s;
      }
      for (let kh = 0; kh < KH; kh++) {
        const ohLo = firstInside(kh * DH, PH, SH, OH);
        const ohHi = endInside(kh * DH, PH, SH, H, OH, ohLo);
        for (let kw = 0; kw < KW; kw++) {
          const k = wc + (<usize>(kh * KW + kw) << 2);
          const wv = load<f32>(w + k);
          const wv4 = f32x4.splat(wv);
          const owLo = firstInside(kw * DW, PW, SW, OW);
          const owHi = endInside(kw * DW, PW, SW, W, OW, owLo);
          const n = owHi - owLo;
          let acc = f32x4.splat(0);
          let tail: f32 = 0;
          for (let oh = ohLo; oh < ohHi; oh++) {
            const off = <usize>((oh * SH - PH + kh * DH) * W - PW + kw * DW + owLo * SW) << 2;
            const s = xo + off;
            const e = dxo + off;
            const d = yo + (<usize>(oh * OW + owLo) << 2);
            let j = 0;
            if (SW == 1) {
              for (; j + 4 <= n; j += 4) {
                const q = <usize>j << 2;
                const t4 = v128.load(d + q);
                acc = f32x4.add(acc, f32x4.mul(t4, v128.load(s + q)));
                if (dx != 0) v128.store(e + q, f32x4.add(v128.load(e + q), f32x4.mul(wv4, t4)));
              }
            }
            for (; j < n; j++) {
              const t = load<f32>(d + (<usize>j << 2));
              const q = <usize>(j * SW) << 2;
              tail += t * load<f32>(s + q);
              if (dx != 0) store<f32>(e + q, load<f32>(e + q) + wv * t);
            }
          }
          const sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail;
          store<f32>(dw + k, load<f32>(dw + k) + sum);
        }
      }
    }
    if (db != 0) store<f32>(db + (<usize>c << 2), bsum);
  }
}
