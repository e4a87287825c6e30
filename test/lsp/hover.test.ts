/** Hover, in process: a block parameter passed on as another block's argument shows its value in each call, as the checker bound it. */
import { describe, expect, it } from "vitest";
import type { MarkupContent } from "vscode-languageserver";
import { analyze } from "../../cli/lsp/analysis.js";
import { hover } from "../../cli/lsp/hover.js";

const TEXT = `block inner(w) {
  conv 3x3 x w pad 1
}

block outer(c, d) {
  repeat d { inner(c) }
  inner(8)
  relu
}

model m {
  input 1x8x8
  outer(16, 2)
  outer(32, 2)
}
`;

const shown = (line: number, character: number): string => ((hover(analyze("file:///tmp/hover.nnspec", TEXT), { line, character })!.contents as MarkupContent).value);

describe("hover on a block parameter", () => {
  it("an argument that is another block's parameter: resolved in each call; a literal as written", () => {
    expect(shown(0, 12).split("\n").slice(2)).toEqual([
      "- line 6: `w = c` = `16` in `outer(16, 2)`, line 13",
      "- line 6: `w = c` = `32` in `outer(32, 2)`, line 14",
      "- line 7: `w = 8`",
    ]);
  });

  it("a parameter of a block the model calls: its value in each call", () => {
    expect(shown(4, 12).split("\n").slice(2)).toEqual(["- line 13: `c = 16`", "- line 14: `c = 32`"]);
  });
});
