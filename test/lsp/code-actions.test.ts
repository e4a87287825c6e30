/**
 * The issue's code action examples, end to end through `nnspec lsp`: the
 * published diagnostic offers the quick fix by its title, and applying the
 * action's edit to the document makes the server publish no such diagnostic.
 */
import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { CodeAction, Diagnostic } from "vscode-languageserver-protocol";
import { LspClient, serverForFile } from "../helpers/lsp.js";

let client: LspClient;
serverForFile((c) => (client = c));

const m = (...lines: string[]): string => `model m {\n${lines.map((l) => `  ${l}\n`).join("")}}\n`;

describe("the quick fixes the help lines describe", () => {
  it.each([
    ["add `flatten` before it", m("input 16x5x5", "fc 10"), m("input 16x5x5", "flatten", "fc 10")],
    ["change the assertion to `16x5x5`", m("input 16x10x10", "maxpool 2 -> 16x4x4"), m("input 16x10x10", "maxpool 2 -> 16x5x5")],
    ["replace `maxpol` with `maxpool`", m("input 1x8x8", "maxpol 2"), m("input 1x8x8", "maxpool 2")],
    ["add `pad 1`", m("input 3x32x32", "conv 3x3 x16 -> 16x32x32"), m("input 3x32x32", "conv 3x3 x16 pad 1 -> 16x32x32")],
    [
      "add a `shortcut { conv 1x1 x32 stride 2 }`",
      m("input 16x32x32", "residual { conv 3x3 x32 stride 2 pad 1 }"),
      m("input 16x32x32", "residual { conv 3x3 x32 stride 2 pad 1 } shortcut { conv 1x1 x32 stride 2 }"),
    ],
  ])("%s", async (title, text, fixed) => {
    const uri = `file:///tmp/lsp-action-${title.replace(/\W+/g, "-")}.nnspec`;
    const published = await client.open(uri, text);
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri },
      range: published.diagnostics[0]!.range,
      context: { diagnostics: published.diagnostics },
    });
    const action = actions.find((x) => x.title === title);
    expect(action, `titles: ${actions.map((x) => x.title).join(" | ")}`).toBeDefined();
    const fixedDiagnostic: Diagnostic = action!.diagnostics![0]!;
    const after = TextDocument.applyEdits(TextDocument.create(uri, "nnspec", 1, text), action!.edit!.changes![uri]!);
    expect(after).toBe(fixed);
    const republished = await client.change(uri, after);
    expect(republished.diagnostics.filter((d) => d.code === fixedDiagnostic.code && d.severity === 1)).toEqual([]);
    client.close(uri);
  });
});
