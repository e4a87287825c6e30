import { ACT_NONE, ACT_RELU, reluInPlace, type Activation } from "./activations.js";
import { gemm } from "./gemm.js";
import type { Tensor } from "./tensor.js";

/**
 * Fully connected forward: y = x * W^T + b, then relu when act is ACT_RELU.
 * x [B][M], w [N][M] (out, in), b [N] or null, y [B][N] (overwritten, must not alias x).
 * y's rows may be `ys` ≥ N values apart (a slice of a concat's output).
 */
export function fcForward(
  x: Tensor, // input [B][M]
  w: Tensor, // weights [N][M]
  b: Tensor | null, // bias [N] or null
  y: Tensor, // output [B][N], rows ys apart
  B: number, // batch size
  M: number, // input features
  N: number, // output features
  act: Activation = ACT_NONE, // fused activation
  ys: number = N, // values from one row of y to the next
): void {
  if (b !== null) {
    for (let r = 0; r < B; r++) {
      const o = r * ys;
      for (let j = 0; j < N; j++) y[o + j] = b[j]!;
    }
  }
  gemm(false, true, B, N, M, 1, x, 0, M, w, 0, M, b !== null ? 1 : 0, y, 0, ys);
  if (act === ACT_RELU) for (let r = 0; r < B; r++) reluInPlace(y, r * ys, N);
}

/**
 * Fully connected backward; gradients are OVERWRITTEN.
 *   dw [N][M] = dy^T * x,   db [N] = sum_b dy (skipped if null),
 *   dx [B][M] = dy * W      (skipped if null, e.g. first layer).
 * dx must not alias dy, x or w. dy's rows may be `dys` ≥ N values apart.
 */
export function fcBackward(
  x: Tensor, // forward input [B][M]
  w: Tensor, // weights [N][M]
  dy: Tensor, // output gradient [B][N]
  dx: Tensor | null, // input gradient [B][M] or null
  dw: Tensor, // weight gradient [N][M]
  db: Tensor | null, // bias gradient [N] or null
  B: number, // batch size
  M: number, // input features
  N: number, // output features
  dys: number = N, // values from one row of dy to the next
): void {
  gemm(true, false, N, M, B, 1, dy, 0, dys, x, 0, M, 0, dw, 0, M);
  if (dx !== null) gemm(false, false, B, M, N, 1, dy, 0, dys, w, 0, M, 0, dx, 0, M);
  if (db !== null) {
    for (let j = 0; j < N; j++) db[j] = 0;
    for (let r = 0; r < B; r++) {
      const o = r * dys;
      for (let j = 0; j < N; j++) db[j] += dy[o + j]!;
    }
  }
}
