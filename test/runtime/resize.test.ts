import { beforeAll, describe, expect, it } from "vitest";
import { jsKernels, Rng } from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";
import { expectClose } from "./helpers.js";
import { bilinearTaps, upsampleBilinearBackward, upsampleBilinearForward, upsampleNearestBackward, upsampleNearestForward } from "../../runtime/resize.js";

describe("upsampling kernels", () => {
  it("bilinear matches PyTorch's interpolate(scale_factor=2, mode='bilinear', align_corners=False)", () => {
    const y = new Float64Array(16);
    upsampleBilinearForward(Float64Array.of(1, 2, 3, 4), y, 1, bilinearTaps(2, 2), bilinearTaps(2, 2));
    expect([...y]).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  });

  it("nearest copies each value into an SxS block, on every plane", () => {
    // 2 planes of 1x2, S = 3: each plane becomes 3x6
    const y = new Float64Array(2 * 3 * 6);
    upsampleNearestForward(Float64Array.of(1, 2, 3, 4), y, 2, 1, 2, 3);
    expect([...y.subarray(0, 18)]).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]);
    expect([...y.subarray(18)]).toEqual([3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4]);
  });

  it("the backward kernels are the forward's adjoints: <f(x), dy> = <x, f*(dy)>", () => {
    const planes = 2;
    const [H, W, S] = [3, 2, 3];
    const x = Float64Array.from({ length: planes * H * W }, (_, i) => Math.sin(i + 1));
    const dy = Float64Array.from({ length: planes * H * W * S * S }, (_, i) => Math.cos(3 * i));
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    for (const mode of ["nearest", "bilinear"]) {
      const y = new Float64Array(dy.length);
      const dx = new Float64Array(x.length);
      if (mode === "nearest") {
        upsampleNearestForward(x, y, planes, H, W, S);
        upsampleNearestBackward(dy, dx, planes, H, W, S);
      } else {
        upsampleBilinearForward(x, y, planes, bilinearTaps(H, S), bilinearTaps(W, S));
        upsampleBilinearBackward(dy, dx, planes, bilinearTaps(H, S), bilinearTaps(W, S));
      }
      expect(dot(y, dy)).toBeCloseTo(dot(x, dx), 12);
    }
  });
});

describe("upsampling: wasm kernel set against TypeScript", () => {
  beforeAll(ensureWasmBuilt);
  const { engine } = wasmEngines({ floats: 600_000, ints: 1, scratch: 1, convParams: 1 });
  // planes, H, W, S: odd widths (SIMD and scalar columns), S = 2, 3 and 1, and one big enough to split across threads.
  const CASES = [
    [3, 5, 7, 2],
    [2, 4, 9, 3],
    [2, 3, 4, 1],
    [64, 16, 19, 2],
  ] as const;
  for (const threads of [1, 2, 3]) {
    for (const [i, [planes, H, W, S]] of CASES.entries()) {
      it(`planes ${planes}, ${H}x${W}, S ${S}, ${threads} thread(s): nearest and bilinear, forward and backward`, () => {
        const e = engine(threads);
        const rng = new Rng(60 + i * 3 + threads);
        const take = (n: number) => {
          const v = e.floats.take(n);
          for (let j = 0; j < n; j++) v[j] = rng.next() * 2 - 1;
          return v;
        };
        const x = take(planes * H * W), dy = take(planes * H * W * S * S);
        const y = e.floats.take(dy.length), dx = e.floats.take(x.length);
        const ry = new Float32Array(y.length), rdx = new Float32Array(dx.length);
        const rows = bilinearTaps(H, S), cols = bilinearTaps(W, S);
        const check = (what: string) => {
          expectClose(y, ry, 2e-6, `${what} y`);
          expectClose(dx, rdx, 2e-6, `${what} dx`);
        };
        y.fill(NaN), dx.fill(NaN);
        e.kernels.upsampleNearestForward(x, y, planes, H, W, S);
        jsKernels.upsampleNearestForward(x, ry, planes, H, W, S);
        e.kernels.upsampleNearestBackward(dy, dx, planes, H, W, S);
        jsKernels.upsampleNearestBackward(dy, rdx, planes, H, W, S);
        check("nearest");
        y.fill(NaN), dx.fill(NaN);
        e.kernels.upsampleBilinearForward(x, y, planes, rows, cols);
        jsKernels.upsampleBilinearForward(x, ry, planes, rows, cols);
        e.kernels.upsampleBilinearBackward(dy, dx, planes, rows, cols);
        jsKernels.upsampleBilinearBackward(dy, rdx, planes, rows, cols);
        check("bilinear");
      });
    }
  }
});
