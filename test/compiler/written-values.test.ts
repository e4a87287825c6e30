/**
 * Messages about numbers and characters name what the user wrote: a literal's
 * own text (and what it rounds to, when a double cannot hold it), and an
 * invisible character by its code point, never a blank between quotes.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import { renderText } from "../../diagnostics/render-text.js";
import { codes, diagnose, summary } from "../helpers/check.js";

describe("numbers as written", () => {
  it("`dropout 0.99999999999999999` is refused with the user's text, not `got 1`", () => {
    expect(diagnose("model m { input 4, dropout 0.99999999999999999 }")).toEqual([
      "NN2013 1:28 dropout probability must be in [0, 1), got 0.99999999999999999 (which rounds to 1)",
    ]);
  });

  it("`elu 1e-400` is refused with the user's text, not `got 0`", () => {
    expect(diagnose("model m { input 4, elu 1e-400 }")).toEqual(["NN2013 1:24 alpha must be greater than 0, got 1e-400 (which rounds to 0)"]);
  });

  it("a literal that a double holds is shown as written, without a note", () => {
    expect(diagnose("model m { input 4, dropout 1.50 }")).toEqual(["NN2013 1:28 dropout probability must be in [0, 1), got 1.50"]);
    expect(diagnose("model m { input 1x8x8, conv 2.5 x4 }")[0]).toMatch(/got 2\.5$/);
  });

  it("a repeat count is shown as written", () => {
    expect(diagnose("model m { input 4, repeat 1e6 { relu } }")[0]).toMatch(/repeat count 1e6 is too large/);
  });
});

describe("pooling padding", () => {
  it("`maxpool 2 pad 0` is accepted, as the docs say (pad ≥ 0)", () => {
    expect(codes("model m { input 1x8x8, maxpool 2 pad 0 }")).toEqual([]);
    expect(summary("model m { input 1x8x8, avgpool 3 stride 1 pad 0 }").outputShape).toEqual([1, 6, 6]);
  });

  it("a negative or fractional pool padding is still refused", () => {
    expect(codes("model m { input 1x8x8, maxpool 2 pad 0.5 }")).toEqual(["NN2013"]);
  });
});

describe("invisible characters", () => {
  it("U+2028 is named by its code point", () => {
    expect(diagnose("model m {\u2028 input 4 }")).toEqual(["NN1001 1:10 unexpected character U+2028 LINE SEPARATOR"]);
  });

  it("a zero-width space and a control character too; a visible one stays quoted", () => {
    expect(diagnose("model m { input\u200b 4 }")[0]).toMatch(/unexpected character U\+200B ZERO WIDTH SPACE$/);
    expect(diagnose("model m { input\u0007 4 }")[0]).toMatch(/unexpected character U\+0007$/);
    expect(diagnose("model m { input @ 4 }")[0]).toMatch(/unexpected character "@"$/);
  });

  it("the rendered snippet does not break its line at U+2028", () => {
    const d = checkSource("t.nnspec", "model m {\u2028 input 4 }").diagnostics[0]!;
    expect(renderText(d)).not.toMatch(/[\u2028\u2029]/);
  });
});
