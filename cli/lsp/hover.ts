/**
 * Hover: on a layer, its kind, input → output shape, parameters, FLOPs and the
 * arithmetic of its output size; on a block invocation, the block's signature
 * and what it expands to; on a block parameter, its value in each call.
 */
import type { Hover, Position } from "vscode-languageserver";
import type { BlockDeclaration, CallStatement, Statement } from "../../grammar/ast.js";
import type { Related } from "../../diagnostics/diagnostic.js";
import { LAYERS } from "../../compiler/layers/registry.js";
import type { Node } from "../../compiler/model.js";
import { formatShape } from "../../compiler/shape.js";
import { toOffset, toRange, type Analysis } from "./analysis.js";
import { outputArithmetic } from "./arithmetic.js";
import { callExpansions, count, hasError, nodeParams } from "./expansions.js";
import { nameAt } from "./names.js";
import { statementAt } from "./statements.js";

/** At most this many expansions or layers are listed. */
const LIST_LIMIT = 12;

export function hover(a: Analysis, position: Position): Hover | null {
  if (!a.program) return null;
  const offset = toOffset(a, position);
  const name = nameAt(a.program, a.statements, offset);
  if (name?.kind === "parameter") return markdown(parameterHover(a, name.block!, name.name));
  if (name?.kind === "block") {
    const block = a.program.blocks.find((b) => b.name.text === name.name);
    const at = statementAt(a.statements, offset)?.stmt;
    if (block && at?.type === "call" && at.callee.text === block.name.text) return markdown(callHover(a, block, at), toRange(a, at.callee.span));
    if (block) return markdown([signature(block), ...callsOf(a, block).map((c) => `- line ${line(a, c.span.start)}: \`${c.callee.text}(${c.args.map(argText).join(", ")})\``)].join("\n"));
    return null;
  }
  const info = statementAt(a.statements, offset);
  if (!info) return null;
  const lines = statementHover(a, info.stmt);
  return lines.length ? markdown(lines.join("\n"), toRange(a, info.stmt.span)) : null;
}

function statementHover(a: Analysis, s: Statement): string[] {
  if (s.type === "call") {
    const block = a.program!.blocks.find((b) => b.name.text === s.callee.text);
    return block ? [callHover(a, block, s)] : [];
  }
  if (s.type === "repeat") return [];
  const nodes = a.nodes.get(s.span.start) ?? [];
  const kind = s.type === "layer" ? s.kind.text : s.type;
  const def = s.type === "layer" ? LAYERS.get(kind) : undefined;
  const head = [`**${kind}**${def ? ` — \`${def.usage}\`` : ""}`];
  if (def) head.push("", def.doc);
  if (!nodes.length) return [...head, "", "_no shape: the layers before it, or this one, have errors_"];
  if (hasError(a, s)) head.push("", "_this statement has an error (see the diagnostic): the shapes below are the checker's recovery_");
  const many = nodes.length > 1;
  const body = nodes.slice(0, LIST_LIMIT).flatMap((n) => nodeLines(n, many));
  if (nodes.length > LIST_LIMIT) body.push(`- … ${nodes.length - LIST_LIMIT} more`);
  return [...head, "", ...body];
}

function nodeLines(n: Node, many: boolean): string[] {
  const params = nodeParams(n);
  const facts = [`\`${formatShape(n.input)}\` → \`${formatShape(n.output)}\``, params ? `${count(params)} params` : "", `${count(n.flops)} FLOPs`].filter(Boolean).join(" · ");
  const where = many ? `\`${n.name}\`${n.trail.length ? ` (${n.trail[n.trail.length - 1]!.message})` : ""}: ` : `\`${n.name}\`: `;
  const arithmetic = n.type === "layer" ? outputArithmetic(n).map((t) => `  - \`${t}\``) : [];
  return [`- ${where}${facts}`, ...arithmetic];
}

function callHover(a: Analysis, block: BlockDeclaration, call: CallStatement): string {
  const lines = [signature(block), ""];
  const expansions = callExpansions(a, call);
  if (!expansions.length) return [...lines, "_not expanded: the layers before it, or the block, have errors_"].join("\n");
  for (const e of expansions.slice(0, 3)) {
    lines.push(`${e.call.message}: \`${formatShape(e.input)}\` → \`${formatShape(e.output)}\``);
    for (const n of e.nodes.slice(0, LIST_LIMIT)) lines.push(`- \`${n.name}\` ${n.kind} → \`${formatShape(n.output)}\`${nodeParams(n) ? ` · ${count(nodeParams(n))} params` : ""}`);
    if (e.nodes.length > LIST_LIMIT) lines.push(`- … ${e.nodes.length - LIST_LIMIT} more`);
  }
  if (expansions.length > 3) lines.push(`… ${expansions.length - 3} more expansions`);
  return lines.join("\n");
}

function parameterHover(a: Analysis, block: BlockDeclaration, name: string): string {
  const i = block.params.findIndex((p) => p.text === name);
  const values = callsOf(a, block).flatMap((c) => {
    const arg = c.args[i];
    const written = `- line ${line(a, c.span.start)}: \`${name} = ${arg ? argText(arg) : "?"}\``;
    if (arg?.kind !== "name") return [written];
    // The argument is the calling block's parameter: its value in each expansion of this call.
    // A set: a call inside a `repeat` expands once per round, to the same line.
    const resolved = [...new Set(callExpansions(a, c).map((e) => `${written} = \`${resolvedArg(a, e.trail, i) ?? "?"}\` ${e.trail[0]!.message}, line ${line(a, e.trail[0]!.span.start)}`))];
    return resolved.length ? resolved.slice(0, LIST_LIMIT) : [written];
  });
  return [`**${name}**: parameter ${i + 1} of \`${block.name.text}(${block.params.map((p) => p.text).join(", ")})\``, "", ...(values.length ? values : ["_no calls_"])].join("\n");
}

/**
 * The value of argument `i` of the innermost call of a trail (the block
 * invocations from the model down to that call), bound as the checker binds
 * them: each call's arguments are read in the parameters of the call around it.
 */
function resolvedArg(a: Analysis, trail: readonly Related[], i: number): string | undefined {
  let env = new Map<string, string>();
  let last: string[] = [];
  for (const r of trail) {
    const call = a.statements.find(({ stmt }) => stmt.type === "call" && stmt.span.start === r.span.start && stmt.span.end === r.span.end)?.stmt as CallStatement | undefined;
    const block = call && a.program!.blocks.find((b) => b.name.text === call.callee.text);
    if (!call || !block) return undefined;
    last = call.args.map((v) => (v.kind === "name" ? (env.get(v.name) ?? "?") : v.text));
    env = new Map(block.params.map((p, k) => [p.text, last[k] ?? "?"]));
  }
  return last[i];
}

const signature = (b: BlockDeclaration) => `**block** \`${b.name.text}(${b.params.map((p) => p.text).join(", ")})\``;

function callsOf(a: Analysis, block: BlockDeclaration): CallStatement[] {
  return a.statements.flatMap(({ stmt }) => (stmt.type === "call" && stmt.callee.text === block.name.text ? [stmt] : []));
}

const argText = (v: CallStatement["args"][number]): string => (v.kind === "name" ? v.name : v.text);
const line = (a: Analysis, offset: number): number => a.file!.lineIndex(offset) + 1;

function markdown(value: string, range?: Hover["range"]): Hover {
  return range ? { contents: { kind: "markdown", value }, range } : { contents: { kind: "markdown", value } };
}
