/**
 * Diagnostics that would have saved real users (issue 12): a channels-last
 * input, a window that needs a larger input (and which one), `fc` after
 * `flatten` of a large map, arithmetic shown with its rounding, and `floor`
 * to acknowledge rows dropped on purpose.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import { codes, summary } from "../helpers/check.js";

const diags = (text: string) => checkSource("t.nnspec", text).diagnostics;
const one = (text: string, code: string) => {
  const d = diags(text).find((x) => x.code === code);
  if (!d) throw new Error(`no ${code}: ${diags(text).map((x) => `${x.code} ${x.message}`).join("; ")}`);
  return d;
};

describe("channels-last input (NN3014)", () => {
  it.each(["28x28x1", "150x150x3", "224x224x3", "64x64x4"])("`input %s` is warned at the input line, suggesting channels first", (dims) => {
    const [h, w, c] = dims.split("x");
    const d = one(`model m {\n  input ${dims}\n}`, "NN3014");
    expect(d.severity).toBe("warning");
    expect(d.file.position(d.span.start).line).toBe(2);
    expect(d.help).toContain(`\`input ${c}x${h}x${w}\``);
  });

  it.each(["3x32x32", "1x28x28", "16x8x8", "4x4x3", "10x10x10"])("`input %s` is not warned", (dims) => {
    expect(codes(`model m { input ${dims} }`)).not.toContain("NN3014");
  });

  it("the window error that follows points at the input, not at padding", () => {
    const d = one("model m {\n  input 28x28x1\n  conv 3x3 x8\n}", "NN3001");
    expect(d.help).toContain("`input 1x28x28`");
    expect(d.help).not.toMatch(/pad the input/);
  });
});

describe("a window that needs a larger input (NN3001)", () => {
  it("names the smallest input at which every window fits", () => {
    const stem = "model stem {\n  input 3x16x16\n  conv 11x11 x64 stride 4 pad 2\n  maxpool 3 stride 2\n  conv 5x5 x192 pad 2\n  maxpool 3 stride 2\n}";
    expect(one(stem, "NN3001").help).toMatch(/need an input of at least 31x31 \(it is 16x16\).*`input 3x31x31`/);
    // and that size does check, one less does not
    expect(codes(stem.replace("3x16x16", "3x31x31"))).toEqual([]);
    expect(codes(stem.replace("3x16x16", "3x30x30"))).toContain("NN3001");
  });

  it("searches height and width separately", () => {
    const d = one("model m { input 1x40x4, conv 3x3 x2, maxpool 2, conv 3x3 x2 }", "NN3001");
    expect(d.help).toMatch(/at least 40x8 \(it is 40x4\)/);
  });

  it("says nothing about sizes when no input size would do", () => {
    // at 5x5 and above the window fits, but the residual's body then shrinks the map, so it cannot join
    expect(one("model m { input 1x4x4, residual { conv 5x5 x1 } }", "NN3001").help).not.toMatch(/at least/);
    // a kernel beyond the largest input tried
    expect(one("block b(k) { conv k x1 }\nmodel m { input 1x4x4, b(99999) }", "NN3001").help).not.toMatch(/at least/);
    // a fixed `fc IN` does not stop the search: it is checked separately
    expect(one("model m { input 1x4x4, conv 5x5 x1, flatten, fc 16->2 }", "NN3001").help).toMatch(/at least 5x5/);
  });

  it("shows the arithmetic floored where the output size is floored to 0", () => {
    expect(one("model m { input 1x2x2, maxpool 3 stride 2 }", "NN3001").message).toMatch(/= 0\.5, rounded down to 0$/);
    expect(one("model m { input 1x2x2, maxpool 3 stride 2 ceil }", "NN3001").message).toMatch(/= 0\.5, but the padded input \(2\) is smaller than the window \(3\)$/);
  });
});

describe("`fc` after `flatten` of a large map (NN3004)", () => {
  it("suggests `globalavgpool` besides `fc ACTUAL->N`", () => {
    const d = one("model m { input 2048x4x4, flatten, fc 2048->196 }", "NN3004");
    expect(d.help).toMatch(/`fc 32768->196`.*`globalavgpool`.*gives 2048: `fc 2048->196`/);
  });

  it("not after flatten of a 1x1 map or when another layer comes between", () => {
    expect(one("model m { input 64x1x1, flatten, fc 32->10 }", "NN3004").help).not.toMatch(/globalavgpool/);
    expect(one("model m { input 64x8x8, flatten, relu, fc 32->10 }", "NN3004").help).not.toMatch(/globalavgpool/);
  });
});

describe("`floor`: rows dropped on purpose", () => {
  it("silences NN3002 on conv and pools, keeping the same shapes", () => {
    expect(codes("model m { input 1x12x12, conv 5x5 x8 stride 2 }")).toEqual(["NN3002"]);
    expect(codes("model m { input 1x12x12, conv 5x5 x8 stride 2 floor }")).toEqual([]);
    expect(summary("model m { input 1x12x12, conv 5x5 x8 stride 2 floor }").outputShape).toEqual([8, 4, 4]);
    expect(codes("model m { input 1x7x7, maxpool 2 }")).toEqual(["NN3002"]);
    expect(codes("model m { input 1x7x7, maxpool 2 floor, avgpool 3 floor }")).toEqual([]);
    expect(summary("model m { input 1x7x7, maxpool 2 floor }").outputShape).toEqual([1, 3, 3]);
  });

  it("NN3002's help names `floor`", () => {
    expect(one("model m { input 1x12x12, conv 5x5 x8 stride 2 }", "NN3002").help).toMatch(/add `floor`/);
  });

  it("`floor` with `ceil` is NN2025", () => {
    expect(codes("model m { input 1x7x7, maxpool 2 ceil floor }")).toEqual(["NN2025"]);
  });

  it("compiles to the same model as without it", () => {
    const a = summary("model m { input 1x7x7, conv 3x3 x2 stride 2, maxpool 2 }");
    const b = summary("model m { input 1x7x7, conv 3x3 x2 stride 2 floor, maxpool 2 floor }");
    expect(b.layers.map((l) => [l.outputShape, l.params, l.flops])).toEqual(a.layers.map((l) => [l.outputShape, l.params, l.flops]));
  });
});
