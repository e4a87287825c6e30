/**
 * Layer geometry for the WebAssembly kernels: the JS side writes a layer's
 * shape as int32 slots at a fixed address before each call, and the kernels
 * read slot `Slot.X` with gi(g, Slot.X). The slots are generated
 * (slots.as.ts, from GEOMETRY_SLOTS in runtime/wasm/geometry.ts): read them by
 * name, never by number. Also the copy of an image into a zero-padded buffer
 * that the direct, implicit-GEMM and Winograd convolutions read from.
 */
import { Slot, SLOTS } from "./slots.as";
export { Slot, SLOTS } from "./slots.as";

/** Slots this build reads: the backend checks it against its list, so a stale kernels.wasm fails loudly. */
export function geometrySlots(): i32 {
  return SLOTS;
}

/** Epilogue activations (the act argument of the conv and fc kernels; runtime/activations.ts numbers them the same). */
export const ACT_NONE: i32 = 0;
export const ACT_RELU: i32 = 1;
/** min(max(x, 0), 6), NaN kept (conv kernels only). */
export const ACT_RELU6: i32 = 2;

/** Slot s of the geometry at g. */
// @ts-ignore: decorator
@inline
export function gi(g: usize, s: Slot): i32 {
  return load<i32>(g + (<usize>s << 2));
}

/** Sets slot s of the geometry at g (a geometry the kernels derive, e.g. Winograd's input gradient). */
// @ts-ignore: decorator
@inline
export function si(g: usize, s: Slot, v: i32): void {
  store<i32>(g + (<usize>s << 2), v);
}

/** Bytes from one example of a conv's output (slot YS) or output gradient (slot DYS) to the next: packed F·OHW unless the slot is set (a concat's slice). */
// @ts-ignore: decorator
@inline
export function exampleBytes(g: usize, s: Slot, F: i32, OHW: i32): usize {
  const v = gi(g, s);
  return <usize>(v > 0 ? v : F * OHW) << 2;
}

/**
 * Copies image xb (C x H x W) into the interior of a padded buffer pad (C
 * planes of Hp rows of Wp floats) at row PH, column PW; the border is left
 * as it is (zeroed once by the caller).
 */
export function padInto(xb: usize, pad: usize, C: i32, H: i32, W: i32, Hp: i32, Wp: i32, PH: i32, PW: i32): void {
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      const d = pad + (<usize>((c * Hp + h + PH) * Wp + PW) << 2);
      const s = xb + (<usize>((c * H + h) * W) << 2);
      let i = 0;
      for (; i + 4 <= W; i += 4) v128.store(d + (<usize>i << 2), v128.load(s + (<usize>i << 2)));
      for (; i < W; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
    }
  }
}

/**
 * The outputs of a window tap that read the image rather than padding, along
 * one axis (the conv and depthwise kernels skip the rest): the first output o
 * whose input position o·S − P + tap is ≥ 0 (at most out).
 */
// @ts-ignore: decorator
@inline
export function firstInside(tap: i32, P: i32, S: i32, out: i32): i32 {
  const v = P - tap;
  const o = v <= 0 ? 0 : (v + S - 1) / S;
  return o > out ? out : o;
}

/** End (exclusive) of the outputs whose input position o·S − P + tap is < size (at least lo). */
// @ts-ignore: decorator
@inline
export function endInside(tap: i32, P: i32, S: i32, size: i32, out: i32, lo: i32): i32 {
  const v = size - 1 + P - tap;
  let o = v < 0 ? 0 : v / S + 1;
  if (o > out) o = out;
  return o < lo ? lo : o;
}
