/**
 * The kernels of `gate { … }` for WebAssembly (AssemblyScript), 128-bit SIMD,
 * over the runs [r0, r1) so that threads can split them: run r is `spatial`
 * values of x (one channel of one example, or one value when the gate has
 * x's shape) and one value g[r] of the gate. Pointers are byte offsets.
 */

/** y = x ⊙ g, g[r] broadcast over run r. */
export function gateForward(x: usize, g: usize, y: usize, spatial: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const gv = load<f32>(g + (<usize>r << 2));
    const g4 = f32x4.splat(gv);
    const base = <usize>r * <usize>spatial;
    let s = 0;
    for (; s + 4 <= spatial; s += 4) {
      const o = (base + <usize>s) << 2;
      v128.store(y + o, f32x4.mul(v128.load(x + o), g4));
    }
    for (; s < spatial; s++) {
      const o = (base + <usize>s) << 2;
      store<f32>(y + o, load<f32>(x + o) * gv);
    }
  }
}

/** dg[r] = Σ over run r of dy ⊙ x. */
export function gateBackwardGate(dy: usize, x: usize, dg: usize, spatial: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const base = <usize>r * <usize>spatial;
    let acc = f32x4.splat(0);
    let s = 0;
    for (; s + 4 <= spatial; s += 4) {
      const o = (base + <usize>s) << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(dy + o), v128.load(x + o)));
    }
    let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; s < spatial; s++) {
      const o = (base + <usize>s) << 2;
      sum += load<f32>(dy + o) * load<f32>(x + o);
    }
    store<f32>(dg + (<usize>r << 2), sum);
  }
}

/** dx += dy ⊙ g, g[r] broadcast over run r. */
export function gateBackwardInput(dy: usize, g: usize, dx: usize, spatial: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const gv = load<f32>(g + (<usize>r << 2));
    const g4 = f32x4.splat(gv);
    const base = <usize>r * <usize>spatial;
    let s = 0;
    for (; s + 4 <= spatial; s += 4) {
      const o = (base + <usize>s) << 2;
      v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(v128.load(dy + o), g4)));
    }
    for (; s < spatial; s++) {
      const o = (base + <usize>s) << 2;
      store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * gv);
    }
  }
}
