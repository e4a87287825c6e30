// The WebAssembly SIMD SGEMM (runtime/wasm) against a float64 reference.
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../runtime/index.js";
import {
  gemmF32Wasm,
  wasmAlloc,
  wasmF32,
  wasmGemm,
  wasmKernels,
  kernelsWasmPath,
  wasmMark,
  wasmMemory,
  wasmRelease,
} from "../../runtime/wasm/index.js";
import { ensureWasmBuilt } from "../helpers/wasm.js";

beforeAll(ensureWasmBuilt);

/** Relative tolerance, scaled by each element's dot-product magnitude. */
const TOL = 1e-5;

interface Case {
  tA: boolean; tB: boolean; M: number; N: number; K: number;
  alpha: number; beta: number; pad: number; off: number;
}

/**
 * Reference in float64 on the (float32) inputs: the expected C and, per
 * element, the magnitude |alpha| * sum_k |a_ik b_kj| + |beta c_ij| its error is
 * measured against. Elements outside the M x N matrix keep their value.
 */
function reference(
  c: Case, A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  C: Float32Array, cOff: number, ldc: number,
): { expected: Float64Array; mag: Float64Array } {
  const { tA, tB, M, N, K, alpha, beta } = c;
  const expected = Float64Array.from(C);
  const mag = new Float64Array(C.length);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0, m = 0;
      for (let k = 0; k < K; k++) {
        const a = tA ? A[aOff + k * lda + i]! : A[aOff + i * lda + k]!;
        const b = tB ? B[bOff + j * ldb + k]! : B[bOff + k * ldb + j]!;
        s += a * b;
        m += Math.abs(a * b);
      }
      const q = cOff + i * ldc + j;
      const old = beta === 0 ? 0 : beta * C[q]!;
      expected[q] = alpha * s + old;
      mag[q] = Math.abs(alpha) * m + Math.abs(old);
    }
  }
  return { expected, mag };
}

function randF32(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 2 * rng.next() - 1;
  return a;
}

/** Checks got against the reference; elements outside the matrix must be bit-identical. */
function expectMatches(got: Float32Array, before: Float32Array, ref: { expected: Float64Array; mag: Float64Array }, c: Case, cOff: number, ldc: number): void {
  const inside = (q: number): boolean => {
    const r = q - cOff;
    return r >= 0 && Math.floor(r / ldc) < c.M && r % ldc < c.N;
  };
  let worst = 0, worstAt = -1;
  for (let q = 0; q < got.length; q++) {
    if (!inside(q)) {
      if (!Object.is(got[q], before[q])) {
        throw new Error(`${JSON.stringify(c)}: element ${q} outside the matrix changed (${before[q]} -> ${got[q]})`);
      }
      continue;
    }
    const err = Math.abs(got[q]! - ref.expected[q]!) / Math.max(ref.mag[q]!, 1e-30);
    if (!(err <= worst)) { worst = err; worstAt = q; } // NaN counts as the worst
  }
  if (!(worst <= TOL)) {
    throw new Error(`${JSON.stringify(c)}: relative error ${worst} at ${worstAt} (got ${got[worstAt]}, want ${ref.expected[worstAt]})`);
  }
}

