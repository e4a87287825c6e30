import { describe, it } from "vitest";
import { Rng, fcBackward, fcForward } from "../../runtime/index.js";
import { PRECISIONS, dot, expectClose, expectGradMatches, nanArray, randArray } from "./helpers.js";

function refFc(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, B: number, M: number, N: number) {
  const y = new Float64Array(B * N);
  for (let r = 0; r < B; r++)
    for (let j = 0; j < N; j++) {
      let s = b ? b[j]! : 0;
      for (let k = 0; k < M; k++) s += x[r * M + k]! * w[j * M + k]!;
      y[r * N + j] = s;
    }
  return y;
}

function refFcBackward(x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, B: number, M: number, N: number) {
  const dx = new Float64Array(B * M), dw = new Float64Array(N * M), db = new Float64Array(N);
  for (let r = 0; r < B; r++)
    for (let j = 0; j < N; j++) {
      const g = dy[r * N + j]!;
      db[j] += g;
      for (let k = 0; k < M; k++) {
        dw[j * M + k] += g * x[r * M + k]!;
        dx[r * M + k] += g * w[j * M + k]!;
      }
    }
  return { dx, dw, db };
}

const shapes: Array<[number, number, number]> = [
  [1, 1, 1], [2, 3, 5], [5, 17, 3], [7, 33, 10], [4, 300, 9], [16, 64, 33], [3, 1, 7], [1, 9, 1],
];

describe("fully connected", () => {
  for (const { name, T, tol } of PRECISIONS) {
    it(`${name}: forward/backward match the definition`, () => {
      const rng = new Rng(31);
      for (const [B, M, N] of shapes) {
        const x = randArray(T, B * M, rng), w = randArray(T, N * M, rng), b = randArray(T, N, rng);
        const y = nanArray(T, B * N);
        fcForward(x, w, b, y, B, M, N);
        expectClose(y, refFc(x, w, b, B, M, N), tol, `fc forward ${B}x${M}->${N}`);
        y.fill(NaN);
        fcForward(x, w, null, y, B, M, N);
        expectClose(y, refFc(x, w, null, B, M, N), tol, `fc forward no bias ${B}x${M}->${N}`);
        const dy = randArray(T, B * N, rng);
        const ref = refFcBackward(x, w, dy, B, M, N);
        const dx = nanArray(T, B * M), dw = nanArray(T, N * M), db = nanArray(T, N);
        fcBackward(x, w, dy, dx, dw, db, B, M, N);
        expectClose(dx, ref.dx, tol, "fc dx");
        expectClose(dw, ref.dw, tol, "fc dw");
        expectClose(db, ref.db, tol, "fc db");
        dw.fill(NaN);
        fcBackward(x, w, dy, null, dw, null, B, M, N);
        expectClose(dw, ref.dw, tol, "fc dw (dx, db skipped)");
      }
    });
  }

  it("f64 gradient check (finite differences)", () => {
    const rng = new Rng(32);
    for (const [B, M, N] of [[3, 5, 4], [1, 7, 2], [6, 2, 9]] as const) {
      const x = randArray(Float64Array, B * M, rng), w = randArray(Float64Array, N * M, rng), b = randArray(Float64Array, N, rng);
      const r = randArray(Float64Array, B * N, rng);
      const y = new Float64Array(B * N);
      const loss = (): number => (fcForward(x, w, b, y, B, M, N), dot(r, y));
      const dx = new Float64Array(B * M), dw = new Float64Array(N * M), db = new Float64Array(N);
      fcBackward(x, w, r, dx, dw, db, B, M, N);
      expectGradMatches(loss, x, dx, "fc dx");
      expectGradMatches(loss, w, dw, "fc dw");
      expectGradMatches(loss, b, db, "fc db");
    }
  });
});
