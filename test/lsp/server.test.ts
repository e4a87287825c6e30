/** `nnspec lsp` over stdio: diagnostics on open and change, hover and inlay hints (one server for the file). */
import { beforeAll, describe, expect, it } from "vitest";
import { LspClient, serverForFile } from "../helpers/lsp.js";
import { at } from "../helpers/lsp-text.js";

const BAD = `block stage(width) {
  conv 3x3 x width pad 1
  relu
  maxpool 2 -> 8x8x9
}

model m {
  input 1x16x16
  first: stage(8)
  flatten                 -> 512
  fc 10
  loss softmax
}
`;
const GOOD = BAD.replace("8x8x9", "8x8x8");

let client: LspClient;
serverForFile((c) => (client = c));

describe("diagnostics", () => {
  it("an error inside a block: its range, the call site as related information; fixing it clears them", async () => {
    const uri = "file:///tmp/lsp-diag.nnspec";
    const opened = await client.open(uri, BAD);
    expect(opened.diagnostics).toHaveLength(1);
    const d = opened.diagnostics[0]!;
    expect(d.code).toBe("NN3008");
    expect(d.severity).toBe(1);
    expect(d.range).toEqual({ start: at(BAD, "-> 8x8x9"), end: { ...at(BAD, "8x8x9"), character: at(BAD, "8x8x9").character + 5 } });
    expect(d.message).toContain("help:");
    expect(d.relatedInformation).toEqual([{ location: { uri, range: { start: at(BAD, "first: stage(8)"), end: { ...at(BAD, "stage(8)"), character: at(BAD, "stage(8)").character + 8 } } }, message: "in `stage(8)`" }]);
    const fixed = await client.change(uri, GOOD);
    expect(fixed.diagnostics).toEqual([]);
  });

  it("a warning stays a warning", async () => {
    const text = "model w {\n  input 28x28x1\n  flatten\n  fc 10\n}\n";
    const p = await client.open("file:///tmp/lsp-warn.nnspec", text);
    expect(p.diagnostics.map((d) => [d.code, d.severity])).toEqual([["NN3014", 2]]);
  });

  it("columns after a surrogate pair count two UTF-16 units (LSP), not one character", async () => {
    // The checker's columns count the emoji as one character each (x is column 4); LSP counts UTF-16 units (x is character 5).
    const p = await client.open("file:///tmp/lsp-utf16.nnspec", "model s { input 4, fc 2 }\n🧠🧠 x\n");
    expect(p.diagnostics.map((d) => [d.code, d.range])).toEqual([
      ["NN1001", { start: { line: 1, character: 0 }, end: { line: 1, character: 4 } }],
      ["NN1012", { start: { line: 1, character: 5 }, end: { line: 1, character: 6 } }],
    ]);
  });
});

describe("hover and inlay hints", () => {
  const uri = "file:///tmp/lsp-hover.nnspec";
  const text = GOOD;
  beforeAll(async () => {
    await client.open(uri, text);
  });

  it("hints give each unasserted line's shape and the parameters of layers with weights", async () => {
    const hints = await client.request<{ position: { line: number; character: number }; label: string }[]>("textDocument/inlayHint", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } } });
    const byLine = Object.fromEntries(hints.map((h) => [h.position.line, h.label]));
    expect(byLine[1]).toBe("→ 8x16x16 · 80 params");
    expect(byLine[2]).toBe("→ 8x16x16");
    expect(byLine[3]).toBeUndefined(); // asserted
    expect(byLine[8]).toBe("→ 8x8x8");
    expect(byLine[9]).toBeUndefined(); // asserted
    expect(byLine[10]).toBe("→ 10 · 5,130 params");
    expect(hints.find((h) => h.position.line === 1)!.position.character).toBe("  conv 3x3 x width pad 1".length);
  });

  it("a model with an error: lines before it keep their hints, the line with the error has none", async () => {
    const broken = "model e {\n  input 1x8x8\n  conv 3x3 x4 pad 1\n  fc 10\n  loss softmax\n}\n";
    const u = "file:///tmp/lsp-broken.nnspec";
    expect((await client.open(u, broken)).diagnostics.map((d) => d.code)).toEqual(["NN3003"]);
    const hints = await client.request<{ position: { line: number }; label: string }[]>("textDocument/inlayHint", { textDocument: { uri: u }, range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } } });
    expect(hints.map((h) => [h.position.line, h.label])).toEqual([[2, "→ 4x8x8 · 40 params"]]);
  });

  it("hover on a conv: kind, shapes, parameters, FLOPs and the output-size arithmetic", async () => {
    const h = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: at(text, "conv") });
    expect(h.contents.value).toContain("**conv**");
    expect(h.contents.value).toContain("`1x16x16` → `8x16x16` · 80 params");
    expect(h.contents.value).toContain("(16 + 2·1 − 3) / 1 + 1 = 16");
  });

  it("hover on a maxpool shows its rounding arithmetic", async () => {
    const h = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: at(text, "maxpool") });
    expect(h.contents.value).toContain("(16 + 2·0 − 2) / 2 + 1 = 8");
  });

  it("hover on a block call: signature and expansion; on a parameter: its value in each call", async () => {
    const call = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: at(text, "stage(8)") });
    expect(call.contents.value).toContain("**block** `stage(width)`");
    expect(call.contents.value).toContain("in `stage(8)`: `1x16x16` → `8x8x8`");
    expect(call.contents.value).toContain("`first.conv1` conv → `8x16x16`");
    const param = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: at(text, "width pad") });
    expect(param.contents.value).toContain("`width = 8`");
    expect(param.contents.value).toContain("line 9");
  });

  it("hover on nothing is null", async () => {
    expect(await client.request("textDocument/hover", { textDocument: { uri }, position: { line: 5, character: 0 } })).toBeNull();
  });
});
