import { describe, expect, it } from "vitest";
import {
  Rng, avgPoolBackward, avgPoolForward, globalAvgPoolBackward, globalAvgPoolForward, maxPoolBackward,
  maxPoolForward, pool2dParams, windowOutSize, type Pool2dParams,
} from "../../runtime/index.js";
import { PRECISIONS, distinctArray, dot, expectClose, expectGradMatches, nanArray, randArray, randInt, type Ctor } from "./helpers.js";

/** Window bounds from the definition: all (ih, iw) of window (oh, ow) inside the input. */
function windowCells(p: Pool2dParams, oh: number, ow: number): Array<[number, number]> {
  const cells: Array<[number, number]> = [];
  for (let kh = 0; kh < p.KH; kh++)
    for (let kw = 0; kw < p.KW; kw++) {
      const ih = oh * p.SH - p.PH + kh, iw = ow * p.SW - p.PW + kw;
      if (ih >= 0 && ih < p.H && iw >= 0 && iw < p.W) cells.push([ih, iw]);
    }
  return cells;
}

function refPool(x: ArrayLike<number>, p: Pool2dParams, kind: "max" | "avg") {
  const y = new Float64Array(p.B * p.C * p.OH * p.OW);
  const arg = new Int32Array(y.length);
  let o = 0;
  for (let pl = 0; pl < p.B * p.C; pl++)
    for (let oh = 0; oh < p.OH; oh++)
      for (let ow = 0; ow < p.OW; ow++, o++) {
        const cells = windowCells(p, oh, ow);
        if (kind === "max") {
          let best = -Infinity, bi = -1;
          for (const [ih, iw] of cells) {
            const i = pl * p.H * p.W + ih * p.W + iw;
            if (x[i]! > best) { best = x[i]!; bi = i; }
          }
          y[o] = best; arg[o] = bi;
        } else {
          let s = 0;
          for (const [ih, iw] of cells) s += x[pl * p.H * p.W + ih * p.W + iw]!;
          y[o] = s / cells.length;
        }
      }
  return { y, arg };
}

function randomPool(rng: Rng): Pool2dParams {
  for (;;) {
    const H = randInt(rng, 1, 9), W = randInt(rng, 1, 9);
    const KH = randInt(rng, 1, 4), KW = randInt(rng, 1, 4);
    const S = randInt(rng, 1, 3), P = randInt(rng, 0, Math.floor(Math.min(KH, KW) / 2));
    const ceil = rng.next() < 0.5;
    if (H + 2 * P < KH || W + 2 * P < KW) continue;
    return pool2dParams({ batch: randInt(rng, 1, 3), channels: randInt(rng, 1, 3), height: H, width: W, kernel: [KH, KW], stride: [S, S], pad: [P, P], ceil });
  }
}

const fixedPools: Pool2dParams[] = [
  pool2dParams({ batch: 2, channels: 3, height: 5, width: 5, kernel: [2, 2], stride: [2, 2], pad: [0, 0], ceil: true }), // ceil: last window hangs off the edge (OH = 3)
  pool2dParams({ batch: 1, channels: 2, height: 7, width: 6, kernel: [3, 3], stride: [2, 2], pad: [1, 1], ceil: true }),
  pool2dParams({ batch: 2, channels: 2, height: 6, width: 7, kernel: [3, 2], stride: [2, 1], pad: [1, 1], ceil: false }), // non-square window, separate strides
  pool2dParams({ batch: 1, channels: 1, height: 5, width: 5, kernel: [3, 3], stride: [3, 3], pad: [1, 1], ceil: true }), // ceil mode drops a window starting in the padding
  pool2dParams({ batch: 2, channels: 1, height: 4, width: 4, kernel: [1, 1], stride: [1, 1] }), // identity
];

describe("pool output size", () => {
  it("matches PyTorch floor/ceil rules", () => {
    expect(windowOutSize(5, 2, 2, 0, false)).toBe(2);
    expect(windowOutSize(5, 2, 2, 0, true)).toBe(3);
    expect(windowOutSize(6, 3, 2, 1, true)).toBe(4);
    expect(windowOutSize(6, 3, 2, 1, false)).toBe(3);
    expect(windowOutSize(5, 3, 3, 1, true)).toBe(2); // last window would start inside the padding
    expect(windowOutSize(112, 3, 2, 1, false)).toBe(56); // ResNet stem
    expect(windowOutSize(32, 2, 2, 0, false)).toBe(16);
    expect(windowOutSize(2, 3, 2, 0, true)).toBe(0); // a window wider than the padded input does not fit, ceil or not
    // The stride defaults to the window size along each axis.
    const p = pool2dParams({ batch: 1, channels: 1, height: 5, width: 7, kernel: [2, 3] });
    expect([p.SH, p.SW, p.OH, p.OW]).toEqual([2, 3, 2, 2]);
  });
});

