import { describe, expect, it } from "vitest";
import {
  Rng, erf, eluBackward, eluForward, geluBackward, geluForward, hardsigmoidBackward, hardsigmoidForward, relu6Backward, relu6Forward, siluBackward, siluForward, hardswishBackward, hardswishForward, leakyReluBackward, leakyReluForward, reluBackward, reluForward, sigmoidBackward,
  sigmoidForward, softmaxBackward, softmaxForward, tanhBackward, tanhForward, type Tensor,
} from "../../runtime/index.js";
import { PRECISIONS, distinctArray, dot, expectClose, expectGradMatches, nanArray, randArray } from "./helpers.js";

interface Act {
  name: string;
  fwd: (x: Tensor, y: Tensor, n: number) => void;
  /** Backward from the forward output y, or from the input x where `from` says so. */
  bwd: (from: Tensor, dy: Tensor, dx: Tensor, n: number) => void;
  from?: "x";
  ref: (v: number) => number;
}

const acts: Act[] = [
  { name: "relu", fwd: reluForward, bwd: reluBackward, ref: (v) => (v > 0 ? v : 0) },
  { name: "sigmoid", fwd: sigmoidForward, bwd: sigmoidBackward, ref: (v) => 1 / (1 + Math.exp(-v)) },
  { name: "tanh", fwd: tanhForward, bwd: tanhBackward, ref: (v) => Math.tanh(v) },
  { name: "elu(1)", fwd: (x, y, n) => eluForward(x, y, n), bwd: (y, dy, dx, n) => eluBackward(y, dy, dx, n), ref: (v) => (v > 0 ? v : Math.exp(v) - 1) },
  { name: "elu(0.3)", fwd: (x, y, n) => eluForward(x, y, n, 0.3), bwd: (y, dy, dx, n) => eluBackward(y, dy, dx, n, 0.3), ref: (v) => (v > 0 ? v : 0.3 * (Math.exp(v) - 1)) },
  { name: "leakyrelu(0.01)", fwd: (x, y, n) => leakyReluForward(x, y, n), bwd: (y, dy, dx, n) => leakyReluBackward(y, dy, dx, n), ref: (v) => (v > 0 ? v : 0.01 * v) },
  { name: "hardswish", fwd: hardswishForward, bwd: hardswishBackward, from: "x", ref: (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6 },
  { name: "relu6", fwd: relu6Forward, bwd: relu6Backward, ref: (v) => Math.min(Math.max(v, 0), 6) },
  { name: "hardsigmoid", fwd: hardsigmoidForward, bwd: hardsigmoidBackward, ref: (v) => Math.min(Math.max(v + 3, 0), 6) / 6 },
  { name: "silu", fwd: siluForward, bwd: siluBackward, from: "x", ref: (v) => v / (1 + Math.exp(-v)) },
  { name: "gelu", fwd: geluForward, bwd: geluBackward, from: "x", ref: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)) },
  { name: "leakyrelu(0.2)", fwd: (x, y, n) => leakyReluForward(x, y, n, 0.2), bwd: (y, dy, dx, n) => leakyReluBackward(y, dy, dx, n, 0.2), ref: (v) => (v > 0 ? v : 0.2 * v) },
];

