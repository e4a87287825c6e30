/** `nnspec lsp`: completion, definition, references, rename, outline, semantic tokens, quick fixes and formatting (one server for the file). */
import { beforeAll, describe, expect, it } from "vitest";
import { LspClient, serverForFile } from "../helpers/lsp.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import { at } from "../helpers/lsp-text.js";

const TEXT = `block stage(width) {
  conv 3x3 x width pad 1
  relu
  maxpool 2
}

model m {
  input 1x16x16
  first: stage(8)
  stage(16)
  flatten
  fc 10
  loss softmax
}
`;
const uri = "file:///tmp/lsp-features.nnspec";
let client: LspClient;
serverForFile((c) => (client = c));
beforeAll(async () => {
  await client.open(uri, TEXT);
});

type Item = { label: string; insertText?: string; preselect?: boolean };
const complete = async (text: string, position: { line: number; character: number }, u = uri): Promise<Item[]> => {
  await client.change(u, text);
  const r = await client.request<Item[] | { items: Item[] }>("textDocument/completion", { textDocument: { uri: u }, position });
  return Array.isArray(r) ? r : r.items;
};

describe("completion", () => {
  it("at a statement's start: layer kinds with snippets, structure keywords, blocks with their parameters", async () => {
    const text = TEXT.replace("  flatten\n", "  \n  flatten\n");
    const items = await complete(text, { line: 10, character: 2 });
    const by = new Map(items.map((i) => [i.label, i]));
    expect(by.get("conv")!.insertText).toBe("conv ${1:KHxKW} ${2:xF}");
    expect(by.get("loss")!.insertText).toBe("loss ${1|softmax,mse|}");
    expect(by.get("stage")!.insertText).toBe("stage(${1:width})");
    expect(by.has("residual")).toBe(true);
  });

  it("after a layer's words: its options not written yet, and the values an option takes", async () => {
    const text = TEXT.replace("conv 3x3 x width pad 1", "conv 3x3 x width pad 1 ");
    const labels = (await complete(text, { line: 1, character: 25 })).map((i) => i.label);
    expect(labels).toContain("stride");
    expect(labels).toContain("nobias");
    expect(labels).not.toContain("pad");
    expect(labels).toContain("width"); // a parameter of the block
    const pad = TEXT.replace("conv 3x3 x width pad 1", "conv 3x3 x width pad ");
    expect((await complete(pad, { line: 1, character: 23 })).map((i) => i.label)).toEqual(["same", "valid"]);
  });

  it("after `->`: the inferred shape first", async () => {
    const text = TEXT.replace("  flatten\n", "  flatten ->\n");
    const items = await complete(text, { line: 10, character: 12 });
    expect(items[0]).toMatchObject({ label: "256", preselect: true });
  });

  it("outside any model or block: model and block", async () => {
    const items = await complete(TEXT + "mo", { line: 15, character: 2 });
    expect(items.map((i) => i.label)).toEqual(["model", "block"]);
  });
});

describe("navigation", () => {
  beforeAll(async () => {
    await client.change(uri, TEXT);
  });
  type Loc = { range: { start: { line: number; character: number } } };

  it("definition of a block call and of a block parameter", async () => {
    const block = await client.request<Loc>("textDocument/definition", { textDocument: { uri }, position: at(TEXT, "stage(16)") });
    expect(block.range.start).toEqual(at(TEXT, "stage(width)"));
    const param = await client.request<Loc>("textDocument/definition", { textDocument: { uri }, position: at(TEXT, "width pad") });
    expect(param.range.start).toEqual(at(TEXT, "width)"));
  });

  it("references of a block: its declaration and both calls", async () => {
    const refs = await client.request<Loc[]>("textDocument/references", { textDocument: { uri }, position: at(TEXT, "stage(width)"), context: { includeDeclaration: true } });
    expect(refs.map((r) => r.range.start)).toEqual([at(TEXT, "stage(width)"), at(TEXT, "stage(8)"), at(TEXT, "stage(16)")]);
  });

  it("rename a block parameter: a workspace edit for every use; a keyword is refused", async () => {
    const edit = await client.request<{ changes: Record<string, { range: Loc["range"]; newText: string }[]> }>("textDocument/rename", { textDocument: { uri }, position: at(TEXT, "width pad"), newName: "channels_out" });
    const edits = edit.changes[uri]!;
    expect(edits.map((e) => e.range.start)).toEqual([at(TEXT, "width)"), at(TEXT, "width pad")]);
    expect(edits.every((e) => e.newText === "channels_out")).toBe(true);
    await expect(client.request("textDocument/rename", { textDocument: { uri }, position: at(TEXT, "stage(8)"), newName: "conv" })).rejects.toThrow(/word of the nnspec language/);
  });

  it("rename a block renames its declaration and its calls, and the result checks", async () => {
    const edit = await client.request<{ changes: Record<string, { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]> }>("textDocument/rename", { textDocument: { uri }, position: at(TEXT, "stage(8)"), newName: "down" });
    const lines = TEXT.split("\n");
    for (const e of [...edit.changes[uri]!].reverse()) {
      const l = lines[e.range.start.line]!;
      lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
    }
    const renamed = lines.join("\n");
    expect(renamed).toContain("block down(width)");
    expect(renamed).toContain("first: down(8)\n  down(16)");
    expect((await client.change(uri, renamed)).diagnostics).toEqual([]);
    await client.change(uri, TEXT);
  });
});

