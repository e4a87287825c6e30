import { describe, expect, it } from "vitest";
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
