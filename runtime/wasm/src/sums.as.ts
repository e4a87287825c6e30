/**
 * Sums over planes for WebAssembly (AssemblyScript), SIMD: global average
 * pooling and its backward (runtime/pool.ts), split by planes [p0, p1), and
 * the per-channel sums that are a bias gradient (runtime/deconv.ts's
 * channelSums), split by channels [c0, c1).
 */

/** The sum of the n values at p: two four-lane accumulators, then the tail (float32 throughout). */
// @ts-ignore: decorator
@inline
function sum(p: usize, n: i32): f32 {
  let a = f32x4.splat(0), b = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const q = p + (<usize>i << 2);
    a = f32x4.add(a, v128.load(q));
    b = f32x4.add(b, v128.load(q, 16));
  }
  if (i + 4 <= n) {
    a = f32x4.add(a, v128.load(p + (<usize>i << 2)));
    i += 4;
  }
  a = f32x4.add(a, b);
  let s = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3));
  for (; i < n; i++) s += load<f32>(p + (<usize>i << 2));
  return s;
}

/** y[pl] = the mean of plane pl of x (HW values), planes [p0, p1). */
export function globalAvgPoolForward(x: usize, y: usize, HW: i32, p0: i32, p1: i32): void {
  const inv = <f32>1 / <f32>HW;
  for (let pl = p0; pl < p1; pl++) store<f32>(y + (<usize>pl << 2), sum(x + ((<usize>pl * <usize>HW) << 2), HW) * inv);
}

/** dx's plane pl = dy[pl] / HW everywhere, planes [p0, p1) (overwritten). */
export function globalAvgPoolBackward(dy: usize, dx: usize, HW: i32, p0: i32, p1: i32): void {
  const inv = <f32>1 / <f32>HW;
  for (let pl = p0; pl < p1; pl++) {
    const g = load<f32>(dy + (<usize>pl << 2)) * inv;
    const g4 = f32x4.splat(g);
    const q = dx + ((<usize>pl * <usize>HW) << 2);
    let i = 0;
    for (; i + 4 <= HW; i += 4) v128.store(q + (<usize>i << 2), g4);
    for (; i < HW; i++) store<f32>(q + (<usize>i << 2), g);
  }
}

/** out[c] = the sum over the B examples and the plane of t[b][c][…], channels [c0, c1) of C (overwritten). */
export function channelSums(t: usize, out: usize, B: i32, C: i32, plane: i32, c0: i32, c1: i32): void {
  for (let c = c0; c < c1; c++) {
    let s: f32 = 0;
    for (let b = 0; b < B; b++) s += sum(t + ((<usize>(b * C + c) * <usize>plane) << 2), plane);
    store<f32>(out + (<usize>c << 2), s);
  }
}
