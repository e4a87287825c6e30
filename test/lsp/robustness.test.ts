/**
 * Bad documents never crash `nnspec lsp`: binary garbage, a 5 MB file, and
 * half-typed lines (a sample of cursor positions in corpus specs; every
 * position is done in process by cursor-positions.test.ts); after each, the
 * server still answers diagnostics, hints, hover and completion.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LspClient, serverForFile } from "../helpers/lsp.js";
import { ROOT } from "../helpers/cli.js";
import { halfTypedEdits } from "../helpers/half-typed.js";

let client: LspClient;
serverForFile((c) => (client = c));

const uri = "file:///tmp/lsp-robust.nnspec";

/** Every request an editor sends while typing, at the end of the text; each must answer (null or a value), not fail. */
async function askEverything(text: string): Promise<void> {
  const lines = text.split(/\r\n|\r|\n/);
  const end = { line: lines.length - 1, character: lines[lines.length - 1]!.length };
  const doc = { textDocument: { uri } };
  await Promise.all([
    client.request("textDocument/hover", { ...doc, position: end }),
    client.request("textDocument/completion", { ...doc, position: end }),
    client.request("textDocument/inlayHint", { ...doc, range: { start: { line: 0, character: 0 }, end } }),
    client.request("textDocument/documentSymbol", doc),
    client.request("textDocument/semanticTokens/full", doc),
    client.request("textDocument/codeAction", { ...doc, range: { start: { line: 0, character: 0 }, end }, context: { diagnostics: [] } }),
    client.request("textDocument/definition", { ...doc, position: end }),
  ]);
}

describe("bad documents", () => {
  it("binary garbage: diagnostics, and every request answers", async () => {
    let garbage = "";
    for (let i = 0; i < 20_000; i++) garbage += String.fromCharCode((i * 7919 + (i >> 3)) % 0x3000);
    const first = await client.open(uri, garbage);
    expect(first.diagnostics.length).toBeGreaterThan(0);
    await askEverything(garbage);
  });

  it("a 5 MB document is not checked as you type: one warning that says so, and the server keeps answering", async () => {
    const big = "model m {\n  input 4\n" + "  relu\n".repeat(750_000) + "}\n";
    expect(big.length).toBeGreaterThan(5_000_000);
    const p = await client.change(uri, big);
    expect(p.diagnostics).toHaveLength(1);
    expect(p.diagnostics[0]!.message).toMatch(/does not check documents of more than \d+ characters/);
    await askEverything(big);
  });

  // A sample of the half-typed edits test/lsp/cursor-positions.test.ts makes at every cursor position, through the server, on a spec with blocks, residuals and repeats too.
  it.each([
    ["lenet5.nnspec", 23],
    ["resnet20.nnspec", 37],
  ])("half-typed lines in %s, every %sth cursor position", async (name, every) => {
    const spec = readFileSync(join(ROOT, "specs", name), "utf8");
    for (const { text } of halfTypedEdits(spec, every)) {
      await client.change(uri, text);
      await askEverything(text);
    }
    expect((await client.change(uri, spec)).diagnostics).toEqual([]);
  });
});
