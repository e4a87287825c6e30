import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import { codes, diagnose, summary } from "../helpers/check.js";

describe("shape inference", () => {
  it("follows the conv and pool arithmetic, including ceil mode and pad same", () => {
    const s = summary("model m {\n input 3x13x13\n conv 3x3 x8 pad same\n maxpool 2 ceil\n conv 3x3 x4 stride 2 pad 1\n avgpool 3 stride 1 pad 1\n globalavgpool\n}");
    expect(s.layers.map((l) => l.outputShape.join("x"))).toEqual(["8x13x13", "8x7x7", "4x4x4", "4x4x4", "4"]);
  });

  it("drops a last ceil-mode window that would start in the right padding", () => {
    // PyTorch: MaxPool2d(2, stride=2, padding=1, ceil_mode=True) on 4 → 3
    expect(summary("model m { input 1x4x4, maxpool 2 pad 1 ceil }").outputShape).toEqual([1, 3, 3]);
  });

  it("counts parameters, FLOPs and activation memory", () => {
    const s = summary("model m {\n input 1x4x4\n conv 3x3 x2 pad 1\n batchnorm\n flatten\n fc 3 nobias\n}");
    // conv 2·1·9 + 2, batchnorm 2 + 2, fc 3·32
    expect(s.params).toBe(20 + 4 + 96);
    expect(s.layers.map((l) => l.flops)).toEqual([2 * 32 * 9 + 32, 64, 0, 2 * 3 * 32]);
    expect(s.activationBytes).toBe(4 * (16 + 32 + 32 + 32 + 3));
  });

  it("names layers by kind and scope", () => {
    const s = summary(
      "block b(w) { conv 1x1 x w, relu }\nmodel m {\n input 2x4x4\n b(2)\n first: b(2)\n residual { conv 1x1 x2 } shortcut { conv 1x1 x2 }\n repeat 2 { r: relu }\n conv 1x1 x2\n}",
    );
    expect(s.layers.map((l) => l.name)).toEqual([
      "b1.conv1",
      "b1.relu1",
      "first.conv1",
      "first.relu1",
      "residual1.conv1",
      "residual1.shortcut.conv1",
      "residual1",
      "r_1",
      "r_2",
      "conv1",
    ]);
  });

  it("keeps automatic names clear of labels written later", () => {
    const s = summary("model m { input 4, fc 3, fc1: fc 2 }");
    expect(s.layers.map((l) => l.name)).toEqual(["fc2", "fc1"]);
  });
});

