import { describe, expect, it } from "vitest";
import { Rng, batchNormBackward, batchNormForwardInfer, batchNormForwardTrain } from "../../runtime/index.js";
import { PRECISIONS, dot, expectClose, expectGradMatches, nanArray, randArray } from "./helpers.js";

const EPS = 1e-5;

/** Reference training forward from the definition. */
function refBnTrain(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, B: number, C: number, HW: number) {
  const y = new Float64Array(B * C * HW), mean = new Float64Array(C), varB = new Float64Array(C), varU = new Float64Array(C);
  const n = B * HW;
  for (let c = 0; c < C; c++) {
    const vals: number[] = [];
    for (let b = 0; b < B; b++) for (let i = 0; i < HW; i++) vals.push(x[(b * C + c) * HW + i]!);
    const mu = vals.reduce((a, v) => a + v, 0) / n;
    const ss = vals.reduce((a, v) => a + (v - mu) ** 2, 0);
    mean[c] = mu;
    varB[c] = ss / n;
    varU[c] = n > 1 ? ss / (n - 1) : ss / n;
    for (let b = 0; b < B; b++)
      for (let i = 0; i < HW; i++) {
        const k = (b * C + c) * HW + i;
        y[k] = (gamma[c]! * (x[k]! - mu)) / Math.sqrt(varB[c]! + EPS) + beta[c]!;
      }
  }
  return { y, mean, varB, varU };
}

const shapes: Array<[number, number, number]> = [[4, 3, 1], [2, 3, 5], [3, 2, 16], [1, 4, 7], [8, 5, 1]];