describe("pointwise activations", () => {
  for (const act of acts) {
    for (const { name, T, tol } of PRECISIONS) {
      it(`${act.name} ${name}: forward matches definition; in-place forward; backward with dx aliasing dy`, () => {
        const rng = new Rng(41);
        const n = 257;
        const x = randArray(T, n, rng, -6, 6);
        const y = nanArray(T, n);
        act.fwd(x, y, n);
        expectClose(y, Float64Array.from(x, act.ref), tol, `${act.name} forward`);
        const inPlace = T.from(x);
        act.fwd(inPlace, inPlace, n);
        expectClose(inPlace, y, 0, `${act.name} in-place`);
        const dy = randArray(T, n, rng);
        const dx = nanArray(T, n);
        const from = act.from === "x" ? x : y;
        act.bwd(from, dy, dx, n);
        const alias = T.from(dy);
        act.bwd(from, alias, alias, n);
        expectClose(alias, dx, 0, `${act.name} dx aliasing dy`);
      });
    }
    it(`${act.name}: f64 gradient check`, () => {
      const rng = new Rng(42);
      const n = 64;
      const x = distinctArray(Float64Array, n, rng, 0.1); // values in about [-3.2, 3.2], away from 0 by >= 1e-3
      for (let i = 0; i < n; i++) if (Math.abs(x[i]!) < 1e-3) x[i] = 0.05;
      const y = new Float64Array(n);
      const r = randArray(Float64Array, n, rng);
      act.fwd(x, y, n);
      const dx = new Float64Array(n);
      act.bwd(act.from === "x" ? x : y, r, dx, n);
      expectGradMatches(() => (act.fwd(x, y, n), dot(r, y)), x, dx, act.name);
    });
  }

  it("hardswish: values and slopes worked out by hand, on all three pieces and at the kinks", () => {
    // x·relu6(x + 3)/6: 0 below −3, x·(x + 3)/6 between (−1 → −2/6, 1 → 4/6, 2 → 10/6), x above 3.
    const x = Float64Array.from([-4, -3, -1.5, -1, 0, 1, 2, 3, 5]);
    const y = new Float64Array(x.length);
    hardswishForward(x, y, x.length);
    expectClose(y, [0, 0, -0.375, -1 / 3, 0, 2 / 3, 5 / 3, 3, 5], 1e-15, "hardswish values");
    // slope x/3 + 1/2 between, with PyTorch's values at the kinks: −1/2 at −3, 3/2 at 3; 0 below, 1 above.
    const dx = new Float64Array(x.length);
    hardswishBackward(x, new Float64Array(x.length).fill(2), dx, x.length);
    expectClose(dx, [0, -1, 0, 1 / 3, 1, 5 / 3, 7 / 3, 3, 2], 1e-15, "hardswish slopes × 2");
  });

  it("hardswish: f64 gradient check on every piece (x in [−6, 6], away from the kinks at ±3)", () => {
    const rng = new Rng(45);
    const x = randArray(Float64Array, 200, rng, -6, 6).map((v) => (Math.abs(Math.abs(v) - 3) < 1e-3 ? v + 0.01 : v));
    expect(x.some((v) => v < -3) && x.some((v) => v > 3)).toBe(true);
    const y = new Float64Array(x.length);
    const r = randArray(Float64Array, x.length, rng);
    const dx = new Float64Array(x.length);
    hardswishBackward(x, r, dx, x.length);
    expectGradMatches(() => (hardswishForward(x, y, x.length), dot(r, y)), x, dx, "hardswish");
  });

  it("erf: double-precision values (from mpmath, 30 digits) across every interval of its approximation", () => {
    const cases: [number, number][] = [
      [1e-10, 1.1283791670955126e-10],
      [0.1, 0.1124629160182848922032750717439],
      [0.5, 0.5204998778130465376827466538920],
      [0.84375, 0.767225661232341633458978160274],
      [1, 0.8427007929497148693412206350826],
      [1.5, 0.9661051464753107270669762616459],
      [2, 0.9953222650189527341620692563673],
      [2.5, 0.9995930479825550410604357842601],
      [3, 0.9999779095030014145586272238705],
      [4, 0.9999999845827420997199811478404],
      [5.9, 0.9999999999999999],
      [7, 1],
    ];
    for (const [x, want] of cases) {
      expect(Math.abs(erf(x) - want), `erf(${x})`).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(want));
      expect(erf(-x), `erf(−${x})`).toBe(-erf(x));
    }
    expect(erf(0)).toBe(0);
    expect(erf(Infinity)).toBe(1);
    expect(Number.isNaN(erf(Number.NaN))).toBe(true);
  });

  it("relu6, hardsigmoid: values and slopes at and between the kinks (PyTorch's: no gradient at a kink)", () => {
    const x = Float64Array.from([-4, -3, -1, 0, 1.5, 3, 5, 6, 7]);
    const y = new Float64Array(x.length);
    const dx = new Float64Array(x.length);
    const dy = new Float64Array(x.length).fill(6);
    relu6Forward(x, y, x.length);
    expectClose(y, [0, 0, 0, 0, 1.5, 3, 5, 6, 6], 0, "relu6 values");
    relu6Backward(y, dy, dx, x.length);
    expectClose(dx, [0, 0, 0, 0, 6, 6, 6, 0, 0], 0, "relu6 slopes × 6");
    hardsigmoidForward(x, y, x.length);
    expectClose(y, [0, 0, 1 / 3, 0.5, 0.75, 1, 1, 1, 1], 1e-15, "hardsigmoid values");
    hardsigmoidBackward(y, dy, dx, x.length);
    expectClose(dx, [0, 0, 1, 1, 1, 0, 0, 0, 0], 1e-15, "hardsigmoid slopes × 6");
  });

  it("silu, gelu: values worked out independently (x·σ(x); x·Φ(x) from tabulated Φ)", () => {
    const x = Float64Array.from([-2, -1, 0, 1, 2]);
    const y = new Float64Array(5);
    siluForward(x, y, 5);
    expectClose(y, [-0.2384058440442351, -0.2689414213699951, 0, 0.7310585786300049, 1.7615941559557646], 1e-15, "silu values");
    geluForward(x, y, 5);
    // Φ(1) = 0.841344746068542948585232545632, Φ(2) = 0.977249868051820792799845499547
    expectClose(y, [-0.0455002638963584144, -0.158655253931457051, 0, 0.841344746068542948585, 1.954499736103641585599], 1e-15, "gelu values");
  });

  it("sigmoid does not overflow for large |x|", () => {
    const x = Float64Array.from([-1000, -50, 0, 50, 1000]);
    const y = new Float64Array(5);
    sigmoidForward(x, y, 5);
    expect(Array.from(y).every(Number.isFinite)).toBe(true);
    expect(y[0]).toBe(0);
    expect(y[2]).toBe(0.5);
    expect(y[4]).toBe(1);
  });
});