describe("outline and semantic tokens", () => {
  it("document symbols: the block and the model, layers with their shapes", async () => {
    await client.change(uri, TEXT);
    const symbols = await client.request<{ name: string; detail: string; children?: { name: string; detail: string }[] }[]>("textDocument/documentSymbol", { textDocument: { uri } });
    expect(symbols.map((s) => s.name)).toEqual(["stage", "m"]);
    expect(symbols[1]!.children!.map((c) => `${c.name} ${c.detail}`)).toEqual(["input ", "first: stage(…) → 8x8x8", "stage(…) → 16x4x4", "flatten → 256", "fc → 10", "loss "]);
    expect(symbols[0]!.children![0]).toMatchObject({ name: "conv", detail: "→ 8x16x16 | 16x8x8" });
  });

  it("semantic tokens: keywords, layer kinds, parameters, numbers and comments", async () => {
    const text = "# a comment\n" + TEXT;
    await client.change(uri, text);
    const legend = ["keyword", "function", "class", "parameter", "variable", "property", "number", "operator", "comment", "enumMember"];
    const r = await client.request<{ data: number[] }>("textDocument/semanticTokens/full", { textDocument: { uri } });
    const decoded: string[] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < r.data.length; i += 5) {
      const [dl, dc, len, type] = r.data.slice(i, i + 4) as [number, number, number, number];
      char = dl === 0 ? char + dc : dc;
      line += dl;
      decoded.push(`${text.split("\n")[line]!.slice(char, char + len)}:${legend[type]}`);
    }
    expect(decoded.slice(0, 12)).toEqual(["# a comment:comment", "block:keyword", "stage:function", "width:parameter", "conv:function", "3x3:number", "x:enumMember", "width:parameter", "pad:property", "1:number", "relu:function", "maxpool:function"]);
    await client.change(uri, TEXT);
  });
});

type TextEdit = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string };
const applyEdits = (u: string, text: string, edits: TextEdit[]) => TextDocument.applyEdits(TextDocument.create(u, "nnspec", 1, text), edits);

describe("quick fixes and formatting, end to end", () => {
  it("a code action from the checker's suggestion: applying it clears the diagnostic", async () => {
    const u = "file:///tmp/lsp-fix.nnspec";
    const text = "model m {\n  input 1x8x8\n  conv 3x3 x4 pad 1\n  fc 10\n  loss softmax\n}\n";
    const opened = await client.open(u, text);
    const d = opened.diagnostics.find((x) => x.code === "NN3003")!;
    expect(d).toBeDefined();
    const actions = await client.request<{ title: string; isPreferred?: boolean; edit: { changes: Record<string, TextEdit[]> } }[]>("textDocument/codeAction", { textDocument: { uri: u }, range: d.range, context: { diagnostics: [d] } });
    const action = actions.find((a) => /flatten/.test(a.title))!;
    expect(action.isPreferred).toBe(true);
    const fixed = applyEdits(u, text, action.edit.changes[u]!);
    expect(fixed).toContain("flatten");
    expect((await client.change(u, fixed)).diagnostics).toEqual([]);
  });

  it("formatting: one edit giving the formatter's layout; none for formatted text or a syntax error", async () => {
    const u = "file:///tmp/lsp-format.nnspec";
    const messy = "model m {\ninput 1x8x8\n   flatten    -> 64\n  fc 10\n  loss softmax\n}\n";
    await client.open(u, messy);
    const edits = await client.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    const formatted = applyEdits(u, messy, edits);
    expect(formatted.split("\n").slice(1, 3)).toEqual(["  input 1x8x8", "  flatten -> 64"]);
    await client.change(u, formatted);
    expect(await client.request("textDocument/formatting", { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
    await client.change(u, "model m {{\n");
    expect(await client.request("textDocument/formatting", { textDocument: { uri: u }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });
});
