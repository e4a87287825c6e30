import { describe, expect, it } from "vitest";
import {
  Rng, conv2dBackward, conv2dForward, conv2dParams, conv2dScratchSize, windowOutSize, type Conv2dParams,
} from "../../runtime/index.js";
import { PRECISIONS, dot, expectClose, expectGradMatches, nanArray, randArray, randInt, toF64, type Ctor } from "./helpers.js";
import { refConvBackward, refConvForward } from "./conv-reference.js";

function randomParams(rng: Rng): Conv2dParams {
  for (;;) {
    const H = randInt(rng, 1, 9), W = randInt(rng, 1, 9);
    const KH = randInt(rng, 1, 4), KW = randInt(rng, 1, 4);
    const S = randInt(rng, 1, 3), SWd = rng.next() < 0.3 ? randInt(rng, 1, 3) : S;
    const P = randInt(rng, 0, 2), PWd = rng.next() < 0.3 ? randInt(rng, 0, 2) : P;
    if (windowOutSize(H, KH, S, P) < 1 || windowOutSize(W, KW, SWd, PWd) < 1) continue;
    return conv2dParams({ batch: randInt(rng, 1, 3), channels: randInt(rng, 1, 4), height: H, width: W, kernel: [KH, KW], stride: [S, SWd], pad: [P, PWd], filters: randInt(rng, 1, 5) });
  }
}

const fixedCases: Conv2dParams[] = [
  conv2dParams({ batch: 2, channels: 3, height: 7, width: 6, kernel: [3, 2], stride: [2, 2], pad: [1, 1], filters: 4 }), // non-square kernel, stride 2, pad 1, odd sizes
  conv2dParams({ batch: 3, channels: 2, height: 5, width: 5, kernel: [1, 1], filters: 3 }), // pointwise fast path
  conv2dParams({ batch: 2, channels: 3, height: 6, width: 5, kernel: [1, 1], stride: [2, 2], pad: [0, 0], filters: 2 }), // 1x1 but strided (im2col path)
  conv2dParams({ batch: 1, channels: 1, height: 4, width: 4, kernel: [4, 4], filters: 1 }), // kernel = input
  conv2dParams({ batch: 2, channels: 2, height: 3, width: 3, kernel: [3, 3], stride: [1, 1], pad: [2, 2], filters: 2 }), // padding wider than needed
  conv2dParams({ batch: 1, channels: 2, height: 9, width: 8, kernel: [5, 3], stride: [3, 2], pad: [2, 1], filters: 3 }), // separate strides/pads
  conv2dParams({ batch: 1, channels: 1, height: 1, width: 1, kernel: [1, 1], filters: 1 }), // scalar
];