describe("errors", () => {
  it("shows the arithmetic of a window that does not fit", () => {
    expect(diagnose("model m { input 1x4x4, conv 5x5 x1 stride 2 }")[0]).toContain("(4 + 2·0 − 5) / 2 + 1 = 0.5");
  });

  it("warns about rows no window reads, only where stride ≤ kernel", () => {
    expect(codes("model m { input 1x28x28, conv 5x5 x1 stride 2 }")).toEqual(["NN3002"]);
    expect(codes("model m { input 1x8x8, conv 1x1 x1 stride 2 }")).toEqual([]);
    expect(codes("model m { input 1x9x9, maxpool 2 ceil }")).toEqual([]);
  });

  it("checks `fc IN->N` and flatten of a vector", () => {
    expect(diagnose("model m { input 8, fc 7->2 }")[0]).toMatch(/NN3004 .*expects 7 inputs, but its input has 8/);
    expect(codes("model m { input 8, flatten }")).toEqual(["NN3005"]);
  });

  it("rejects pad same where it cannot keep the size", () => {
    expect(codes("model m { input 1x8x8, conv 2x2 x1 pad same }")).toEqual(["NN3011"]);
    expect(codes("model m { input 1x8x8, conv 3x3 x1 stride 2 pad same }")).toEqual(["NN3011"]);
  });

  it("reports a bad value inside a block at the block's line, naming the invocation", () => {
    const d = diagnose("block b(p) {\n dropout p\n}\nmodel m {\n input 4\n b(1.5)\n}");
    expect(d).toEqual([expect.stringMatching(/^NN2013 2:10 dropout probability must be in \[0, 1\), got 1.5/)]);
  });

  it("suggests block parameters for a misspelt name", () => {
    const r = diagnose("block b(width) {\n conv 3x3 x widht\n}\nmodel m {\n input 1x4x4\n b(2)\n}");
    expect(r[0]).toMatch(/NN2011 2:13 `widht` is not a parameter of block `b`/);
  });

  it("reports one block error once, however often the block is used", () => {
    expect(codes("block b() { conv 3x3 x2 strid 1 }\nmodel m { input 2x8x8, b(), b(), b() }")).toEqual(["NN2002"]);
  });

  it("reports each independent error and no cascade", () => {
    expect(codes("model m {\n input 3x8x8\n conv 9x9 x4\n relu\n flatten -> 10\n fc 10\n dropout 7\n loss mse\n}")).toEqual(["NN3001", "NN2013"]);
  });

  it("says which layer and block words are unknown, with suggestions", () => {
    expect(diagnose("model m { input 4, fullyconnected 2 }")[0]).toContain("unknown layer `fullyconnected`");
    expect(diagnose("block stage() { relu }\nmodel m { input 4, stage }")[0]).toMatch(/NN2001/);
    expect(diagnose("model m { input 4, loss crossentropy }")[0]).toMatch(/NN2020/);
    expect(diagnose("model m { input 4, conv(3) }")[0]).toMatch(/NN2003/);
  });

  it("refuses reserved names and misplaced input or loss", () => {
    expect(codes("model conv { input 4 }")).toEqual(["NN2014"]);
    expect(codes("model m { input 4, relu: relu }")).toEqual(["NN2014"]);
    expect(codes("model m { input 4, residual { loss mse } }")).toEqual(["NN2015"]);
    expect(codes("block b() { input 4 }\nmodel m { input 4 }")).toEqual(["NN2015"]);
    expect(codes("model m { input 4, input 4 }")).toEqual(["NN2019"]);
  });

  it("stops absurd expansion with a size error", () => {
    expect(codes("model m { input 4, repeat 100000 { repeat 100000 { fc 4 } } }")).toEqual(["NN4003"]);
    expect(codes("model m { input 100000x100000x100000 }")).toEqual(["NN4001"]);
  });

  it("defines models and blocks once", () => {
    expect(codes("model m { input 4 }\nmodel m { input 4 }")).toEqual(["NN2007"]);
  });

  it("checks shape assertions on every kind of statement", () => {
    const spec = "block b() { relu }\nmodel m {\n input 2x4x4\n residual { relu } -> 2x4x5\n b() -> 3\n repeat 2 { relu } -> 2x4x4\n}";
    expect(diagnose(spec)).toEqual([expect.stringMatching(/^NN3008 4:20 the output is 2x4x4, not 2x4x5/), expect.stringMatching(/^NN3013 5:6 the output is 2x4x4 \(an image\), not 3/)]);
  });

  it("checks the words of blocks no model uses", () => {
    expect(codes("block u(w) { conv 3x3 x4 strid 2, fc 0, dropout w }\nmodel m { input 4 }")).toEqual(["NN2002", "NN2013"]);
  });

  it("refuses block parameters named like option words, which would be ambiguous", () => {
    expect(codes("block b(pad, x, same) { conv 3x3 x4 pad 1 }\nmodel m { input 1x8x8, b(1, 4, 0) }")).toEqual(["NN2014", "NN2014", "NN2014"]);
  });

  it("checks every word of a block no model uses, whatever its parameters", () => {
    expect(codes("block outer(w) { repeat w { inner(w) }, conv w x8 strid 2 }\nblock inner(n) { dropout 2 }")).toEqual(["NN2002", "NN2013"]);
  });

  it("shows no model when a block it uses has an error", () => {
    expect(() => summary("block b(relu) { conv 3x3 x2 }\nmodel k { input 1x4x4, b(2) }")).toThrow(/no model checked/);
  });

  it("does not take a residual's output for softmax probabilities", () => {
    expect(codes("model q { input 10, residual { softmax }, loss softmax }")).toEqual([]);
  });

  it("reports a line that cannot start a statement once, and reads the rest of the body", () => {
    expect(diagnose("model m {\n input 4\n fc 8\n -> 8\n dropout 3\n}").map((d) => d.split(" ").slice(0, 2).join(" "))).toEqual(["NN1013 4:2", "NN2013 5:10"]);
    expect(codes("model repeat { input 4 }")).toEqual(["NN2014"]);
  });

  it("refuses labels that name nothing, and checks an assertion on input", () => {
    expect(codes("model m {\n i: input 4\n r: repeat 2 { relu }\n l: loss mse\n}")).toEqual(["NN2023", "NN2023", "NN2023"]);
    expect(codes("model m { input 4 -> 5 }")).toEqual(["NN3008"]);
  });

  it("warns about softmax before `loss softmax`", () => {
    expect(codes("model m { input 4, fc 3, softmax, loss softmax }")).toEqual(["NN2024"]);
  });

  it("keeps the model after a warning and drops it after an error (severity from the message table)", () => {
    for (const text of ["model m { input 1x28x28, conv 5x5 x1 stride 2 }", "model m { input 4, fc 3, softmax, loss softmax }"]) {
      const r = checkSource("t.nnspec", text);
      expect(r.diagnostics.map((d) => d.severity)).toEqual(["warning"]);
      expect(r.models.map((m) => m.name)).toEqual(["m"]);
    }
    const bad = checkSource("t.nnspec", "model m { input 1x4x4, conv 5x5 x1 stride 2 }");
    expect(bad.diagnostics.map((d) => d.severity)).toEqual(["error"]);
    expect(bad.models).toEqual([]);
  });

  it("keeps automatic names clear of labels inside repeat", () => {
    expect(summary("model m { input 4, relu, repeat 1 { relu1: relu } }").layers.map((l) => l.name)).toEqual(["relu2", "relu1"]);
  });

  it("puts an underscore before the counter of a kind that ends in a digit (relu6_1), so relu6 stays the sixth relu", () => {
    const relus = Array.from({ length: 6 }, () => "relu").join(", ");
    const names = summary(`model m { input 4, ${relus}, relu6, relu6 }`).layers.map((l) => l.name);
    expect(names.slice(-3)).toEqual(["relu6", "relu6_1", "relu6_2"]);
  });

  it("counts unread rows and columns separately", () => {
    expect(diagnose("model m { input 1x7x8, maxpool 3 }")[0]).toContain("the last row and 2 columns of the 7x8 input are never read");
  });

  it("explains a name used outside a block", () => {
    expect(diagnose("model m { input 4, repeat n { relu } }")[0]).toMatch(/NN2021 .*`n` is not defined here/);
  });
});

describe("recovery at the top level", () => {
  it("reports stray text once per run of lines and still checks the models after it", () => {
    const d = diagnose("Model m { input 4 }\nfoo\nbar\nmodel n {\n input 4\n dropout 2\n}\nbaz\n");
    expect(d.map((x) => x.split(" ").slice(0, 2).join(" "))).toEqual(["NN1012 1:1", "NN2013 6:10", "NN1012 8:1"]);
  });

  it("accepts the opening brace on the next line", () => {
    expect(codes("model m\n{\n input 4\n}\nblock b()\n{\n relu\n}\n")).toEqual([]);
  });

  it("gives one error for a keyword used as a label", () => {
    expect(codes("model m {\n input 4\n block: relu\n}")).toEqual(["NN2014"]);
  });

  it("shows no model when the model's text has an error", () => {
    expect(() => summary("model m {\n input 4\n fc: relu\n}")).toThrow(/no model checked/);
  });
});

