import { describe, expect, it } from "vitest";
import { Rng, countCorrect, l2Grad, l2Penalty, mse, softmaxCrossEntropy } from "../../runtime/index.js";
import { PRECISIONS, expectClose, expectGradMatches, nanArray, randArray } from "./helpers.js";

function refCE(logits: ArrayLike<number>, labels: ArrayLike<number>, B: number, K: number): number {
  let total = 0;
  for (let r = 0; r < B; r++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += Math.exp(logits[r * K + j]!);
    total += -Math.log(Math.exp(logits[r * K + labels[r]!]!) / s);
  }
  return total / B;
}

describe("softmax cross-entropy", () => {
  for (const { name, T, tol } of PRECISIONS) {
    it(`${name}: loss, probs and gradient match the definition; label array types`, () => {
      const rng = new Rng(71);
      for (const [B, K] of [[1, 1], [4, 10], [7, 3], [16, 33]] as const) {
        const logits = randArray(T, B * K, rng, -4, 4);
        const labelsArr: number[] = [];
        for (let r = 0; r < B; r++) labelsArr.push(rng.int(K));
        for (const labels of [labelsArr, Int32Array.from(labelsArr), Float32Array.from(labelsArr), Float64Array.from(labelsArr)]) {
          const probs = nanArray(T, B * K), d = nanArray(T, B * K);
          const loss = softmaxCrossEntropy(logits, labels, B, K, probs, d);
          expect(Math.abs(loss - refCE(logits, labelsArr, B, K))).toBeLessThan(tol * Math.max(1, loss));
          const refP = new Float64Array(B * K), refD = new Float64Array(B * K);
          for (let r = 0; r < B; r++) {
            let s = 0;
            for (let j = 0; j < K; j++) s += Math.exp(logits[r * K + j]!);
            for (let j = 0; j < K; j++) {
              refP[r * K + j] = Math.exp(logits[r * K + j]!) / s;
              refD[r * K + j] = (refP[r * K + j]! - (j === labelsArr[r] ? 1 : 0)) / B;
            }
          }
          expectClose(probs, refP, tol, "probs");
          expectClose(d, refD, tol, "dlogits");
          const probs2 = nanArray(T, B * K);
          expect(softmaxCrossEntropy(logits, labels, B, K, probs2, null)).toBe(loss);
          expectClose(probs2, probs, 0, "probs without gradient");
          // All three arguments may share one buffer.
          const shared = T.from(logits);
          expect(softmaxCrossEntropy(shared, labels, B, K, shared, shared)).toBe(loss);
          expectClose(shared, d, 0, "dlogits with logits/probs/dlogits aliased");
        }
      }
    });
  }
  it("is stable for huge logits", () => {
    const logits = Float64Array.from([1000, 0, -1000, -1000, 0, 1000]);
    const probs = new Float64Array(6), d = new Float64Array(6);
    const loss = softmaxCrossEntropy(logits, [1, 2], 2, 3, probs, d);
    expect(loss).toBeCloseTo(500, 9); // rows lose 1000 and 0
    expect(Array.from(probs).every(Number.isFinite)).toBe(true);
    expect(softmaxCrossEntropy(Float64Array.from([800, 0]), [0], 1, 2, new Float64Array(2), null)).toBe(0);
  });
  it("rejects out-of-range or fractional labels", () => {
    const p = new Float64Array(3);
    expect(() => softmaxCrossEntropy(new Float64Array(3), [3], 1, 3, p, null)).toThrow(RangeError);
    expect(() => softmaxCrossEntropy(new Float64Array(3), [-1], 1, 3, p, null)).toThrow(RangeError);
    expect(() => softmaxCrossEntropy(new Float64Array(3), [1.5], 1, 3, p, null)).toThrow(RangeError);
  });
  it("f64 gradient check", () => {
    const rng = new Rng(72);
    const B = 5, K = 7;
    const logits = randArray(Float64Array, B * K, rng, -3, 3);
    const labels = Int32Array.from({ length: B }, () => rng.int(K));
    const probs = new Float64Array(B * K), d = new Float64Array(B * K);
    softmaxCrossEntropy(logits, labels, B, K, probs, d);
    expectGradMatches(() => softmaxCrossEntropy(logits, labels, B, K, probs, null), logits, d, "softmax CE");
  });
  it("countCorrect", () => {
    const logits = Float64Array.from([0.1, 0.9, 0.5, 0.2, 0.3, 0.3]);
    expect(countCorrect(logits, [1, 0, 0], 3, 2)).toBe(3);
    expect(countCorrect(logits, Int32Array.from([0, 1, 1]), 3, 2)).toBe(0);
  });
});

describe("mse", () => {
  for (const { name, T, tol } of PRECISIONS) {
    it(`${name}: loss and gradient match the definition`, () => {
      const rng = new Rng(73);
      const B = 6, D = 5;
      const y = randArray(T, B * D, rng), t = randArray(T, B * D, rng);
      const dy = nanArray(T, B * D);
      const loss = mse(y, t, B, D, dy);
      let ref = 0;
      for (let i = 0; i < B * D; i++) ref += (y[i]! - t[i]!) ** 2;
      expect(Math.abs(loss - ref / (B * D))).toBeLessThan(tol);
      expectClose(dy, Float64Array.from(y, (v, i) => (2 * (v - t[i]!)) / (B * D)), tol, "mse grad");
      expect(mse(y, t, B, D, null)).toBe(loss);
    });
  }
  it("f64 gradient check", () => {
    const rng = new Rng(74);
    const y = randArray(Float64Array, 12, rng), t = randArray(Float64Array, 12, rng);
    const dy = new Float64Array(12);
    mse(y, t, 3, 4, dy);
    expectGradMatches(() => mse(y, t, 3, 4, null), y, dy, "mse");
  });
});

describe("L2", () => {
  it("penalty and gradient", () => {
    const a = Float64Array.from([1, -2]), b = Float32Array.from([3]);
    expect(l2Penalty([a, b], 0.1)).toBeCloseTo(0.05 * 14, 14);
    const dw = Float64Array.from([1, 1]);
    l2Grad(a, dw, 0.1);
    expectClose(dw, [1.1, 0.8], 1e-15, "l2 grad");
    // The gradient of the penalty is lambda * w.
    const g = new Float64Array(2);
    l2Grad(a, g, 0.1);
    expectGradMatches(() => l2Penalty([a], 0.1), a, g, "l2");
  });
});
