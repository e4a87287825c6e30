/**
 * Completion: at the start of a statement, the layer kinds (with a snippet of
 * their words), the structure keywords and the blocks (with their
 * parameters); after a layer's words, the options it takes that are not
 * written yet, or the values an option takes; after `->`, the shape the
 * checker inferred there first; outside any model or block, `model` and `block`.
 */
import { CompletionItemKind, InsertTextFormat, type CompletionItem, type Position } from "vscode-languageserver";
import { LAYERS } from "../../compiler/layers/registry.js";
import { optionValueWords } from "../../compiler/args.js";
import { analyze, toOffset, type Analysis } from "./analysis.js";
import { distinctShapes, statementOutputs } from "./expansions.js";
import { declarationAt } from "./statements.js";

const STRUCTURE: { label: string; snippet: string; detail: string }[] = [
  { label: "residual", snippet: "residual {\n\t$0\n}", detail: "x + body(x)" },
  { label: "shortcut", snippet: "shortcut {\n\t$0\n}", detail: "after a residual's `}`: the path added to the body" },
  { label: "concat", snippet: "concat {\n\tbranch { $1 }\n\tbranch { $2 }\n}", detail: "branches joined along channels" },
  { label: "branch", snippet: "branch { $0 }", detail: "one path of a concat" },
  { label: "gate", snippet: "gate {\n\t$0\n}", detail: "x ⊙ body(x)" },
  { label: "repeat", snippet: "repeat ${1:N} {\n\t$0\n}", detail: "the body N times" },
];

export function completion(a: Analysis, position: Position): CompletionItem[] {
  if (!a.file || !a.program) return [];
  const offset = toOffset(a, position);
  const lineStart = a.file.lineStarts[a.file.lineIndex(offset)]!;
  const before = a.file.text.slice(lineStart, offset);
  if (before.includes("#")) return [];
  const decl = declarationAt(a.program, offset);
  const segment = before.slice(Math.max(before.lastIndexOf(","), before.lastIndexOf("{")) + 1).replace(/^\s*[A-Za-z_][A-Za-z0-9_]*\s*:(?!\S*:)/, "").trimStart();
  if (!decl || (decl.span.start <= offset && offset <= decl.name.span.end)) return /^\w*$/.test(before.trim()) ? topLevel() : [];
  if (segment.includes("->")) return shapes(a, lineStart, lineStart + before.lastIndexOf("->"), offset);
  if (/^[A-Za-z_]\w*$|^$/.test(segment)) return statementStarts(a, decl.type === "block" ? decl.name.text : undefined);
  const [kind, ...words] = segment.split(/\s+/);
  const def = LAYERS.get(kind!);
  if (!def) return [];
  const previous = words.length >= 2 ? words[words.length - 2]! : undefined;
  const option = previous !== undefined && Object.prototype.hasOwnProperty.call(def.options, previous) ? def.options[previous]! : undefined;
  if (option && optionValueWords(option).length) return optionValueWords(option).map((w) => ({ label: w, kind: CompletionItemKind.EnumMember, detail: `${previous} ${w}` }));
  const params = decl.type === "block" ? decl.params.map((p) => ({ label: p.text, kind: CompletionItemKind.Variable, detail: `parameter of ${decl.name.text}` })) : [];
  const written = new Set(words);
  const options = Object.entries(def.options)
    .filter(([name]) => !written.has(name))
    .map(([name, o]): CompletionItem => ({
      label: name,
      kind: CompletionItemKind.Property,
      detail: `${kind} [${def.plus ? "+ " : ""}${name}${o.value ? ` ${o.value}` : ""}]`,
      ...(o.value ? { insertText: `${name} \${1:${o.value.split("|")[0]}}`, insertTextFormat: InsertTextFormat.Snippet } : {}),
    }));
  return [...options, ...params];
}

function topLevel(): CompletionItem[] {
  return [
    { label: "model", kind: CompletionItemKind.Keyword, insertText: "model ${1:name} {\n\tinput ${2:1x28x28}\n\t$0\n}", insertTextFormat: InsertTextFormat.Snippet, detail: "a model: input, layers, loss" },
    { label: "block", kind: CompletionItemKind.Keyword, insertText: "block ${1:name}(${2:width}) {\n\t$0\n}", insertTextFormat: InsertTextFormat.Snippet, detail: "a reusable group of statements" },
  ];
}

/** Layer kinds, structure keywords and blocks (a block does not call itself). */
function statementStarts(a: Analysis, inBlock: string | undefined): CompletionItem[] {
  const layers = [...LAYERS.values()].map((d): CompletionItem => ({
    label: d.kind,
    kind: CompletionItemKind.Function,
    detail: d.usage,
    documentation: d.doc,
    insertText: layerSnippet(d.kind, d.words),
    insertTextFormat: InsertTextFormat.Snippet,
  }));
  const structure = STRUCTURE.map((s): CompletionItem => ({ label: s.label, kind: CompletionItemKind.Keyword, detail: s.detail, insertText: s.snippet, insertTextFormat: InsertTextFormat.Snippet }));
  const blocks = a.program!.blocks
    .filter((b) => b.name.text !== inBlock)
    .map((b): CompletionItem => ({
      label: b.name.text,
      kind: CompletionItemKind.Module,
      detail: `block ${b.name.text}(${b.params.map((p) => p.text).join(", ")})`,
      insertText: `${b.name.text}(${b.params.map((p, i) => `\${${i + 1}:${p.text}}`).join(", ")})`,
      insertTextFormat: InsertTextFormat.Snippet,
    }));
  return [...layers, ...structure, ...blocks];
}

/** `conv ${1:KHxKW} ${2:xF}`: the required words as placeholders, alternatives as a choice; optional ones left out. */
export function layerSnippet(kind: string, words: string | undefined): string {
  const required = (words ?? "").split(" ").filter((w) => w && !w.startsWith("["));
  return [kind, ...required.map((w, i) => (w.includes("|") ? `\${${i + 1}|${w.split("|").join(",")}|}` : `\${${i + 1}:${w.replace(/\[.*\]$/, "")}}`))].join(" ");
}

/**
 * After `->`: the shape the statement before it gives (each distinct one when a
 * block is used with several). A half-typed assertion is a mistake in the
 * statement, so the text is checked again without it.
 */
function shapes(a: Analysis, lineStart: number, arrow: number, offset: number): CompletionItem[] {
  const text = a.file!.text;
  const b = analyze(a.uri, text.slice(0, arrow) + text.slice(offset));
  // The statement that ends last before the arrow on this line (outermost on a tie: `} ->` asserts the residual).
  const ending = b.statements.map((s) => s.stmt).filter((s) => s.span.end >= lineStart && s.span.end <= arrow && s.type !== "repeat");
  const stmt = ending.reduce<(typeof ending)[number] | undefined>((x, y) => (!x || y.span.end > x.span.end || (y.span.end === x.span.end && y.span.start < x.span.start) ? y : x), undefined);
  if (!stmt) return [];
  const shown = distinctShapes(statementOutputs(b, stmt));
  return shown
    .split(" | ")
    .filter(Boolean)
    .map((shape, i) => ({ label: shape, kind: CompletionItemKind.Value, detail: "the shape the checker inferred", sortText: String(i).padStart(3, "0"), preselect: i === 0 }));
}
