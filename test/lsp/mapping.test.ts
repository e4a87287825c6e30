/**
 * In-process checks of what the server builds from the checker's data:
 * suggestions → code actions (a suggestion made here, on a real diagnostic:
 * applying the action must clear that diagnostic), and the formatter's
 * result → one whole-document edit (a stand-in formatter: part F's comes with the merge).
 */
import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import { analyze } from "../../cli/lsp/analysis.js";
import { codeActions } from "../../cli/lsp/actions.js";
import { formatDocument } from "../../cli/lsp/formatting.js";

const uri = "file:///tmp/mapping.nnspec";
const whole = { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } };

describe("code actions from Diagnostic.suggestions", () => {
  it("a suggestion becomes a quick fix whose edit removes the diagnostic", () => {
    const text = "\ufeffmodel m {\n  input 4\n  reul # 🧠\n  fc 2\n}\n";
    const a = analyze(uri, text);
    const d = a.diagnostics.find((x) => x.code === "NN2001" || /reul/.test(x.message))!;
    expect(d).toBeDefined();
    d.suggestions = [{ message: "change to `relu`", edits: [{ file: d.file, span: d.span, text: "relu" }], applicable: true }];
    const actions = codeActions(a, { start: { line: 2, character: 3 }, end: { line: 2, character: 3 } });
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ title: "change to `relu`", kind: "quickfix", isPreferred: true });
    expect(actions[0]!.diagnostics![0]!.code).toBe(d.code);
    const doc = TextDocument.create(uri, "nnspec", 1, text);
    const fixed = TextDocument.applyEdits(doc, actions[0]!.edit!.changes![uri]!);
    expect(fixed).toBe(text.replace("reul", "relu"));
    expect(analyze(uri, fixed).diagnostics).toEqual([]);
  });

  it("no suggestions, or a range away from the diagnostic: no actions", () => {
    const a = analyze(uri, "model m {\n  input 4\n  reul\n}\n");
    expect(codeActions(a, whole)).toHaveLength(1); // the checker's own suggestion (relu)
    delete a.diagnostics[0]!.suggestions;
    expect(codeActions(a, whole)).toEqual([]);
    a.diagnostics[0]!.suggestions = [{ message: "x", edits: [], applicable: false }];
    expect(codeActions(a, { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } })).toEqual([]);
    expect(codeActions(a, whole)[0]!.isPreferred).toBeUndefined();
  });
});

describe("formatting", () => {
  const fmt = (_: string, text: string) => (text.includes("{{") ? { errors: [] } : { text: text.replace(/[ \t]+\n/g, "\n"), changed: /[ \t]\n/.test(text) });

  it("one edit replacing the whole text after a BOM; none when unchanged or refused", () => {
    const text = "\ufeffmodel m {   \n  input 4\n  fc 2\n}\n";
    const edits = formatDocument(analyze(uri, text), fmt)!;
    expect(edits).toHaveLength(1);
    expect(TextDocument.applyEdits(TextDocument.create(uri, "nnspec", 1, text), edits)).toBe("\ufeffmodel m {\n  input 4\n  fc 2\n}\n");
    expect(formatDocument(analyze(uri, "model m {\n  input 4\n}\n"), fmt)).toEqual([]);
    expect(formatDocument(analyze(uri, "model m {{\n"), fmt)).toEqual([]);
  });
});