describe("batchnorm", () => {
  for (const { name, T, tol } of PRECISIONS) {
    it(`${name}: training forward, saved stats, running stats (unbiased var, momentum 0.1), inference forward`, () => {
      const rng = new Rng(61);
      for (const [B, C, HW] of shapes) {
        const x = randArray(T, B * C * HW, rng, -2, 3);
        const gamma = randArray(T, C, rng, 0.5, 1.5), beta = randArray(T, C, rng);
        const rm0 = randArray(T, C, rng), rv0 = randArray(T, C, rng, 0.5, 2);
        const rm = T.from(rm0), rv = T.from(rv0);
        const y = nanArray(T, x.length), mean = nanArray(T, C), invstd = nanArray(T, C), xhat = nanArray(T, x.length);
        batchNormForwardTrain(x, y, gamma, beta, rm, rv, mean, invstd, xhat, B, C, HW);
        const ref = refBnTrain(x, gamma, beta, B, C, HW);
        expectClose(y, ref.y, tol, `bn train y ${B},${C},${HW}`);
        expectClose(mean, ref.mean, tol, "bn mean");
        expectClose(invstd, Float64Array.from(ref.varB, (v) => 1 / Math.sqrt(v + EPS)), tol, "bn invstd");
        expectClose(xhat, Float64Array.from(ref.y, (v, k) => (v - beta[Math.floor(k / HW) % C]!) / gamma[Math.floor(k / HW) % C]!), 1e3 * tol, "bn xhat");
        expectClose(rm, Float64Array.from(rm0, (v, c) => 0.9 * v + 0.1 * ref.mean[c]!), tol, "running mean");
        expectClose(rv, Float64Array.from(rv0, (v, c) => 0.9 * v + 0.1 * ref.varU[c]!), tol, "running var (unbiased)");
        // Same result without xhat.
        const y2 = nanArray(T, x.length);
        batchNormForwardTrain(x, y2, gamma, beta, T.from(rm0), T.from(rv0), mean, invstd, null, B, C, HW);
        expectClose(y2, ref.y, tol, "bn train y without xhat");
        // Inference uses running statistics.
        const yi = nanArray(T, x.length);
        batchNormForwardInfer(x, yi, gamma, beta, rm, rv, B, C, HW);
        const refI = new Float64Array(x.length);
        for (let k = 0; k < x.length; k++) {
          const c = Math.floor(k / HW) % C;
          refI[k] = (gamma[c]! * (x[k]! - rm[c]!)) / Math.sqrt(rv[c]! + EPS) + beta[c]!;
        }
        expectClose(yi, refI, tol, "bn inference");
      }
    });
  }

  it("custom momentum and eps", () => {
    const x = Float64Array.from([1, 3]); // B = 2, C = 1: mean 2, biased var 1, unbiased var 2
    const y = new Float64Array(2), rm = Float64Array.from([0]), rv = Float64Array.from([1]);
    const mean = new Float64Array(1), invstd = new Float64Array(1);
    batchNormForwardTrain(x, y, Float64Array.of(1), Float64Array.of(0), rm, rv, mean, invstd, null, 2, 1, 1, 0.5, 0);
    expect(Array.from(y)).toEqual([-1, 1]);
    expect(rm[0]).toBe(1);
    expect(rv[0]).toBe(1.5);
    expect(invstd[0]).toBe(1);
  });

  it("f64 gradient check in training mode (x, gamma, beta), dx aliasing dy", () => {
    const rng = new Rng(62);
    for (const [B, C, HW] of [[4, 3, 1], [2, 3, 5], [3, 2, 4]] as const) {
      const x = randArray(Float64Array, B * C * HW, rng, -2, 2);
      const gamma = randArray(Float64Array, C, rng, 0.5, 1.5), beta = randArray(Float64Array, C, rng);
      const r = randArray(Float64Array, x.length, rng);
      const y = new Float64Array(x.length), mean = new Float64Array(C), invstd = new Float64Array(C);
      const rm = new Float64Array(C), rv = new Float64Array(C);
      const loss = (): number => (batchNormForwardTrain(x, y, gamma, beta, rm, rv, mean, invstd, null, B, C, HW), dot(r, y));
      loss();
      const dx = nanArray(Float64Array, x.length), dg = nanArray(Float64Array, C), db = nanArray(Float64Array, C);
      batchNormBackward(x, r, dx, gamma, mean, invstd, dg, db, B, C, HW);
      const alias = Float64Array.from(r);
      batchNormBackward(x, alias, alias, gamma, mean, invstd, new Float64Array(C), new Float64Array(C), B, C, HW);
      expectClose(alias, dx, 0, "bn backward in place");
      expectGradMatches(loss, x, dx, `bn dx ${B},${C},${HW}`);
      loss();
      expectGradMatches(loss, gamma, dg, "bn dgamma");
      expectGradMatches(loss, beta, db, "bn dbeta");
    }
  });

  it("f32 backward agrees with f64 backward", () => {
    const rng = new Rng(63);
    const B = 3, C = 4, HW = 5;
    const x = randArray(Float32Array, B * C * HW, rng);
    const gamma = randArray(Float32Array, C, rng, 0.5, 1.5), beta = randArray(Float32Array, C, rng);
    const dy = randArray(Float32Array, x.length, rng);
    const run = <A extends Float32Array | Float64Array>(mk: (n: number) => A, conv: (a: ArrayLike<number>) => A) => {
      const mean = mk(C), invstd = mk(C), dx = mk(x.length), dg = mk(C), db = mk(C);
      batchNormForwardTrain(conv(x), mk(x.length), conv(gamma), conv(beta), mk(C), mk(C), mean, invstd, null, B, C, HW);
      batchNormBackward(conv(x), conv(dy), dx, conv(gamma), mean, invstd, dg, db, B, C, HW);
      return [dx, dg, db] as const;
    };
    const f32 = run((n) => new Float32Array(n), (a) => Float32Array.from(a));
    const f64 = run((n) => new Float64Array(n), (a) => Float64Array.from(a));
    for (let i = 0; i < 3; i++) expectClose(f32[i]!, f64[i]!, 1e-4, `bn f32 vs f64 #${i}`);
  });
});
