import { describe, expect, it } from "vitest";
import { diagnose, summary } from "../helpers/check.js";

describe("deconv", () => {
  it("follows PyTorch's ConvTranspose2d output size, with outpad", () => {
    // ConvTranspose2d(3, 8, 4, stride=2, padding=1): 16 → 32; (3, stride 2, padding 1, output_padding 1): 2H
    const s = summary("model m {\n input 3x16x16\n deconv 4x4 x8 stride 2 pad 1\n deconv 3x3 x2 stride 2 pad 1 outpad 1\n deconv 2x3 x1 stride 1x2\n}");
    expect(s.layers.map((l) => l.outputShape.join("x"))).toEqual(["8x32x32", "2x64x64", "1x65x129"]);
  });

  it("counts IOHW weights, bias, FLOPs", () => {
    const s = summary("model m { input 3x4x5, deconv 2x2 x6 stride 2, deconv 3x3 x2 pad 1 nobias }");
    expect(s.layers.map((l) => l.params)).toEqual([3 * 6 * 4 + 6, 6 * 2 * 9]);
    // every input value meets every weight of its channel: 2·(C·H·W)·F·KH·KW, plus the bias per output
    expect(s.layers[0]!.flops).toBe(2 * 60 * 6 * 4 + 6 * 8 * 10);
    expect(s.layers[1]!.flops).toBe(2 * 6 * 8 * 10 * 2 * 9);
  });

  it("refuses an outpad not below the stride, at the outpad", () => {
    expect(diagnose("model m { input 1x4x4, deconv 3x3 x2 stride 2 outpad 2 }")).toEqual([
      "NN2013 1:47 outpad must be less than the stride (2), got 2",
    ]);
    expect(diagnose("model m { input 1x4x4, deconv 3x3 x2 outpad 1 }").map((d) => d.slice(0, 6))).toEqual(["NN2013"]);
  });

  it("refuses an output of size 0 or less, with the arithmetic", () => {
    expect(diagnose("model m { input 1x1x4, deconv 3x3 x2 pad 2 }")).toEqual([
      "NN3001 1:24 the 3x3 window does not fit the 1x1x4 input: height (1 − 1)·1 − 2·2 + 3 + 0 = -1",
    ]);
  });

  it("needs an image", () => {
    expect(diagnose("model m { input 4, deconv 2x2 x2 }").map((d) => d.slice(0, 6))).toEqual(["NN3010"]);
  });
});
