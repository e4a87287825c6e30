/**
 * Adaptive average and max pooling for WebAssembly: the semantics of
 * runtime/adaptive-pool.ts (PyTorch's windows: output row i pools input rows
 * [⌊i·H₀/H⌋, ⌈(i+1)·H₀/H⌉), likewise columns; argmax holds flat indices into
 * x, the first maximum on ties). Geometry g: Slot.H, Slot.W (the input
 * plane), Slot.OH, Slot.OW (the output plane). Each call covers the planes
 * [p0, p1), so threads split a batch. The windows are a few values wide: the
 * loops are scalar.
 */
import { gi, Slot } from "./geometry.as";

/** What adaptiveWalk does at each window. */
const MEAN: i32 = 0;
const MEAN_ADJOINT: i32 = 1;
const MAX: i32 = 2;

/**
 * Each output o of planes [p0, p1) and its window of img: MEAN writes the
 * window's mean to out[o]; MEAN_ADJOINT adds out[o] / (window size) to the
 * window (img zeroed first: a gradient); MAX writes the largest value to
 * out[o] and its index to argmax[o]. One walk for all three.
 */
// @ts-ignore: decorator
@inline
function adaptiveWalk(img: usize, out: usize, argmax: usize, g: usize, p0: i32, p1: i32, mode: i32): void {
  const H0 = gi(g, Slot.H), W0 = gi(g, Slot.W), H = gi(g, Slot.OH), W = gi(g, Slot.OW);
  const plane = H0 * W0;
  if (mode == MEAN_ADJOINT) memory.fill(img + (<usize>(p0 * plane) << 2), 0, <usize>((p1 - p0) * plane) << 2);
  let o = p0 * H * W;
  for (let p = p0; p < p1; p++) {
    const base = p * plane;
    for (let i = 0; i < H; i++) {
      const h0 = (i * H0) / H, h1 = ((i + 1) * H0 + H - 1) / H;
      for (let j = 0; j < W; j++, o++) {
        const w0 = (j * W0) / W, w1 = ((j + 1) * W0 + W - 1) / W;
        const at = out + (<usize>o << 2);
        if (mode == MEAN) {
          let s: f32 = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += load<f32>(img + (<usize>(base + h * W0 + w) << 2));
          store<f32>(at, s / <f32>((h1 - h0) * (w1 - w0)));
        } else if (mode == MEAN_ADJOINT) {
          const v = load<f32>(at) / <f32>((h1 - h0) * (w1 - w0));
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const q = img + (<usize>(base + h * W0 + w) << 2);
              store<f32>(q, load<f32>(q) + v);
            }
          }
        } else {
          let best = base + h0 * W0 + w0;
          let m = load<f32>(img + (<usize>best << 2));
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const k = base + h * W0 + w;
              const v = load<f32>(img + (<usize>k << 2));
              // Branch-free (a data-dependent branch mispredicts on relu outputs); the first maximum wins.
              const gt = v > m;
              m = select<f32>(v, m, gt);
              best = select<i32>(k, best, gt);
            }
          }
          store<f32>(at, m);
          store<i32>(argmax + (<usize>o << 2), best);
        }
      }
    }
  }
}

/** y = the mean of each window, planes [p0, p1). */
export function adaptiveAvgPoolForward(x: usize, y: usize, g: usize, p0: i32, p1: i32): void {
  adaptiveWalk(x, y, 0, g, p0, p1, MEAN);
}

/** dx = each window's share of dy, summed where windows overlap (overwrites dx), planes [p0, p1). */
export function adaptiveAvgPoolBackward(dy: usize, dx: usize, g: usize, p0: i32, p1: i32): void {
  adaptiveWalk(dx, dy, 0, g, p0, p1, MEAN_ADJOINT);
}

/** y = the largest value of each window, argmax its index in x, planes [p0, p1). */
export function adaptiveMaxPoolForward(x: usize, y: usize, argmax: usize, g: usize, p0: i32, p1: i32): void {
  adaptiveWalk(x, y, argmax, g, p0, p1, MAX);
}

/** dx[argmax[o]] += dy[o] over `outputs` values (overwrites dx's `inputs` values first). */
export function adaptiveMaxPoolBackward(dy: usize, argmax: usize, dx: usize, inputs: i32, outputs: i32): void {
  memory.fill(dx, 0, <usize>inputs << 2);
  for (let o = 0; o < outputs; o++) {
    const q = dx + (<usize>load<i32>(argmax + (<usize>o << 2)) << 2);
    store<f32>(q, load<f32>(q) + load<f32>(dy + (<usize>o << 2)));
  }
}