/** One case through gemmF32Wasm (operands copied into wasm memory), with padding and offsets. */
function runCase(c: Case, rng: Rng): void {
  const { tA, tB, M, N, K, alpha, beta, pad, off } = c;
  const aRows = tA ? K : M, aCols = tA ? M : K;
  const bRows = tB ? N : K, bCols = tB ? K : N;
  const lda = aCols + pad, ldb = bCols + 2 * pad, ldc = N + pad + (pad > 0 ? 1 : 0);
  const aOff = off, bOff = 2 * off + 1, cOff = 3 * off;
  const A = randF32(aOff + aRows * lda + 3, rng);
  const B = randF32(bOff + bRows * ldb + 3, rng);
  const C = randF32(cOff + M * ldc + 3, rng);
  if (beta === 0) C.fill(NaN); // beta = 0 must ignore the old contents, even NaN (and keep NaN padding)
  const before = Float32Array.from(C);
  const ref = reference(c, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
  gemmF32Wasm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  expectMatches(C, before, ref, c, cOff, ldc);
}

const TRANS = [[false, false], [false, true], [true, false], [true, true]] as const;
const SIZES = [1, 3, 5, 17, 33, 100, 257];

describe("wasm gemm (float32, WebAssembly SIMD)", () => {
  it("loads kernels.wasm on a shared memory", () => {
    expect(kernelsWasmPath()).toMatch(/kernels\.wasm$/);
    const k = wasmKernels();
    expect(typeof k.sgemm).toBe("function");
    expect(wasmMemory().buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(wasmMemory().buffer.byteLength).toBeGreaterThanOrEqual(k.heapBase());
    expect(k.scratchBytes()).toBeGreaterThan(0);
  });

  for (const [tA, tB] of TRANS) {
    it(`transA=${tA} transB=${tB}: sizes ${SIZES.join(", ")}, offsets, leading dims, alpha/beta`, () => {
      const rng = new Rng(4321 + (tA ? 1 : 0) + (tB ? 2 : 0));
      let n = 0;
      for (const M of SIZES) {
        for (const N of SIZES) {
          const K = SIZES[(M * 7 + N * 3 + n) % SIZES.length]!;
          const alpha = [1, -0.5, 2.25][n % 3]!;
          const beta = [0, 1, 0.75, -2][(n >> 1) % 4]!;
          runCase({ tA, tB, M, N, K, alpha, beta, pad: n % 3, off: n % 5 }, rng);
          n++;
        }
      }
    });
  }

  it("several K blocks, row blocks and column blocks (K up to 1031, M 130, N 520), beta != 0", () => {
    const rng = new Rng(77);
    for (const [tA, tB] of TRANS) {
      for (const K of [255, 256, 257, 300, 513, 1031]) {
        runCase({ tA, tB, M: 6, N: 9, K, alpha: 0.5, beta: 0.5, pad: 1, off: 2 }, rng);
        runCase({ tA, tB, M: 5, N: 4, K, alpha: 1, beta: 0, pad: 0, off: 0 }, rng);
      }
      runCase({ tA, tB, M: 130, N: 520, K: 300, alpha: -1, beta: 1, pad: 3, off: 1 }, rng);
      runCase({ tA, tB, M: 261, N: 1030, K: 40, alpha: 1, beta: 0, pad: 0, off: 0 }, rng);
    }
  });

  it("few rows with a short K (B read in place): M 1..9 x K 1..65, the layer shapes of lenet5 and workload C", () => {
    const rng = new Rng(8);
    for (const M of [1, 2, 4, 6, 8, 9]) {
      for (const K of [1, 7, 25, 64, 65]) {
        runCase({ tA: false, tB: false, M, N: 37, K, alpha: 1.5, beta: M % 2 ? 0 : 0.25, pad: M % 3, off: K % 4 }, rng);
      }
    }
    const shapes: Array<[boolean, boolean, number, number, number]> = [
      [false, false, 6, 784, 25], [false, false, 16, 100, 150], [false, true, 6, 25, 784], [false, true, 16, 150, 100],
      [true, false, 150, 100, 16], [false, false, 32, 1024, 27], [false, false, 64, 256, 288], [false, true, 32, 27, 1024],
      [false, true, 64, 288, 256], [true, false, 288, 256, 64], [false, true, 32, 256, 600],
    ];
    for (const [tA, tB, M, N, K] of shapes) runCase({ tA, tB, M, N, K, alpha: 1, beta: 0, pad: 0, off: 0 }, rng);
  });

  it("narrow blocks of C (N < 128) read A in place: rows in fours, several row and K blocks, edge panels, strides, beta", () => {
    // alpha = 1, A not transposed, a multiple of 4 rows: the in-place path (1x1 convolutions on 7x7 planes); M = 6 and alpha != 1 pack A.
    const rng = new Rng(49);
    let n = 0;
    for (const M of [4, 132, 260, 6]) {
      for (const N of [1, 8, 49, 127]) {
        for (const K of [1, 5, 160, 300]) {
          const beta = [0, 1, 0.75][n % 3]!;
          runCase({ tA: false, tB: n % 4 === 3, M, N, K, alpha: M === 6 && n % 2 ? 0.5 : 1, beta, pad: n % 3, off: n % 5 }, rng);
          n++;
        }
      }
    }
    runCase({ tA: false, tB: false, M: 160, N: 49, K: 960, alpha: 1, beta: 0, pad: 0, off: 0 }, rng);
  });

  it("A * B^T with C no larger than K (dot-product path): tails of K, odd rows, columns past a multiple of 4", () => {
    const rng = new Rng(21);
    let n = 0;
    for (const M of [1, 2, 3, 6]) {
      for (const N of [1, 4, 5, 7, 25]) {
        for (const K of [M * N, M * N + 1, M * N + 2, M * N + 3, 513, 1031]) {
          const beta = [0, 1, 0.5][n % 3]!;
          runCase({ tA: false, tB: true, M, N, K, alpha: n % 2 ? 1 : -0.75, beta, pad: n % 3, off: n % 4 }, rng);
          n++;
        }
      }
    }
  });

  it("beta = 0 overwrites NaN/Infinity in C", () => {
    const A = Float32Array.from([1, 2, 3, 4]);
    const B = Float32Array.from([5, 6, 7, 8]);
    const C = Float32Array.from([NaN, Infinity, -Infinity, NaN]);
    gemmF32Wasm(false, false, 2, 2, 2, 1, A, 0, 2, B, 0, 2, 0, C, 0, 2);
    expect(Array.from(C)).toEqual([19, 22, 43, 50]);
    // Across several K blocks and edge tiles too.
    const rng = new Rng(3);
    for (const [tA, tB] of TRANS) runCase({ tA, tB, M: 7, N: 11, K: 600, alpha: 1, beta: 0, pad: 2, off: 3 }, rng);
  });

  it("K = 0 or alpha = 0 only scales C by beta (zeroing when beta = 0, ignoring NaN in A/B)", () => {
    const A = new Float32Array(4).fill(NaN);
    const C = Float32Array.from([1, 2, 3, 4]);
    gemmF32Wasm(false, false, 2, 2, 0, 1, A, 0, 1, A, 0, 2, 0.5, C, 0, 2);
    expect(Array.from(C)).toEqual([0.5, 1, 1.5, 2]);
    C.fill(NaN);
    gemmF32Wasm(false, false, 2, 2, 0, 1, A, 0, 1, A, 0, 2, 0, C, 0, 2);
    expect(Array.from(C)).toEqual([0, 0, 0, 0]);
    const C2 = Float32Array.from([1, 1, 1, 1, 9]);
    gemmF32Wasm(true, true, 2, 2, 2, 0, A, 0, 2, A, 0, 2, 2, C2, 0, 2);
    expect(Array.from(C2)).toEqual([2, 2, 2, 2, 9]);
    // M = 0 or N = 0: nothing happens.
    const C3 = Float32Array.from([NaN]);
    gemmF32Wasm(false, false, 0, 1, 1, 1, A, 0, 1, A, 0, 1, 0, C3, 0, 1);
    gemmF32Wasm(false, false, 1, 0, 1, 1, A, 0, 1, A, 0, 1, 0, C3, 0, 1);
    expect(C3[0]).toBeNaN();
  });

  it("wasmGemm on operands placed directly in wasm memory (unaligned byte offsets), matching gemmF32Wasm", () => {
    const rng = new Rng(11);
    const M = 19, N = 23, K = 31, lda = K + 1, ldb = N, ldc = N + 3;
    const mark = wasmMark();
    try {
      // +1 float: pointers that are multiples of 4 but not of 16.
      const aPtr = wasmAlloc(M * lda + 1) + 4;
      const bPtr = wasmAlloc(K * ldb + 2) + 8;
      const cPtr = wasmAlloc(M * ldc + 3) + 12;
      const A = randF32(M * lda, rng), B = randF32(K * ldb, rng), C = randF32(M * ldc, rng);
      wasmF32(aPtr, A.length).set(A);
      wasmF32(bPtr, B.length).set(B);
      wasmF32(cPtr, C.length).set(C);
      wasmGemm(false, false, M, N, K, 0.25, aPtr, lda, bPtr, ldb, 1.5, cPtr, ldc);
      const expected = Float32Array.from(C);
      gemmF32Wasm(false, false, M, N, K, 0.25, A, 0, lda, B, 0, ldb, 1.5, expected, 0, ldc);
      expect(Array.from(wasmF32(cPtr, C.length))).toEqual(Array.from(expected));
      const ref = reference({ tA: false, tB: false, M, N, K, alpha: 0.25, beta: 1.5, pad: 0, off: 0 }, A, 0, lda, B, 0, ldb, C, 0, ldc);
      expectMatches(wasmF32(cPtr, C.length), C, ref, { tA: false, tB: false, M, N, K, alpha: 0.25, beta: 1.5, pad: 0, off: 0 }, 0, ldc);
    } finally {
      wasmRelease(mark);
    }
  });

  it("wasmGemm rejects bad arguments instead of trapping or scribbling", () => {
    const mark = wasmMark();
    try {
      const p = wasmAlloc(64);
      const end = wasmMemory().buffer.byteLength;
      expect(() => wasmGemm(false, false, 4, 4, 4, 1, p, 3, p, 4, 0, p, 4)).toThrow(/ldA/);
      expect(() => wasmGemm(false, true, 4, 4, 4, 1, p, 4, p, 3, 0, p, 4)).toThrow(/ldB/);
      expect(() => wasmGemm(false, false, 4, 5, 4, 1, p, 4, p, 5, 0, p, 4)).toThrow(/ldC/);
      expect(() => wasmGemm(false, false, 4, 4, 4, 1, p + 2, 4, p, 4, 0, p, 4)).toThrow(/multiple of 4/);
      expect(() => wasmGemm(false, false, 4, 4, 4, 1, p, 4, end - 16, 4, 0, p, 4)).toThrow(/past the end/);
      expect(() => wasmGemm(false, false, -1, 4, 4, 1, p, 4, p, 4, 0, p, 4)).toThrow(/M must be/);
      expect(() => wasmGemm(false, false, 4, 4, 1.5, 1, p, 4, p, 4, 0, p, 4)).toThrow(/K must be/);
      expect(() => gemmF32Wasm(false, false, 4, 4, 4, 1, new Float32Array(15), 0, 4, new Float32Array(16), 0, 4, 0, new Float32Array(16), 0, 4)).toThrow(RangeError);
    } finally {
      wasmRelease(mark);
    }
  });

  it("wasmAlloc grows the memory, returns 64-byte aligned regions, and wasmRelease frees them", () => {
    const mark = wasmMark();
    const before = wasmMemory().buffer.byteLength;
    const big = wasmAlloc(before / 4 + 1000); // more than the whole current memory
    expect(big % 64).toBe(0);
    expect(wasmMemory().buffer.byteLength).toBeGreaterThanOrEqual(big + (before / 4 + 1000) * 4);
    const v = wasmF32(big, 3);
    v.set([1, 2, 3]);
    expect(Array.from(wasmF32(big, 3))).toEqual([1, 2, 3]);
    const small = wasmAlloc(1);
    expect(small).toBeGreaterThan(big);
    expect(small % 64).toBe(0);
    wasmRelease(mark);
    expect(wasmMark()).toBe(mark);
    expect(wasmAlloc(1)).toBe(mark);
    wasmRelease(mark);
    expect(() => wasmRelease(mark + 64)).toThrow(RangeError);
    expect(() => wasmAlloc(-1)).toThrow(RangeError);
  });
});