describe("softmax", () => {
  function refSoftmax(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
    const y = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += Math.exp(x[r * cols + j]!);
      for (let j = 0; j < cols; j++) y[r * cols + j] = Math.exp(x[r * cols + j]!) / s;
    }
    return y;
  }
  for (const { name, T, tol } of PRECISIONS) {
    it(`${name}: forward matches definition, rows sum to 1, aliasing`, () => {
      const rng = new Rng(43);
      for (const [rows, cols] of [[1, 1], [3, 10], [7, 5], [2, 33]] as const) {
        const x = randArray(T, rows * cols, rng, -5, 5);
        const y = nanArray(T, rows * cols);
        softmaxForward(x, y, rows, cols);
        expectClose(y, refSoftmax(x, rows, cols), tol, "softmax");
        const inPlace = T.from(x);
        softmaxForward(inPlace, inPlace, rows, cols);
        expectClose(inPlace, y, 0, "softmax in place");
        const dy = randArray(T, rows * cols, rng);
        const dx = nanArray(T, rows * cols);
        softmaxBackward(y, dy, dx, rows, cols);
        const alias = T.from(dy);
        softmaxBackward(y, alias, alias, rows, cols);
        expectClose(alias, dx, 0, "softmax backward dx aliasing dy");
      }
    });
  }
  it("is numerically stable for huge logits", () => {
    const x = Float64Array.from([1000, 1001, 1002, -1000, -1001, -1002]);
    const y = new Float64Array(6);
    softmaxForward(x, y, 2, 3);
    expectClose(y, refSoftmax([0, 1, 2, 2, 1, 0], 2, 3), 1e-12, "stable softmax");
  });
  it("f64 gradient check", () => {
    const rng = new Rng(44);
    const rows = 4, cols = 6;
    const x = randArray(Float64Array, rows * cols, rng, -3, 3);
    const y = new Float64Array(rows * cols);
    const r = randArray(Float64Array, rows * cols, rng);
    softmaxForward(x, y, rows, cols);
    const dx = new Float64Array(rows * cols);
    softmaxBackward(y, r, dx, rows, cols);
    expectGradMatches(() => (softmaxForward(x, y, rows, cols), dot(r, y)), x, dx, "softmax");
  });
});
