import { describe, expect, it } from "vitest";
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
