/**
 * Half-typed lines at every cursor position (outside comments) of a few corpus specs, in process
 * (no guard: an exception fails the test): the spec typed up to the cursor,
 * and the spec with the line under the cursor typed up to it while the rest
 * of the file is already there. At each, every feature the server offers runs
 * at the cursor (hover, completion, definition, references, rename) and over
 * the whole document (diagnostics, inlay hints, code actions, outline,
 * semantic tokens, formatting). test/lsp/robustness.test.ts sends a sample
 * of the same edits through the server.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ResponseError } from "vscode-languageserver";
import { analyze, toPosition } from "../../cli/lsp/analysis.js";
import { codeActions } from "../../cli/lsp/actions.js";
import { completion } from "../../cli/lsp/completion.js";
import { lspDiagnostics } from "../../cli/lsp/diagnostics.js";
import { formatDocument } from "../../cli/lsp/formatting.js";
import { inlayHints } from "../../cli/lsp/hints.js";
import { hover } from "../../cli/lsp/hover.js";
import { definition, prepareRename, references, rename } from "../../cli/lsp/navigation.js";
import { documentSymbols } from "../../cli/lsp/symbols.js";
import { semanticTokens } from "../../cli/lsp/tokens.js";
import { ROOT } from "../helpers/root.js";
import { halfTypedEdits } from "../helpers/half-typed.js";

const uri = "file:///tmp/cursor.nnspec";
const whole = { start: { line: 0, character: 0 }, end: { line: 1_000, character: 0 } };

/** Everything the server would answer for `text` with the cursor at `cursor` (a UTF-16 offset). */
function askEverything(text: string, cursor: number): void {
  const a = analyze(uri, text);
  const at = toPosition(a, Math.max(0, cursor - a.shift));
  lspDiagnostics(a);
  inlayHints(a, whole);
  codeActions(a, whole);
  documentSymbols(a);
  semanticTokens(a);
  formatDocument(a);
  if (!a.program) return; // the server answers null without a parse
  hover(a, at);
  completion(a, at);
  definition(a, at);
  references(a, at, true);
  if (prepareRename(a, at)) {
    try {
      rename(a, at, "renamed_x");
    } catch (e) {
      if (!(e instanceof ResponseError)) throw e; // a refused name is an answer
    }
  }
}

describe("every cursor position of corpus specs, half-typed", () => {
  // Plain layers and the output-size arithmetic; a block, concat branches, gates and labels; residuals, shortcuts and repeats. Each position is a full check: keep the list short.
  // Every position of LeNet-5; every 2nd of branches, every 4th of ResNet-20 (twice as long): a few seconds.
  it.each([
    ["lenet5.nnspec", 1],
    ["branches.nnspec", 2],
    ["resnet20.nnspec", 4],
  ])("%s, every %s cursor position", (name, every) => {
    const spec = readFileSync(join(ROOT, "specs", name), "utf8");
    let edits = 0;
    for (const { text, cursor } of halfTypedEdits(spec, every)) {
      try {
        askEverything(text, cursor);
      } catch (e) {
        throw new Error(`${name}, cursor at ${cursor} of ${JSON.stringify(text.slice(Math.max(0, cursor - 30), cursor))}: ${(e as Error).stack}`);
      }
      edits++;
    }
    expect(edits).toBeGreaterThan(spec.replace(/#[^\n]*/g, "").length / every);
  });
});
