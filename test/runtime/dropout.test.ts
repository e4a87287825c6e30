import { describe, expect, it } from "vitest";
import { Rng, dropoutBackward, dropoutForward } from "../../runtime/index.js";
import { PRECISIONS, dot, expectClose, expectGradMatches, nanArray, randArray } from "./helpers.js";

describe("dropout", () => {
  for (const { name, T } of PRECISIONS) {
    it(`${name}: mask values, y = x * mask, keep rate and determinism`, () => {
      const rng = new Rng(51);
      const n = 20000, p = 0.3;
      const x = randArray(T, n, rng);
      const y = nanArray(T, n), mask = nanArray(T, n);
      dropoutForward(x, y, mask, n, p, new Rng(1));
      const scale = T === Float32Array ? Math.fround(1 / (1 - p)) : 1 / (1 - p);
      let kept = 0, badMask = 0, badY = 0;
      for (let i = 0; i < n; i++) {
        const m = mask[i]!;
        if (m !== 0 && m !== scale) badMask++;
        if (m !== 0) kept++;
        const expectedY = T === Float32Array ? Math.fround(x[i]! * m) : x[i]! * m;
        if (y[i] !== expectedY) badY++;
      }
      expect(badMask).toBe(0);
      expect(badY).toBe(0);
      expect(Math.abs(kept / n - (1 - p))).toBeLessThan(0.015);
      const mask2 = new T(n), y2 = new T(n);
      dropoutForward(x, y2, mask2, n, p, new Rng(1));
      expect(Array.from(mask2)).toEqual(Array.from(mask));
      const dy = randArray(T, n, rng), dx = nanArray(T, n);
      dropoutBackward(mask, dy, dx, n);
      expectClose(dx, Float64Array.from(dy, (v, i) => v * mask[i]!), 1e-7, "dropout backward");
      dropoutBackward(mask, dy, dy, n); // in place
      expectClose(dy, dx, 0, "dropout backward in place");
    });
  }
  it("p = 0 is the identity (mask of ones, no random draws); p = 1 drops everything", () => {
    const x = Float64Array.from([1, -2, 3]);
    const y = new Float64Array(3), mask = new Float64Array(3);
    const rng = new Rng(9);
    const before = rng.getState();
    dropoutForward(x, y, mask, 3, 0, rng);
    expect(Array.from(y)).toEqual([1, -2, 3]);
    expect(Array.from(mask)).toEqual([1, 1, 1]);
    expect(rng.getState()).toEqual(before);
    dropoutForward(x, y, mask, 3, 1, rng);
    expect(Array.from(y)).toEqual([0, 0, 0]);
  });
  it("f64 gradient check with a fixed mask", () => {
    const n = 40;
    const rng = new Rng(52);
    const x = randArray(Float64Array, n, rng);
    const r = randArray(Float64Array, n, rng);
    const y = new Float64Array(n), mask = new Float64Array(n);
    dropoutForward(x, y, mask, n, 0.5, rng);
    const dx = new Float64Array(n);
    dropoutBackward(mask, r, dx, n);
    // With the mask fixed, dropout is y = x * mask.
    expectGradMatches(() => { for (let i = 0; i < n; i++) y[i] = x[i]! * mask[i]!; return dot(r, y); }, x, dx, "dropout");
    // And the forward kernel with a re-seeded rng reproduces exactly that function.
    const y2 = new Float64Array(n), m2 = new Float64Array(n);
    const rngA = new Rng(77), rngB = new Rng(77);
    dropoutForward(x, y2, m2, n, 0.5, rngA);
    const y3 = new Float64Array(n), m3 = new Float64Array(n);
    dropoutForward(x, y3, m3, n, 0.5, rngB);
    expect(Array.from(y3)).toEqual(Array.from(y2));
  });
});
