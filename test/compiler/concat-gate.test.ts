/** `concat { branch { … } … }` and `gate { … }`: reading, shape rule, names, counts and their errors. */
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import { codes, diagnose, summary } from "../helpers/check.js";

describe("concat", () => {
  it("joins images along channels and vectors along features", () => {
    expect(summary("model m { input 3x8x8, concat { branch { conv 1x1 x4 } branch { conv 3x3 x5 pad 1 } branch { } } }").outputShape).toEqual([12, 8, 8]);
    expect(summary("model m { input 6, concat { branch { fc 4 } branch { } } }").outputShape).toEqual([10]);
  });

  it("names branch layers concat1.branch2.conv1, a named concat by its name, and counts the branches' parameters", () => {
    const s = summary("model m {\n input 2x4x4\n concat {\n branch { conv 1x1 x2 }\n branch { conv 1x1 x3, relu }\n }\n fire: concat { branch { } branch { conv 1x1 x1 } }\n}");
    expect(s.layers.map((l) => `${l.name} ${l.kind} ${l.outputShape.join("x")}`)).toEqual([
      "concat1.branch1.conv1 conv 2x4x4",
      "concat1.branch2.conv1 conv 3x4x4",
      "concat1.branch2.relu1 relu 3x4x4",
      "concat1 concat (2 branches) 5x4x4",
      "fire.branch2.conv1 conv 1x4x4",
      "fire concat (2 branches) 6x4x4",
    ]);
    expect(s.params).toBe(6 + 9 + 6);
    // activation memory counts every branch output and the join
    expect(s.activationBytes).toBe(4 * (32 + 32 + 48 + 48 + 80 + 16 + 96));
  });

  it("reports branches whose sizes differ at the concat, each branch's last layer labelled with its shape", () => {
    const r = checkSource("t.nnspec", "model m {\n input 1x8x8\n concat {\n branch { conv 3x3 x2 }\n branch { conv 1x1 x2 }\n }\n}");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["NN3020"]);
    const d = r.diagnostics[0]!;
    expect(d.message).toContain("2x6x6, 2x8x8");
    expect(d.related.map((x) => x.message)).toEqual(["branch 1 gives 2x6x6", "branch 2 gives 2x8x8"]);
  });

  it("names the pooling that floored away an odd row", () => {
    const r = checkSource("t.nnspec", "model m {\n input 1x9x9\n concat {\n branch { }\n branch { maxpool 2 floor, conv 1x1 x1 }\n }\n}");
    const d = r.diagnostics[0]!;
    expect(d.code).toBe("NN3020");
    expect(d.related.map((x) => x.message)).toEqual(["branch 1 gives 1x9x9 (the input itself)", "branch 2 gives 1x4x4", "this maxpool drops the last row and column of 9 (rounds down)"]);
    expect(d.help).toContain("odd size");
  });

  it("names only windows that rounded: not a deconv (it never rounds), a dilated conv by its extent", () => {
    // 19x19: the pool floors 19 to 9; the deconv doubles 9 to 18 exactly (read as a window, 9 would round);
    // a 3x3 conv dilated 2 (extent 5) with stride 3 floors (18 − 5)/3 = 4.33 (undilated, (18 − 3)/3 = 5 would not).
    const r = checkSource("t.nnspec", "model m {\n input 1x19x19\n concat {\n branch { }\n branch { maxpool 2 floor, deconv 2x2 x1 stride 2, conv 3x3 x1 stride 3 dilation 2 floor }\n }\n}");
    const d = r.diagnostics[0]!;
    expect(d.code).toBe("NN3020");
    expect(d.related.map((x) => x.message)).toEqual(["branch 1 gives 1x19x19 (the input itself)", "branch 2 gives 1x5x5", "this maxpool drops the last row and column of 19 (rounds down)", "this conv drops the last row and column of 18 (rounds down)"]);
  });

  it("needs two branches, all images or all vectors", () => {
    expect(codes("model m { input 4, concat { branch { fc 2 } } }")).toEqual(["NN3021"]);
    expect(codes("model m { input 1x4x4, concat { branch { flatten } branch { } } }")).toEqual(["NN3022"]);
  });

  it("holds only branches, and a branch stands only in a concat", () => {
    expect(diagnose("model m {\n input 4\n concat { branch { } relu }\n}")).toEqual(["NN1015 3:22 a `concat` holds only `branch { … }` statements, found `relu`"]);
    expect(codes("model m {\n input 4\n branch { relu }\n}")).toEqual(["NN1014"]);
    expect(codes("model m {\n input 4\n concat { b: branch { } branch { } }\n}")).toEqual(["NN2023"]);
  });

  it("checks a branch's shape assertion", () => {
    expect(codes("model m { input 4, concat { branch { fc 2 } -> 3 branch { } } }")).toEqual(["NN3008"]);
  });

  it("reserves concat, branch and gate", () => {
    expect(codes("block concat(w) { relu }\nmodel m { input 4 }")).toContain("NN2014");
    expect(codes("model m { input 4, gate: relu }")).toEqual(["NN2014"]);
  });
});

describe("gate", () => {
  it("keeps the input's shape, with a per-channel body (squeeze-and-excitation) or a same-shape body", () => {
    const s = summary("model m { input 8x4x4, gate { globalavgpool, fc 2, relu, fc 8, sigmoid }, gate { conv 1x1 x8, sigmoid } }");
    expect(s.outputShape).toEqual([8, 4, 4]);
    expect(s.layers.map((l) => l.name)).toEqual(["gate1.globalavgpool1", "gate1.fc1", "gate1.relu1", "gate1.fc2", "gate1.sigmoid1", "gate1", "gate2.conv1", "gate2.sigmoid1", "gate2"]);
    expect(s.params).toBe(18 + 24 + 72);
  });

  it("reports a body that gives neither C values nor the input's shape", () => {
    const r = checkSource("t.nnspec", "model m {\n input 8x4x4\n gate { globalavgpool, fc 4 }\n}");
    expect(r.diagnostics.map((d) => d.code)).toEqual(["NN3023"]);
    expect(r.diagnostics[0]!.message).toBe("the gate body gives 4, but for the input 8x4x4 it must give 8 (one value per channel) or 8x4x4");
    expect(codes("model m { input 8x4x4, gate { } }")).toEqual(["NN3023"]);
  });
});
