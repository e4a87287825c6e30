import { describe, expect, it } from "vitest";
import { Rng, initConstant, initHe, initNormal, initOnes, initUniform, initXavier, initZeros } from "../../runtime/index.js";

function stats(a: ArrayLike<number>) {
  let s = 0, s2 = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  const mean = s / a.length;
  for (let i = 0; i < a.length; i++) s2 += (a[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(s2 / a.length) };
}

describe("Rng", () => {
  it("xoshiro128** core matches the reference implementation (state 1,2,3,4)", () => {
    const r = new Rng(0);
    r.setState([1, 2, 3, 4, 0, 0]);
    const out = Array.from({ length: 8 }, () => r.nextU32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  });

  it("same seed gives the same sequence; different seeds differ; pinned values stay stable", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.next());
    const sb = Array.from({ length: 100 }, () => b.next());
    const sc = Array.from({ length: 100 }, () => c.next());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    // Pinned so that an accidental change of the algorithm or seeding is caught
    // (saved checkpoints and experiments depend on the exact sequence).
    const p = new Rng(2024);
    expect(Array.from({ length: 4 }, () => p.nextU32())).toEqual(PINNED_U32);
    const q = new Rng(0);
    const seq = [q.next(), q.normal(), q.normal(), q.int(10)];
    expect(seq.map((v) => v.toPrecision(12))).toEqual(PINNED_MIXED);
  });

  it("re-seeding and getState/setState reproduce the sequence (including a cached normal)", () => {
    const r = new Rng(5);
    const first = [r.next(), r.normal()];
    r.seed(5);
    expect([r.next(), r.normal()]).toEqual(first);
    const st = r.getState(); // a cached second normal is pending here
    const after = [r.normal(), r.next(), r.int(1000)];
    const r2 = new Rng(999);
    r2.setState(st);
    expect([r2.normal(), r2.next(), r2.int(1000)]).toEqual(after);
  });

  it("next() in [0,1) with mean 1/2; normal() has mean 0 and std 1; int(n) is in range and uniform", () => {
    const r = new Rng(7);
    const n = 100000;
    const u = new Float64Array(n), g = new Float64Array(n);
    for (let i = 0; i < n; i++) u[i] = r.next();
    for (let i = 0; i < n; i++) g[i] = r.normal();
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    const su = stats(u), sg = stats(g);
    expect(Math.abs(su.mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(su.std - Math.sqrt(1 / 12))).toBeLessThan(0.005);
    expect(Math.abs(sg.mean)).toBeLessThan(0.015);
    expect(Math.abs(sg.std - 1)).toBeLessThan(0.015);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[r.int(7)]!++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
    expect(r.int(1)).toBe(0);
    expect(() => r.int(0)).toThrow(RangeError);
  });

  it("shuffle is a deterministic permutation for Int32Array and number[]", () => {
    const a = Int32Array.from({ length: 50 }, (_, i) => i);
    const b = Array.from({ length: 50 }, (_, i) => i);
    new Rng(3).shuffle(a);
    new Rng(3).shuffle(b);
    expect(Array.from(a)).toEqual(b);
    expect([...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(b).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe("init", () => {
  it("He: mean ~ 0, std within 5% of sqrt(2/fanIn), for f32 and f64", () => {
    for (const T of [Float32Array, Float64Array]) {
      const w = new T(200000);
      initHe(w, 75, new Rng(1));
      const s = stats(w);
      const want = Math.sqrt(2 / 75);
      expect(Math.abs(s.std / want - 1)).toBeLessThan(0.05);
      expect(Math.abs(s.mean)).toBeLessThan(0.02 * want);
    }
  });
  it("Xavier: uniform within +-sqrt(6/(in+out)), std = bound/sqrt(3) within 5%", () => {
    const w = new Float64Array(200000);
    initXavier(w, 100, 50, new Rng(2));
    const a = Math.sqrt(6 / 150);
    expect(w.every((v) => Math.abs(v) <= a)).toBe(true);
    const s = stats(w);
    expect(Math.abs(s.std / (a / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
    expect(Math.abs(s.mean)).toBeLessThan(0.02 * a);
  });
  it("normal, uniform, zeros, ones, constant; deterministic for a seed", () => {
    const w = new Float32Array(100000);
    initNormal(w, 0.05, new Rng(3));
    expect(Math.abs(stats(w).std / 0.05 - 1)).toBeLessThan(0.05);
    const w2 = new Float32Array(100000);
    initNormal(w2, 0.05, new Rng(3));
    expect(w2).toEqual(w);
    initUniform(w, 2, 3, new Rng(4));
    expect(w.every((v) => v >= 2 && v <= 3)).toBe(true);
    initZeros(w);
    expect(w.every((v) => v === 0)).toBe(true);
    initOnes(w);
    expect(w.every((v) => v === 1)).toBe(true);
    initConstant(w, 0.25);
    expect(w.every((v) => v === 0.25)).toBe(true);
  });
});

// Cross-checked against a C implementation of splitmix32 seeding + xoshiro128**.
const PINNED_U32: number[] = [2419916859, 2996235947, 1249288266, 2362729823];
const PINNED_MIXED: string[] = ["0.886853950202", "0.155154949229", "0.0321535610302", "2.00000000000"];
