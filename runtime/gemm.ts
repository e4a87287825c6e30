import type { Tensor } from "./tensor.js";

/** Depth of the k-blocking: a 4 x KC strip of A and a KC x 4 strip of B stay in L1/L2. */
const KC = 256;

/**
 * General matrix multiply, row-major, no allocation:
 *
 *   C = alpha * op(A) * op(B) + beta * C
 *
 * op(A) is M x K, op(B) is K x N, C is M x N.
 *   transA  false: A is stored M x K, element (i,k) at A[aOff + i*lda + k]
 *           true:  A is stored K x M, element (i,k) at A[aOff + k*lda + i]
 *   transB  false: B is stored K x N, element (k,j) at B[bOff + k*ldb + j]
 *           true:  B is stored N x K, element (k,j) at B[bOff + j*ldb + k]
 *   C element (i,j) at C[cOff + i*ldc + j].
 *
 * beta = 0 ignores the previous contents of C entirely (NaN/Inf in C are
 * overwritten, BLAS semantics). A, B must not overlap C.
 * Accumulation is done in double precision regardless of the array type.
 */
export function gemm(
  transA: boolean, // true: use A transposed (A stored K x M)
  transB: boolean, // true: use B transposed (B stored N x K)
  M: number, // rows of op(A) and of C
  N: number, // columns of op(B) and of C
  K: number, // inner dimension
  alpha: number, // scale of the product
  A: Tensor, // left operand
  aOff: number, // offset of A's first element
  lda: number, // row stride of A as stored
  B: Tensor, // right operand
  bOff: number, // offset of B's first element
  ldb: number, // row stride of B as stored
  beta: number, // scale of the old C (0: overwrite)
  C: Tensor, // output
  cOff: number, // offset of C's first element
  ldc: number, // row stride of C
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha === 0) {
    scaleMatrix(M, N, beta, C, cOff, ldc);
    return;
  }
  // Strides of op(A) along rows (i) and depth (k); of op(B) along depth (k) and columns (j).
  const ais = transA ? 1 : lda;
  const aks = transA ? lda : 1;
  const bks = transB ? 1 : ldb;
  const bjs = transB ? ldb : 1;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = K - k0 < KC ? K - k0 : KC;
    // The first depth block applies beta; later ones accumulate onto it.
    const bt = k0 === 0 ? beta : 1;
    gemmBlock(M, N, kc, alpha, A, aOff + k0 * aks, ais, aks, B, bOff + k0 * bks, bks, bjs, bt, C, cOff, ldc);
  }
}

/** C = beta * C for an M x N block (beta = 0 writes zeros, ignoring old contents). */
function scaleMatrix(M: number, N: number, beta: number, C: Tensor, cOff: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    const r = cOff + i * ldc;
    if (beta === 0) {
      for (let j = 0; j < N; j++) C[r + j] = 0;
    } else {
      for (let j = 0; j < N; j++) C[r + j] *= beta;
    }
  }
}

/**
 * One depth block: C = alpha * op(A)[:, k0:k0+K] * op(B)[k0:k0+K, :] + beta * C,
 * with arbitrary element strides. 4x4 register tiles, then 4x1, 1x4 and 1x1
 * edge kernels.
 */