describe("max/avg pool", () => {
  for (const { name, T, tol } of PRECISIONS) {
    it(`${name}: forward/backward match the definition (fixed + random, ceil mode, padding)`, () => {
      const rng = new Rng(21);
      const cases = [...fixedPools];
      for (let i = 0; i < 60; i++) cases.push(randomPool(rng));
      for (const p of cases) checkPool(T, tol, p, rng);
    });
  }

  it("padding never wins a max (all-negative input)", () => {
    const p = pool2dParams({ batch: 1, channels: 1, height: 3, width: 3, kernel: [3, 3], stride: [1, 1], pad: [1, 1] });
    const x = Float64Array.from({ length: 9 }, (_, i) => -1 - i);
    const y = new Float64Array(9);
    const arg = new Int32Array(9);
    maxPoolForward(x, y, arg, p);
    expect(Array.from(y)).toEqual([-1, -1, -2, -1, -1, -2, -4, -4, -5]);
    expect(Array.from(arg)).toEqual([0, 0, 1, 0, 0, 1, 3, 3, 4]);
  });

  it("average excludes padding from the count", () => {
    const p = pool2dParams({ batch: 1, channels: 1, height: 2, width: 2, kernel: [3, 3], stride: [1, 1], pad: [1, 1] });
    const x = Float64Array.from([1, 2, 3, 4]);
    const y = new Float64Array(4);
    avgPoolForward(x, y, p);
    expect(Array.from(y)).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it("f64 gradient checks (finite differences), including ceil mode", () => {
    const rng = new Rng(5);
    const cases = [
      pool2dParams({ batch: 2, channels: 2, height: 5, width: 5, kernel: [2, 2], stride: [2, 2], pad: [0, 0], ceil: true }),
      pool2dParams({ batch: 1, channels: 2, height: 7, width: 6, kernel: [3, 3], stride: [2, 2], pad: [1, 1], ceil: true }),
      pool2dParams({ batch: 2, channels: 1, height: 6, width: 7, kernel: [3, 2], stride: [2, 1], pad: [1, 1], ceil: false }),
    ];
    for (const p of cases) {
      const x = distinctArray(Float64Array, p.B * p.C * p.H * p.W, rng);
      const n = p.B * p.C * p.OH * p.OW;
      const r = randArray(Float64Array, n, rng);
      const y = new Float64Array(n);
      const arg = new Int32Array(n);
      const dx = new Float64Array(x.length);
      maxPoolForward(x, y, arg, p);
      maxPoolBackward(r, arg, dx, p);
      expectGradMatches(() => (maxPoolForward(x, y, arg, p), dot(r, y)), x, dx, `maxpool ${JSON.stringify(p)}`);
      avgPoolBackward(r, dx, p);
      expectGradMatches(() => (avgPoolForward(x, y, p), dot(r, y)), x, dx, `avgpool ${JSON.stringify(p)}`);
    }
  });
});

function checkPool(T: Ctor, tol: number, p: Pool2dParams, rng: Rng): void {
  const what = `${T.name} ${JSON.stringify(p)}`;
  const x = randArray(T, p.B * p.C * p.H * p.W, rng);
  const n = p.B * p.C * p.OH * p.OW;
  const y = nanArray(T, n);
  const arg = new Int32Array(n).fill(-7);
  const refMax = refPool(x, p, "max");
  maxPoolForward(x, y, arg, p);
  expectClose(y, refMax.y, tol, `max forward ${what}`);
  expect(Array.from(arg), `argmax ${what}`).toEqual(Array.from(refMax.arg));
  const dy = randArray(T, n, rng);
  const dx = nanArray(T, x.length);
  maxPoolBackward(dy, arg, dx, p);
  const refDx = new Float64Array(x.length);
  for (let o = 0; o < n; o++) refDx[refMax.arg[o]!] += dy[o]!;
  expectClose(dx, refDx, tol, `max backward ${what}`);

  avgPoolForward(x, y, p);
  expectClose(y, refPool(x, p, "avg").y, tol, `avg forward ${what}`);
  dx.fill(NaN);
  avgPoolBackward(dy, dx, p);
  const refAvgDx = new Float64Array(x.length);
  let o = 0;
  for (let pl = 0; pl < p.B * p.C; pl++)
    for (let oh = 0; oh < p.OH; oh++)
      for (let ow = 0; ow < p.OW; ow++, o++) {
        const cells = windowCells(p, oh, ow);
        for (const [ih, iw] of cells) refAvgDx[pl * p.H * p.W + ih * p.W + iw] += dy[o]! / cells.length;
      }
  expectClose(dx, refAvgDx, tol, `avg backward ${what}`);
}

describe("global average pool", () => {
  for (const { name, T, tol } of PRECISIONS) {
    it(`${name}: forward/backward`, () => {
      const rng = new Rng(8);
      for (const [B, C, HW] of [[2, 3, 5], [1, 1, 1], [3, 4, 49]] as const) {
        const x = randArray(T, B * C * HW, rng);
        const y = nanArray(T, B * C);
        globalAvgPoolForward(x, y, B, C, HW);
        const ref = new Float64Array(B * C);
        for (let i = 0; i < B * C; i++) {
          for (let k = 0; k < HW; k++) ref[i] += x[i * HW + k]!;
          ref[i] /= HW;
        }
        expectClose(y, ref, tol, "gap forward");
        const dy = randArray(T, B * C, rng);
        const dx = nanArray(T, x.length);
        globalAvgPoolBackward(dy, dx, B, C, HW);
        expectClose(dx, Float64Array.from(dx, (_, i) => dy[Math.floor(i / HW)]! / HW), tol, "gap backward");
      }
    });
  }
  it("f64 gradient check", () => {
    const rng = new Rng(9);
    const B = 2, C = 3, HW = 6;
    const x = randArray(Float64Array, B * C * HW, rng);
    const r = randArray(Float64Array, B * C, rng);
    const y = new Float64Array(B * C);
    const dx = new Float64Array(x.length);
    globalAvgPoolBackward(r, dx, B, C, HW);
    expectGradMatches(() => (globalAvgPoolForward(x, y, B, C, HW), dot(r, y)), x, dx, "gap");
  });
});
