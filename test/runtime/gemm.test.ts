import { describe, expect, it } from "vitest";
import { Rng, gemm, type Tensor } from "../../runtime/index.js";
import { PRECISIONS, expectClose, randArray, toF64, type Ctor } from "./helpers.js";

/** Straight-from-the-definition reference, in float64. */
function refGemm(
  tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number,
  A: ArrayLike<number>, aOff: number, lda: number, B: ArrayLike<number>, bOff: number, ldb: number,
  beta: number, C: Float64Array, cOff: number, ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = tA ? A[aOff + k * lda + i]! : A[aOff + i * lda + k]!;
        const b = tB ? B[bOff + j * ldb + k]! : B[bOff + k * ldb + j]!;
        s += a * b;
      }
      const q = cOff + i * ldc + j;
      C[q] = beta === 0 ? alpha * s : alpha * s + beta * C[q]!;
    }
  }
}

interface Case { tA: boolean; tB: boolean; M: number; N: number; K: number; alpha: number; beta: number; pad: number; off: number }

function runCase(T: Ctor, tol: number, c: Case, rng: Rng): void {
  const { tA, tB, M, N, K, alpha, beta, pad, off } = c;
  // Stored shapes with extra leading-dimension padding and offsets.
  const aRows = tA ? K : M, aCols = tA ? M : K;
  const bRows = tB ? N : K, bCols = tB ? K : N;
  const lda = aCols + pad, ldb = bCols + pad + 1, ldc = N + 2 * pad;
  const aOff = off, bOff = 2 * off, cOff = 3 * off;
  const A = randArray(T, aOff + aRows * lda + 3, rng);
  const B = randArray(T, bOff + bRows * ldb + 3, rng);
  const C = randArray(T, cOff + M * ldc + 3, rng);
  if (beta === 0) C.fill(NaN); // beta = 0 must ignore old contents, even NaN
  // Padding inside C (between rows and around) must be untouched.
  const expected = toF64(C);
  refGemm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, expected, cOff, ldc);
  gemm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  // Compare element by element, NaN padding included (NaN must stay NaN where it was not written).
  for (let i = 0; i < C.length; i++) {
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      expect(C[i], `padding at ${i} changed`).toBeNaN();
    }
  }
  const got = toF64(C).map((v, i) => (Number.isNaN(expected[i]!) ? 0 : v));
  const exp = expected.map((v) => (Number.isNaN(v) ? 0 : v));
  const scale = Math.max(1, Math.sqrt(K)); // magnitude of a K-term dot product
  expectClose(got.map((v) => v / scale), exp.map((v) => v / scale), tol, `gemm ${JSON.stringify(c)}`);
}

describe("gemm", () => {
  const sizes = [1, 2, 3, 4, 5, 7, 8, 17, 33];
  for (const { name, T, tol } of PRECISIONS) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        it(`${name} transA=${tA} transB=${tB}: edge sizes, offsets, leading dims, alpha/beta`, () => {
          const rng = new Rng(1234 + (tA ? 1 : 0) + (tB ? 2 : 0));
          let n = 0;
          for (const M of sizes) {
            for (const N of sizes) {
              const K = sizes[(M * 7 + N * 3) % sizes.length]!;
              const alpha = [1, -0.5, 2.25][n % 3]!;
              const beta = [0, 1, 0.75][(n >> 1) % 3]!;
              runCase(T, tol, { tA, tB, M, N, K, alpha, beta, pad: n % 3, off: n % 5 }, rng);
              n++;
            }
          }
        });
      }
    }
    it(`${name}: depth larger than one k-block (K = 257, 300, 517, 1031), beta != 0`, () => {
      const rng = new Rng(99);
      for (const K of [255, 256, 257, 300, 517, 1031]) {
        for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          runCase(T, tol, { tA, tB, M: 6, N: 9, K, alpha: 0.5, beta: 0.5, pad: 1, off: 2 }, rng);
          runCase(T, tol, { tA, tB, M: 5, N: 4, K, alpha: 1, beta: 0, pad: 0, off: 0 }, rng);
        }
      }
    });
  }

  it("beta = 0 overwrites NaN/Infinity in C", () => {
    const A = Float64Array.from([1, 2, 3, 4]);
    const B = Float64Array.from([5, 6, 7, 8]);
    const C = Float64Array.from([NaN, Infinity, -Infinity, NaN]);
    gemm(false, false, 2, 2, 2, 1, A, 0, 2, B, 0, 2, 0, C, 0, 2);
    expect(Array.from(C)).toEqual([19, 22, 43, 50]);
  });

  it("K = 0 or alpha = 0 scales C by beta (zeroing when beta = 0)", () => {
    const A = new Float64Array(4).fill(NaN);
    const C: Tensor = Float64Array.from([1, 2, 3, 4]);
    gemm(false, false, 2, 2, 0, 1, A, 0, 1, A, 0, 2, 0.5, C, 0, 2);
    expect(Array.from(C)).toEqual([0.5, 1, 1.5, 2]);
    C.fill(NaN);
    gemm(false, false, 2, 2, 0, 1, A, 0, 1, A, 0, 2, 0, C, 0, 2);
    expect(Array.from(C)).toEqual([0, 0, 0, 0]);
    const A2 = Float64Array.from([1, 2, 3, 4]);
    const C2 = Float64Array.from([1, 1, 1, 1]);
    gemm(false, false, 2, 2, 2, 0, A2, 0, 2, A2, 0, 2, 2, C2, 0, 2);
    expect(Array.from(C2)).toEqual([2, 2, 2, 2]);
  });

  it("mixed precision operands (f32 A, f64 B, f64 C)", () => {
    const rng = new Rng(5);
    const A = randArray(Float32Array, 7 * 9, rng);
    const B = randArray(Float64Array, 9 * 6, rng);
    const C = new Float64Array(7 * 6);
    const E = new Float64Array(7 * 6);
    gemm(false, false, 7, 6, 9, 1, A, 0, 9, B, 0, 6, 0, C, 0, 6);
    refGemm(false, false, 7, 6, 9, 1, A, 0, 9, B, 0, 6, 0, E, 0, 6);
    expectClose(C, E, 1e-12, "mixed");
  });
});
