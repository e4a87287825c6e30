import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import { codes, diagnose, summary } from "../helpers/check.js";

describe("conv groups and dilation (checker)", () => {
  it("counts a grouped conv's weight as F·(C/G)·KH·KW and its FLOPs per group", () => {
    const s = summary("model m { input 8x6x6, conv 3x3 x4 pad 1 groups 2 }");
    expect(s.outputShape).toEqual([4, 6, 6]);
    expect(s.params).toBe(4 * 4 * 9 + 4);
    expect(s.layers[0]!.flops).toBe(2 * 4 * 36 * 4 * 9 + 4 * 36);
  });

  it("reads a depthwise conv (groups C, xC), also with a block parameter", () => {
    const s = summary("block dw(t) { conv 3x3 x t pad 1 groups t nobias }\nmodel m { input 6x5x5, dw(6) }");
    expect(s.outputShape).toEqual([6, 5, 5]);
    expect(s.params).toBe(6 * 9);
  });

  it("widens the window by dilation in the output size, and `pad same` accounts for it", () => {
    expect(summary("model m { input 1x9x9, conv 3x3 x2 dilation 2 }").outputShape).toEqual([2, 5, 5]);
    expect(summary("model m { input 1x9x10, conv 3x3 x2 dilation 2x3 }").outputShape).toEqual([2, 5, 4]);
    expect(summary("model m { input 1x9x9, conv 3x3 x2 dilation 2 pad same }").outputShape).toEqual([2, 9, 9]);
    expect(summary("model m { input 1x9x9, conv 3x3 x2 dilation 2 }").params).toBe(2 * 9 + 2);
  });

  it("reports groups that do not divide the channels or the filters, with help", () => {
    expect(codes("model m { input 6x5x5, conv 3x3 x4 groups 4 }")).toEqual(["NN3025"]);
    expect(codes("model m { input 8x5x5, conv 3x3 x6 groups 4 }")).toEqual(["NN3025"]);
    const d = diagnose("model m { input 6x5x5, conv 3x3 x4 groups 4 }");
    expect(d[0]).toContain("groups 4");
    expect(d[0]).toContain("6 input channels");
  });

  it("suggests the dilated padding when `pad same` cannot apply", () => {
    const [d] = checkSource("t.nnspec", "model m { input 1x9x9, conv 3x3 x2 dilation 2 stride 2 pad same }").diagnostics;
    expect([d!.code, d!.help]).toEqual(["NN3011", "give the padding explicitly: `pad 2`"]);
  });

  it("reports a dilated window that does not fit", () => {
    expect(codes("model m { input 1x4x4, conv 3x3 x2 dilation 2 }")).toEqual(["NN3001"]);
  });
});
