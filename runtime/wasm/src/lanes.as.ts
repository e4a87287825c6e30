/**
 * Sliding lanes: the four floats one or two columns on, taken from the eight
 * floats of two adjacent vectors a, b (the depthwise kernel's taps). No
 * imports, so bench/depthwise.mjs can compile it next to its own loops.
 */

/** Lanes 1–4 of the eight floats a, b: the inputs one column on. */
// @ts-ignore: decorator
@inline
export function on1(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
}

/** Lanes 2–5 of the eight floats a, b: the inputs two columns on. */
// @ts-ignore: decorator
@inline
export function on2(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
}

/** Lane 3 of a, then lanes 0–2 of b: the inputs one column back, b's first from the vector before it. */
// @ts-ignore: decorator
@inline
export function back1(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27);
}
