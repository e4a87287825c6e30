import { describe, expect, it } from "vitest";
import { diagnose, summary } from "../helpers/check.js";

describe("upsample", () => {
  it("multiplies height and width by S, nearest by default", () => {
    const s = summary("model m { input 3x4x5, upsample 2, upsample 3 bilinear, upsample 1 nearest }");
    expect(s.layers.map((l) => l.outputShape.join("x"))).toEqual(["3x8x10", "3x24x30", "3x24x30"]);
    expect(s.layers.map((l) => l.params)).toEqual([0, 0, 0]);
    // nearest copies; bilinear: four taps per output value, a multiply-add each
    expect(s.layers.map((l) => l.flops)).toEqual([0, 8 * 3 * 24 * 30, 0]);
  });

  it("refuses an unknown mode with a suggestion, a scale below 1, and a vector", () => {
    expect(diagnose("model m { input 1x4x4, upsample 2 bilinaer }")).toEqual([expect.stringMatching(/^NN2013 1:35 .*bilinaer.*/)]);
    expect(diagnose("model m { input 1x4x4, upsample 0 }").map((d) => d.slice(0, 11))).toEqual(["NN2013 1:33"]);
    expect(diagnose("model m { input 1x4x4, upsample }").map((d) => d.slice(0, 6))).toEqual(["NN2012"]);
    expect(diagnose("model m { input 4, upsample 2 }").map((d) => d.slice(0, 6))).toEqual(["NN3010"]);
  });
});
