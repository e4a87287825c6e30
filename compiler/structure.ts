/**
 * Checks that need no shapes, over every model and block, used or not:
 * unknown layers and blocks, argument counts, recursion among blocks,
 * duplicate definitions, reserved names, `input`/`loss` out of place.
 * Statements found wrong here are returned so shape checking skips them quietly.
 */
import { nestedBodies, type BlockDeclaration, type Program, type Statement } from "../grammar/ast.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { LAYERS, OPTION_WORDS, RESERVED } from "./layers/registry.js";
import { suggestion } from "../diagnostics/suggest.js";
import { typoFixes } from "../diagnostics/fix.js";

export interface Structure {
  blocks: Map<string, BlockDeclaration>;
  /** Statements already reported; shape checking treats their output as unknown. */
  bad: WeakSet<Statement>;
  /** Blocks on a cycle of invocations. */
  recursive: Set<string>;
}

export function checkStructure(program: Program, bag: DiagnosticBag): Structure {
  const file = program.file;
  const blocks = new Map<string, BlockDeclaration>();
  const bad = new WeakSet<Statement>();
  for (const b of program.blocks) {
    if (blocks.has(b.name.text)) bag.report("NN2007", file, b.name.span, { what: "block", name: b.name.text });
    else blocks.set(b.name.text, b);
    if (RESERVED.has(b.name.text)) bag.report("NN2014", file, b.name.span, { name: b.name.text, what: "a block" });
    const seen = new Set<string>();
    for (const p of b.params) {
      if (seen.has(p.text)) bag.report("NN2022", file, p.span, { name: p.text, block: b.name.text });
      seen.add(p.text);
      if (RESERVED.has(p.text) || OPTION_WORDS.has(p.text)) bag.report("NN2014", file, p.span, { name: p.text, what: "a block parameter" });
    }
  }
  const models = new Set<string>();
  for (const m of program.models) {
    if (models.has(m.name.text)) bag.report("NN2007", file, m.name.span, { what: "model", name: m.name.text });
    models.add(m.name.text);
    if (RESERVED.has(m.name.text)) bag.report("NN2014", file, m.name.span, { name: m.name.text, what: "a model" });
  }
  const blockNames = [...blocks.keys()];
  const layerNames = [...LAYERS.keys()];

  const visit = (stmts: Statement[], where: "model" | "block" | "nested"): void => {
    for (const s of stmts) {
      if (s.label && RESERVED.has(s.label.text)) bag.report("NN2014", file, s.label.span, { name: s.label.text, what: "a layer" });
      switch (s.type) {
        case "layer": {
          const kind = s.kind.text;
          if (!LAYERS.has(kind)) {
            bad.add(s);
            const help = blocks.has(kind)
              ? `\`${kind}\` is a block: call it with parentheses, \`${kind}(${blocks.get(kind)!.params.map((p) => p.text).join(", ")})\``
              : suggestion(kind, [...layerNames, ...blockNames], "layers");
            // A block name in place of a layer kind would need its arguments: only layer names are offered as edits.
            const suggestions = blocks.has(kind) ? [] : typoFixes(file, s.kind.span, kind, [...layerNames, ...blockNames]).filter((f) => !blocks.has(f.edits[0]!.text));
            bag.report("NN2001", file, s.kind.span, { name: kind, suggestion: help }, { suggestions });
          } else if ((kind === "input" || kind === "loss") && where !== "model") {
            bad.add(s);
            const hint = kind === "input" ? "the input shape is the model's first statement" : "the loss is the model's last statement";
            bag.report("NN2015", file, s.kind.span, { kind, hint });
          }
          break;
        }
        case "call": {
          const block = blocks.get(s.callee.text);
          if (!block) {
            bad.add(s);
            const help = LAYERS.has(s.callee.text)
              ? `\`${s.callee.text}\` is a layer: write its words without parentheses, e.g. \`${LAYERS.get(s.callee.text)!.usage}\``
              : suggestion(s.callee.text, blockNames, "blocks");
            const suggestions = LAYERS.has(s.callee.text) ? [] : typoFixes(file, s.callee.span, s.callee.text, blockNames);
            bag.report("NN2003", file, s.callee.span, { name: s.callee.text, suggestion: help }, { suggestions });
          } else if (block.params.length !== s.args.length) {
            bad.add(s);
            const expected = block.params.length;
            bag.report(
              "NN2004",
              file,
              s.span,
              { name: block.name.text, expected, s: expected === 1 ? "" : "s", actual: s.args.length, were: s.args.length === 1 ? "was" : "were", signature: `${block.name.text}(${block.params.map((p) => p.text).join(", ")})` },
              { related: [{ message: `\`${block.name.text}\` is defined here`, file, span: block.name.span }] },
            );
          }
          break;
        }
        case "residual":
        case "concat":
        case "gate":
          for (const b of nestedBodies(s)) visit(b, "nested");
          break;
        case "repeat":
          visit(s.body, "nested");
          break;
      }
    }
  };
  for (const m of program.models) visit(m.body, "model");
  for (const b of program.blocks) visit(b.body, "block");

  const recursive = findRecursion(program, blocks, bag);
  return { blocks, bad, recursive };
}

/** Report each cycle of block invocations once, at the call that closes it. */
function findRecursion(program: Program, blocks: Map<string, BlockDeclaration>, bag: DiagnosticBag): Set<string> {
  const calls = (stmts: Statement[], out: Statement[] = []): Statement[] => {
    for (const s of stmts) {
      if (s.type === "call") out.push(s);
      else for (const b of nestedBodies(s)) calls(b, out);
    }
    return out;
  };
  const recursive = new Set<string>();
  const state = new Map<string, "active" | "done">();
  const path: string[] = [];
  const dfs = (name: string): void => {
    state.set(name, "active");
    path.push(name);
    for (const c of calls(blocks.get(name)!.body)) {
      if (c.type !== "call") continue;
      const callee = c.callee.text;
      if (!blocks.has(callee)) continue;
      const st = state.get(callee);
      if (st === "active") {
        const cycle = [...path.slice(path.indexOf(callee)), callee];
        for (const n of cycle) recursive.add(n);
        bag.report("NN2005", program.file, c.span, { name: callee, cycle: cycle.join(" → ") });
      } else if (st === undefined) dfs(callee);
    }
    path.pop();
    state.set(name, "done");
  };
  for (const b of program.blocks) if (state.get(b.name.text) === undefined && blocks.get(b.name.text) === b) dfs(b.name.text);
  // Blocks that only call into a cycle cannot be expanded either.
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, b] of blocks) {
      if (recursive.has(name)) continue;
      if (calls(b.body).some((c) => c.type === "call" && recursive.has(c.callee.text))) recursive.add(name), (grew = true);
    }
  }
  return recursive;
}