describe("conv2d", () => {
  it("windowOutSize/conv2dParams/conv2dScratchSize", () => {
    expect(windowOutSize(32, 5, 1, 0)).toBe(28);
    expect(windowOutSize(7, 3, 2, 1)).toBe(4);
    expect(windowOutSize(6, 3, 2, 1)).toBe(3);
    const p = conv2dParams({ batch: 2, channels: 3, height: 7, width: 6, kernel: [3, 2], stride: [2, 2], pad: [1, 1], filters: 4 });
    expect([p.OH, p.OW]).toEqual([4, 4]);
    expect(conv2dScratchSize(p)).toBe(3 * 3 * 2 * 4 * 4);
    expect(conv2dScratchSize(conv2dParams({ batch: 2, channels: 3, height: 7, width: 6, kernel: [1, 1], filters: 4 }))).toBe(0);
    expect(() => conv2dParams({ batch: 1, channels: 1, height: 2, width: 2, kernel: [5, 5], filters: 1 })).toThrow(RangeError);
  });

  for (const { name, T, tol } of PRECISIONS) {
    it(`${name}: forward and backward match the direct definition (fixed + random shapes)`, () => {
      const rng = new Rng(7);
      const cases = [...fixedCases];
      for (let i = 0; i < 40; i++) cases.push(randomParams(rng));
      for (const p of cases) checkAgainstReference(T, tol, p, rng);
    });
  }

  it("f64 gradient check (finite differences) with and without bias", () => {
    const rng = new Rng(11);
    const cases = [
      conv2dParams({ batch: 2, channels: 2, height: 5, width: 4, kernel: [3, 2], stride: [2, 2], pad: [1, 1], filters: 3 }),
      conv2dParams({ batch: 2, channels: 3, height: 3, width: 3, kernel: [1, 1], filters: 2 }),
      conv2dParams({ batch: 1, channels: 2, height: 6, width: 5, kernel: [2, 3], stride: [1, 2], pad: [1, 0], filters: 2 }),
    ];
    for (const p of cases) {
      for (const withBias of [true, false]) {
        const x = randArray(Float64Array, p.B * p.C * p.H * p.W, rng);
        const w = randArray(Float64Array, p.F * p.C * p.KH * p.KW, rng);
        const b = withBias ? randArray(Float64Array, p.F, rng) : null;
        const ySize = p.B * p.F * p.OH * p.OW;
        const r = randArray(Float64Array, ySize, rng);
        const y = new Float64Array(ySize);
        const scratch = new Float64Array(conv2dScratchSize(p));
        const loss = (): number => {
          conv2dForward(x, w, b, y, scratch, p);
          return dot(r, y);
        };
        const dx = new Float64Array(x.length), dw = new Float64Array(w.length), db = b ? new Float64Array(p.F) : null;
        conv2dBackward(x, w, r, dx, dw, db, scratch, p);
        expectGradMatches(loss, x, dx, "conv dx");
        expectGradMatches(loss, w, dw, "conv dw");
        if (b && db) expectGradMatches(loss, b, db, "conv db");
      }
    }
  });

  it("backward with dx = null and db = null only writes dw", () => {
    const rng = new Rng(3);
    const p = conv2dParams({ batch: 2, channels: 2, height: 5, width: 5, kernel: [3, 3], stride: [1, 1], pad: [1, 1], filters: 3 });
    const x = randArray(Float64Array, p.B * p.C * p.H * p.W, rng);
    const w = randArray(Float64Array, p.F * p.C * 9, rng);
    const dy = randArray(Float64Array, p.B * p.F * p.OH * p.OW, rng);
    const dw = nanArray(Float64Array, w.length);
    conv2dBackward(x, w, dy, null, dw, null, new Float64Array(conv2dScratchSize(p)), p);
    expectClose(dw, refConvBackward(x, w, dy, p).dw, 1e-10, "dw");
  });
});

function checkAgainstReference(T: Ctor, tol: number, p: Conv2dParams, rng: Rng): void {
  const x = randArray(T, p.B * p.C * p.H * p.W, rng);
  const w = randArray(T, p.F * p.C * p.KH * p.KW, rng);
  const b = randArray(T, p.F, rng);
  const ySize = p.B * p.F * p.OH * p.OW;
  // Scratch and outputs start as NaN: everything read must have been written first.
  const scratch = nanArray(T, conv2dScratchSize(p));
  const y = nanArray(T, ySize);
  const what = `${T.name} ${JSON.stringify(p)}`;
  conv2dForward(x, w, b, y, scratch, p);
  expectClose(y, refConvForward(x, w, b, p), tol, `forward ${what}`);
  conv2dForward(x, w, null, y, scratch, p);
  expectClose(y, refConvForward(x, w, null, p), tol, `forward no bias ${what}`);

  const dy = randArray(T, ySize, rng);
  const ref = refConvBackward(x, w, dy, p);
  // Gradients are overwritten, not accumulated: start from garbage.
  const dx = nanArray(T, x.length), dw = nanArray(T, w.length), db = nanArray(T, p.F);
  scratch.fill(NaN);
  conv2dBackward(x, w, dy, dx, dw, db, scratch, p);
  expectClose(dx, ref.dx, tol, `dx ${what}`);
  expectClose(dw, ref.dw, tol, `dw ${what}`);
  expectClose(db, ref.db, tol, `db ${what}`);
  // Running backward twice gives the same result (no accumulation across calls).
  conv2dBackward(x, w, dy, dx, dw, db, scratch, p);
  expectClose(dw, ref.dw, tol, `dw again ${what}`);
  expectClose(toF64(dx), ref.dx, tol, `dx again ${what}`);
}
