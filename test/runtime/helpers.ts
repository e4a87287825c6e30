// Shared helpers for the runtime kernel tests (not a test file itself).
import { expect } from "vitest";
import { OptionError, type Rng } from "../../runtime/index.js";

export type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Float64 and Float32 with the tolerance each is compared at. */
export const PRECISIONS: ReadonlyArray<{ name: string; T: Ctor; tol: number }> = [
  { name: "f64", T: Float64Array, tol: 1e-10 },
  { name: "f32", T: Float32Array, tol: 1e-4 },
];

/** Fills each array (say, a view of an engine's arena) with values in [-1, 1); returns the first. */
export function fillUniform<T extends Float32Array | Float64Array>(rng: Rng, first: T, ...more: T[]): T {
  for (const t of [first, ...more]) for (let i = 0; i < t.length; i++) t[i] = rng.next() * 2 - 1;
  return first;
}

/** Uniform random array in [lo, hi). */
export function randArray<T extends Ctor>(T: T, n: number, rng: Rng, lo = -1, hi = 1): InstanceType<T> {
  const a = new T(n) as InstanceType<T>;
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.next();
  return a;
}

/** Random array whose values are pairwise at least `gap` apart (for max pool / ReLU kinks). */
export function distinctArray<T extends Ctor>(T: T, n: number, rng: Rng, gap = 0.01): InstanceType<T> {
  const perm: number[] = [];
  for (let i = 0; i < n; i++) perm.push(i);
  rng.shuffle(perm);
  const a = new T(n) as InstanceType<T>;
  for (let i = 0; i < n; i++) a[i] = (perm[i]! - n / 2) * gap + 0.1 * gap * rng.next();
  return a;
}

/** Array filled with NaN: outputs that must be fully overwritten start like this. */
export function nanArray<T extends Ctor>(T: T, n: number): InstanceType<T> {
  const a = new T(n) as InstanceType<T>;
  a.fill(NaN);
  return a;
}

/** Copy into a Float64Array. */
export function toF64(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a);
}

/**
 * Max-norm relative error: max|a-b| / max(max|a|, max|b|, floor).
 * Lengths must agree. Returns Infinity if any value is NaN.
 */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let d = 0;
  let m = floor;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) return Infinity;
    d = Math.max(d, Math.abs(x - y));
    m = Math.max(m, Math.abs(x), Math.abs(y));
  }
  return d / m;
}

/** Assert arrays agree to relative tolerance tol (max-norm) with a helpful message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ""): void {
  const e = relErr(actual, expected);
  if (!(e <= tol)) {
    let worst = -1;
    let wd = -1;
    for (let i = 0; i < actual.length; i++) {
      const d = Math.abs(actual[i]! - expected[i]!);
      if (!(d <= wd)) {
        wd = d;
        worst = i;
      }
    }
    expect.fail(
      `${what}: relative error ${e} > ${tol} (worst at ${worst}: got ${actual[worst]}, expected ${expected[worst]})`,
    );
  }
}

/**
 * Central finite-difference gradient of the scalar function f with respect to
 * every element of x (x is perturbed in place and restored).
 */
export function numericGrad(f: () => number, x: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const old = x[i]!;
    x[i] = old + h;
    const fp = f();
    x[i] = old - h;
    const fm = f();
    x[i] = old;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Assert analytic gradient matches a central finite difference to relative error < tol. */
export function expectGradMatches(
  f: () => number,
  x: Float64Array,
  analytic: ArrayLike<number>,
  what: string,
  tol = 1e-6,
  h = 1e-5,
): void {
  const num = numericGrad(f, x, h);
  expectClose(analytic, num, tol, `gradient check ${what}`);
}

/** sum_i r_i * y_i: a scalar "loss" whose gradient w.r.t. y is r. */
export function dot(r: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += r[i]! * y[i]!;
  return s;
}

/** Integer in [lo, hi] inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** Expect `f` to throw an OptionError whose message contains every part; returns it. */
export function refuses(f: () => unknown, ...parts: string[]): OptionError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected an OptionError containing ${parts.join(" … ")}`).toBeInstanceOf(OptionError);
  const e = caught as OptionError;
  for (const p of parts) expect(e.message).toContain(p);
  return e;
}