function gemmBlock(
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Tensor,
  aOff: number,
  ais: number,
  aks: number,
  B: Tensor,
  bOff: number,
  bks: number,
  bjs: number,
  beta: number,
  C: Tensor,
  cOff: number,
  ldc: number,
): void {
  const M4 = M - (M & 3);
  const N4 = N - (N & 3);
  const ai2 = 2 * ais;
  const ai3 = 3 * ais;
  const bj2 = 2 * bjs;
  const bj3 = 3 * bjs;
  const useBeta = beta !== 0;
  for (let i = 0; i < M4; i += 4) {
    const aRow = aOff + i * ais;
    const c0 = cOff + i * ldc;
    const c1 = c0 + ldc;
    const c2 = c1 + ldc;
    const c3 = c2 + ldc;
    let j = 0;
    for (; j < N4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pa = aRow;
      let pb = bOff + j * bjs;
      for (let k = 0; k < K; k++) {
        const a0 = A[pa];
        const a1 = A[pa + ais];
        const a2 = A[pa + ai2];
        const a3 = A[pa + ai3];
        const b0 = B[pb];
        const b1 = B[pb + bjs];
        const b2 = B[pb + bj2];
        const b3 = B[pb + bj3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        pa += aks;
        pb += bks;
      }
      const q0 = c0 + j, q1 = c1 + j, q2 = c2 + j, q3 = c3 + j;
      if (useBeta) {
        C[q0] = alpha * c00 + beta * C[q0]; C[q0 + 1] = alpha * c01 + beta * C[q0 + 1];
        C[q0 + 2] = alpha * c02 + beta * C[q0 + 2]; C[q0 + 3] = alpha * c03 + beta * C[q0 + 3];
        C[q1] = alpha * c10 + beta * C[q1]; C[q1 + 1] = alpha * c11 + beta * C[q1 + 1];
        C[q1 + 2] = alpha * c12 + beta * C[q1 + 2]; C[q1 + 3] = alpha * c13 + beta * C[q1 + 3];
        C[q2] = alpha * c20 + beta * C[q2]; C[q2 + 1] = alpha * c21 + beta * C[q2 + 1];
        C[q2 + 2] = alpha * c22 + beta * C[q2 + 2]; C[q2 + 3] = alpha * c23 + beta * C[q2 + 3];
        C[q3] = alpha * c30 + beta * C[q3]; C[q3 + 1] = alpha * c31 + beta * C[q3 + 1];
        C[q3 + 2] = alpha * c32 + beta * C[q3 + 2]; C[q3 + 3] = alpha * c33 + beta * C[q3 + 3];
      } else {
        C[q0] = alpha * c00; C[q0 + 1] = alpha * c01; C[q0 + 2] = alpha * c02; C[q0 + 3] = alpha * c03;
        C[q1] = alpha * c10; C[q1 + 1] = alpha * c11; C[q1 + 2] = alpha * c12; C[q1 + 3] = alpha * c13;
        C[q2] = alpha * c20; C[q2 + 1] = alpha * c21; C[q2 + 2] = alpha * c22; C[q2 + 3] = alpha * c23;
        C[q3] = alpha * c30; C[q3 + 1] = alpha * c31; C[q3 + 2] = alpha * c32; C[q3 + 3] = alpha * c33;
      }
    }
    // Edge columns: 4x1 tiles.
    for (; j < N; j++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let pa = aRow;
      let pb = bOff + j * bjs;
      for (let k = 0; k < K; k++) {
        const b = B[pb];
        s0 += A[pa] * b;
        s1 += A[pa + ais] * b;
        s2 += A[pa + ai2] * b;
        s3 += A[pa + ai3] * b;
        pa += aks;
        pb += bks;
      }
      if (useBeta) {
        C[c0 + j] = alpha * s0 + beta * C[c0 + j];
        C[c1 + j] = alpha * s1 + beta * C[c1 + j];
        C[c2 + j] = alpha * s2 + beta * C[c2 + j];
        C[c3 + j] = alpha * s3 + beta * C[c3 + j];
      } else {
        C[c0 + j] = alpha * s0;
        C[c1 + j] = alpha * s1;
        C[c2 + j] = alpha * s2;
        C[c3 + j] = alpha * s3;
      }
    }
  }
  // Edge rows: 1x4 tiles, then 1x1.
  for (let i = M4; i < M; i++) {
    const aRow = aOff + i * ais;
    const cr = cOff + i * ldc;
    let j = 0;
    for (; j < N4; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let pa = aRow;
      let pb = bOff + j * bjs;
      for (let k = 0; k < K; k++) {
        const a = A[pa];
        s0 += a * B[pb];
        s1 += a * B[pb + bjs];
        s2 += a * B[pb + bj2];
        s3 += a * B[pb + bj3];
        pa += aks;
        pb += bks;
      }
      const q = cr + j;
      if (useBeta) {
        C[q] = alpha * s0 + beta * C[q];
        C[q + 1] = alpha * s1 + beta * C[q + 1];
        C[q + 2] = alpha * s2 + beta * C[q + 2];
        C[q + 3] = alpha * s3 + beta * C[q + 3];
      } else {
        C[q] = alpha * s0;
        C[q + 1] = alpha * s1;
        C[q + 2] = alpha * s2;
        C[q + 3] = alpha * s3;
      }
    }
    for (; j < N; j++) {
      let s = 0;
      let pa = aRow;
      let pb = bOff + j * bjs;
      for (let k = 0; k < K; k++) {
        s += A[pa] * B[pb];
        pa += aks;
        pb += bks;
      }
      const q = cr + j;
      C[q] = useBeta ? alpha * s + beta * C[q] : alpha * s;
    }
  }
}
