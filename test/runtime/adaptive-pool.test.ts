import { beforeAll, describe, expect, it } from "vitest";
import { jsKernels, Rng } from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";
import { expectClose } from "./helpers.js";
import { adaptiveAvgPoolBackward, adaptiveAvgPoolForward, adaptiveMaxPoolBackward, adaptiveMaxPoolForward } from "../../runtime/adaptive-pool.js";

/** A direct float64 reference: every output value from its window, by PyTorch's rule. */
function reference(x: Float64Array, planes: number, H0: number, W0: number, H: number, W: number, max: boolean): number[] {
  const out: number[] = [];
  for (let p = 0; p < planes; p++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        const vals: number[] = [];
        for (let h = Math.floor((i * H0) / H); h < Math.ceil(((i + 1) * H0) / H); h++)
          for (let w = Math.floor((j * W0) / W); w < Math.ceil(((j + 1) * W0) / W); w++) vals.push(x[(p * H0 + h) * W0 + w]!);
        out.push(max ? Math.max(...vals) : vals.reduce((s, v) => s + v, 0) / vals.length);
      }
  return out;
}

describe("adaptive pooling kernels", () => {
  it("match PyTorch: adaptive_avg_pool of 0..4 to 3 is [0.5, 2, 3.5]", () => {
    const y = new Float64Array(3);
    adaptiveAvgPoolForward(Float64Array.of(0, 1, 2, 3, 4), y, 1, 1, 5, 1, 3);
    expect([...y]).toEqual([0.5, 2, 3.5]);
  });

  it("match a direct float64 reference, smaller, equal and larger outputs", () => {
    const planes = 3;
    for (const [H0, W0, H, W] of [[7, 5, 3, 2], [6, 6, 6, 6], [3, 2, 5, 7], [9, 4, 1, 1]] as const) {
      const x = Float64Array.from({ length: planes * H0 * W0 }, (_, i) => Math.sin(7 * i + 1));
      const y = new Float64Array(planes * H * W);
      adaptiveAvgPoolForward(x, y, planes, H0, W0, H, W);
      expect([...y].map((v, i) => v - reference(x, planes, H0, W0, H, W, false)[i]!).every((d) => Math.abs(d) < 1e-12)).toBe(true);
      adaptiveMaxPoolForward(x, y, new Int32Array(y.length), planes, H0, W0, H, W);
      expect([...y]).toEqual(reference(x, planes, H0, W0, H, W, true));
    }
  });

  it("the backward kernels are the adjoints of the forward (max: of the selection it made)", () => {
    const [planes, H0, W0, H, W] = [2, 5, 4, 3, 6];
    const x = Float64Array.from({ length: planes * H0 * W0 }, (_, i) => Math.sin(3 * i + 2));
    const dy = Float64Array.from({ length: planes * H * W }, (_, i) => Math.cos(5 * i));
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const y = new Float64Array(dy.length);
    const dx = new Float64Array(x.length);
    adaptiveAvgPoolForward(x, y, planes, H0, W0, H, W);
    adaptiveAvgPoolBackward(dy, dx, planes, H0, W0, H, W);
    expect(dot(y, dy)).toBeCloseTo(dot(x, dx), 12);
    const argmax = new Int32Array(y.length);
    adaptiveMaxPoolForward(x, y, argmax, planes, H0, W0, H, W);
    adaptiveMaxPoolBackward(dy, argmax, dx, x.length, y.length);
    expect(dot(y, dy)).toBeCloseTo(dot(x, dx), 12);
  });
});

describe("adaptive pooling: wasm kernel set against TypeScript", () => {
  beforeAll(ensureWasmBuilt);
  const { engine } = wasmEngines({ floats: 400_000, ints: 100_000, scratch: 1, convParams: 1 });
  // planes, H0, W0, H, W: smaller (overlapping windows), larger than the input, uniform, and one big enough to split.
  const CASES = [
    [3, 7, 5, 3, 2],
    [2, 3, 4, 5, 7],
    [2, 8, 8, 4, 4],
    [96, 13, 13, 6, 6],
  ] as const;
  for (const threads of [1, 2, 3]) {
    for (const [i, [planes, H0, W0, H, W]] of CASES.entries()) {
      it(`planes ${planes}, ${H0}x${W0} → ${H}x${W}, ${threads} thread(s): avg and max, forward and backward`, () => {
        const e = engine(threads);
        const rng = new Rng(80 + i * 3 + threads);
        const take = (n: number) => {
          const v = e.floats.take(n);
          for (let j = 0; j < n; j++) v[j] = rng.next() * 2 - 1;
          return v;
        };
        const inputs = planes * H0 * W0, outputs = planes * H * W;
        const x = take(inputs), dy = take(outputs);
        const y = e.floats.take(outputs), dx = e.floats.take(inputs), am = e.ints.take(outputs);
        const ry = new Float32Array(outputs), rdx = new Float32Array(inputs), ram = new Int32Array(outputs);
        y.fill(NaN), dx.fill(NaN);
        e.kernels.adaptiveAvgPoolForward(x, y, planes, H0, W0, H, W);
        jsKernels.adaptiveAvgPoolForward(x, ry, planes, H0, W0, H, W);
        e.kernels.adaptiveAvgPoolBackward(dy, dx, planes, H0, W0, H, W);
        jsKernels.adaptiveAvgPoolBackward(dy, rdx, planes, H0, W0, H, W);
        expectClose(y, ry, 2e-6, "avg y");
        expectClose(dx, rdx, 2e-6, "avg dx");
        y.fill(NaN), dx.fill(NaN), am.fill(-1);
        e.kernels.adaptiveMaxPoolForward(x, y, am, planes, H0, W0, H, W);
        jsKernels.adaptiveMaxPoolForward(x, ry, ram, planes, H0, W0, H, W);
        e.kernels.adaptiveMaxPoolBackward(dy, am, dx, inputs, outputs);
        jsKernels.adaptiveMaxPoolBackward(dy, ram, rdx, inputs, outputs);
        expect([...y]).toEqual([...ry]);
        expect([...am]).toEqual([...ram]);
        expectClose(dx, rdx, 2e-6, "max dx");
      });
    }
  }
});
