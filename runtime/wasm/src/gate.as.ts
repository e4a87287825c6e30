/**
 * The kernels of `gate { … }` for WebAssembly (AssemblyScript), 128-bit SIMD,
 * over the runs [r0, r1) so that threads can split them: run r is `spatial`
 * values of x (one channel of one example, or one value when the gate has
 * x's shape) and one value g[r] of the gate. Pointers are byte offsets.
 */

/**
 * dst = src ⊙ g (A = u8) or dst += src ⊙ g (A = u16), g[r] broadcast over
 * run r: forward and the input gradient are the same loop, instantiated per
 * A (sizeof<A>() is a compile-time constant, so neither instance tests it).
 */
// @ts-ignore: decorator
@inline
function scaleRuns<A>(src: usize, g: usize, dst: usize, spatial: i32, r0: i32, r1: i32): void {
  const add = sizeof<A>() == 2;
  for (let r = r0; r < r1; r++) {
    const gv = load<f32>(g + (<usize>r << 2));
    const g4 = f32x4.splat(gv);
    const base = <usize>r * <usize>spatial;
    let s = 0;
    for (; s + 4 <= spatial; s += 4) {
      const o = (base + <usize>s) << 2;
      const v = f32x4.mul(v128.load(src + o), g4);
      v128.store(dst + o, add ? f32x4.add(v128.load(dst + o), v) : v);
    }
    for (; s < spatial; s++) {
      const o = (base + <usize>s) << 2;
      const v = load<f32>(src + o) * gv;
      store<f32>(dst + o, add ? load<f32>(dst + o) + v : v);
    }
  }
}

/** y = x ⊙ g, g[r] broadcast over run r. */
export function gateForward(x: usize, g: usize, y: usize, spatial: i32, r0: i32, r1: i32): void {
  scaleRuns<u8>(x, g, y, spatial, r0, r1);
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
  scaleRuns<u16>(dy, g, dx, spatial, r0, r1);
}

/**
 * Batchnorm at inference: y = x·scale[c] + shift[c] over the runs [r0, r1)
 * of `spatial` values, run r being channel c = r mod C of an example. y may be
 * a slice of a concat's output: example b's runs are moved b·skip values on
 * (skip: its stride less C·spatial; 0 when packed).
 */
export function channelAffine(x: usize, y: usize, scale: usize, shift: usize, spatial: i32, C: i32, skip: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const c = <usize>(r % C) << 2;
    const sc = load<f32>(scale + c), sh = load<f32>(shift + c);
    const sc4 = f32x4.splat(sc), sh4 = f32x4.splat(sh);
    const base = <usize>r * <usize>spatial;
    const yr = y + (<usize>((r / C) * skip) << 2);
    let s = 0;
    for (; s + 4 <= spatial; s += 4) {
      const o = (base + <usize>s) << 2;
      v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(x + o), sc4), sh4));
    }
    for (; s < spatial; s++) {
      const o = (base + <usize>s) << 2;
      store<f32>(yr + o, load<f32>(x + o) * sc + sh);
    }
  }
}
