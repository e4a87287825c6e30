/**
 * Shape checking: expands blocks and repeats, names every layer, infers every
 * shape and counts parameters, FLOPs and memory. An unknown shape (after a
 * reported mistake) flows on quietly, so one mistake gives one error.
 */
import { nestedBodies, type BlockDeclaration, type CallStatement, type ConcatStatement, type GateStatement, type LayerStatement, type ModelDeclaration, type Program, type RepeatStatement, type ResidualStatement, type Statement, type Value } from "../grammar/ast.js";
import type { Span } from "../diagnostics/source.js";
import { ArgReader, writtenValue, type Env } from "./args.js";
import { DiagnosticBag, type Diagnostic, type Related, type ReportExtra, type Suggestion } from "../diagnostics/diagnostic.js";
import { MESSAGES, type ArgsOf, type Code } from "../diagnostics/messages.js";
import type { LossAttrs } from "./layers/loss.js";
import { LAYERS } from "./layers/registry.js";
import type { InferContext } from "./layers/types.js";
import { allLayers, type CheckedModel, type ConcatNode, type GateNode, type LayerNode, type Node, type ResidualNode } from "./model.js";
import { windowOutput } from "./window.js";
import { effectiveKernel, padReaching, type WindowAttrs } from "./layers/window-layer.js";
import { formatBytes } from "./format.js";
import { formatShape, numel, sameShape, type Shape } from "./shape.js";
import { checkStructure, type Structure } from "./structure.js";
import { suggestion } from "../diagnostics/suggest.js";
import { deleteLabel, deleteStatement, fix, insert, insertStatementBefore, replace, typoFixes } from "../diagnostics/fix.js";
import { looksChannelsLast, SEARCH_STEPS, smallestFittingInput, WINDOW_CODES } from "./input-help.js";

/** Limits that stop absurd models before anything is allocated. */
export const LIMITS = {
  params: 1_000_000_000,
  activationsPerExample: 1_000_000_000,
  layers: 100_000,
  blockDepth: 64,
  /**
   * Expansion steps: every statement visited and every `repeat` iteration,
   * empty ones included, so work that produces no layers is bounded too.
   */
  expansionSteps: 1_000_000,
};

/** The blocks that statements reach through invocations, transitively. */
function usedBlocks(stmts: Statement[], structure: Structure, used = new Map<string, BlockDeclaration>()): BlockDeclaration[] {
  for (const s of stmts) {
    if (s.type === "call") {
      const b = structure.blocks.get(s.callee.text);
      if (b && !used.has(b.name.text)) {
        used.set(b.name.text, b);
        usedBlocks(b.body, structure, used);
      }
    } else for (const b of nestedBodies(s)) usedBlocks(b, structure, used);
  }
  return [...used.values()];
}

/** Blocks that no model reaches through invocations. */
function unusedBlocks(program: Program, structure: Structure): BlockDeclaration[] {
  const used = new Map<string, BlockDeclaration>();
  for (const m of program.models) usedBlocks(m.body, structure, used);
  return program.blocks.filter((b) => !used.has(b.name.text) && structure.blocks.get(b.name.text) === b && !structure.recursive.has(b.name.text));
}

export interface CheckResult {
  models: CheckedModel[];
  /** Each model's nodes as far as checking got, also when the model has errors (what an editor shows beside the text). */
  partial: { model: string; nodes: Node[] }[];
}

export function checkProgram(program: Program, bag: DiagnosticBag): CheckResult {
  const structure = checkStructure(program, bag);
  const models: CheckedModel[] = [];
  const partial: CheckResult["partial"] = [];
  for (const m of program.models) {
    const checker = new ModelChecker(program, structure, bag, m);
    const checked = checker.run();
    partial.push({ model: m.name.text, nodes: checker.nodes });
    // Any error inside the model's text or a block it uses (syntax, names) means there is no model to show.
    const spans = [m.span, ...usedBlocks(m.body, structure).map((b) => b.span)];
    const inside = bag.items.some((d) => d.severity === "error" && spans.some((sp) => d.span.start >= sp.start && d.span.start < sp.end));
    if (checked && !inside) models.push(checked);
  }
  // Blocks no model uses still get their words checked (no shapes: nothing flows into them).
  for (const b of unusedBlocks(program, structure)) new ModelChecker(program, structure, bag, { type: "model", name: b.name, body: [], span: b.span }).dryRunBlock(b);
  if (program.models.length === 0 && bag.items.length === 0) bag.report("NN2018", program.file, { start: 0, end: 0 }, {});
  return { models, partial };
}

/** Where a statement sits: the name prefix, its counters, and the block invocation it came from. */
interface Scope {
  prefix: string;
  counters: Map<string, number>;
  /** Labels written in this scope, so automatic names avoid them. */
  labels: Set<string>;
  env: Env;
  trail: Related[];
  depth: number;
  topLevel: boolean;
  /** Suffix for labels inside `repeat` (`_2` in the second repetition). */
  labelSuffix: string;
}

class ModelChecker {
  private readonly file: Program["file"];
  private readonly names = new Map<string, Span>();
  private ok = true;
  private params = 0;
  private flops = 0;
  private activations = 0;
  private layerCount = 0;
  private steps = 0;
  private tooLarge = false;
  private lossStmt: LayerStatement | undefined;
  private loss: LossAttrs | null = null;
  private afterLossReported = false;
  /** Kind and place of the last layer expanded (for the softmax-before-loss warning). */
  private lastKind: string | undefined;
  private lastSpan: Span | undefined;
  /** Checking a block no model uses: parameter values are unknown (NaN), so only the words are checked. */
  private dryRun = false;
  /** Invocations (`block(args)`) already expanded in a dry run. */
  private readonly dryCalls = new Set<string>();

  /** The input of the last layer expanded (for help that names the layer before, e.g. `flatten` of a map). */
  private lastInput: Shape | undefined;
  /** `input 1x28x28` when the model's input looks channels-last (see NN3014). */
  private channelsFirstInput: string | undefined;
  /** The first window that did not fit (NN3001), for the smallest input that fits. */
  private windowError: Diagnostic | undefined;
  /** The model's nodes, filled by `run` (as far as it got when there are errors). */
  readonly nodes: Node[] = [];

  constructor(
    private readonly program: Program,
    private readonly structure: Structure,
    private readonly bag: DiagnosticBag,
    private readonly model: ModelDeclaration,
    /** Check the model as if its input were this image (to search for the smallest input that fits). */
    private readonly inputOverride?: Shape,
    private readonly stepLimit = LIMITS.expansionSteps,
  ) {
    this.file = program.file;
  }

  /** Report at `span` with the block-invocation trail; an error (not a warning) means there is no model. */
  private report<C extends Code>(code: C, args: NoInfer<ArgsOf<C>>, span: Span, trail: Related[], extra: ReportExtra = {}): void {
    if (MESSAGES[code].severity === "error") this.ok = false;
    const related = [...(extra.related ?? []), ...[...trail].reverse()];
    const before = this.bag.items.length;
    this.bag.report(code, this.file, span, args, { ...extra, related });
    if (code === "NN3001" && !this.windowError && this.bag.items.length > before) this.windowError = this.bag.items.at(-1);
  }

  run(): CheckedModel | undefined {
    const body = this.model.body;
    const first = body[0];
    let shape: Shape | undefined;
    const scope: Scope = { prefix: "", counters: new Map(), labels: labelsOf(body), env: { values: new Map() }, trail: [], depth: 0, topLevel: true, labelSuffix: "" };
    let rest = body;
    if (first?.type === "layer" && first.kind.text === "input") {
      const reader = new ArgReader("input", LAYERS.get("input")!.usage, first, scope.env, this.host(scope));
      const a = LAYERS.get("input")!.read(reader) as { shape: number[] } | undefined;
      shape = a?.shape;
      if (!a) this.ok = false;
      if (shape && this.inputOverride) shape = this.inputOverride;
      else if (shape) this.warnChannelsLast(shape, first.span, first.args[0]?.kind === "dims" ? first.args[0].span : undefined);
      if (first.label) this.report("NN2023", { kind: "input", label: first.label.text }, first.label.span, [], { suggestions: [this.labelFix(first.label.span, first.label.text)] });
      if (shape && first.assertion) this.checkAssertion(first, shape, scope);
      rest = body.slice(1);
    } else {
      this.ok = false;
      const later = body.find((s) => s.type === "layer" && s.kind.text === "input");
      if (later) {
        const move = this.moveBefore(later, body[0]!, `move \`input\` to the top of model \`${this.model.name.text}\``);
        this.report("NN2009", { model: this.model.name.text }, (later as LayerStatement).kind.span, [], { suggestions: [move] });
        rest = body.filter((s) => s !== later);
      }
      else this.report("NN2008", { name: this.model.name.text }, this.model.name.span, []);
    }
    const inputShape = shape;
    if (shape) {
      this.activations += numel(shape);
      if (this.activations > LIMITS.activationsPerExample) {
        this.tooLarge = true;
        const detail = `its input has ${fmtCount(this.activations)} values per example (${formatBytes(this.activations * 4, "limit")} as float32)`;
        this.report("NN4001", { model: this.model.name.text, detail, paramLimit: fmtCount(LIMITS.params), activationLimit: fmtCount(LIMITS.activationsPerExample) }, first!.span, []);
      }
    }
    const nodes = this.nodes;
    shape = this.sequence(rest, shape, scope, nodes);
    if (this.windowError && inputShape && !this.inputOverride && !this.channelsFirstInput) this.nameSmallestInput(this.windowError, inputShape);
    if (!this.ok || !inputShape || !shape || this.tooLarge) return undefined;
    const outputShape = shape;
    return {
      name: this.model.name.text,
      file: this.file,
      span: this.model.span,
      inputShape,
      outputShape,
      nodes,
      loss: this.loss,
      params: this.params,
      flops: this.flops,
      activationBytes: this.activations * 4,
    };
  }

  /** Check a block's words with unknown parameter values and no input shape. */
  dryRunBlock(b: BlockDeclaration): void {
    this.dryRun = true;
    const unknown = new Map<string, Value>(b.params.map((p) => [p.text, { kind: "number", value: Number.NaN, text: p.text, span: p.span }]));
    const scope: Scope = { prefix: "", counters: new Map(), labels: labelsOf(b.body), env: { block: b.name.text, values: unknown }, trail: [], depth: 1, topLevel: false, labelSuffix: "" };
    this.sequence(b.body, undefined, scope, []);
  }

  private host(scope: Scope) {
    return { file: this.file, lenient: this.dryRun, report: <C extends Code>(code: C, args: ArgsOf<C>, span: Span, extra?: ReportExtra) => this.report(code, args, span, scope.trail, extra) };
  }

  private sequence(stmts: Statement[], shape: Shape | undefined, scope: Scope, out: Node[]): Shape | undefined {
    for (const s of stmts) {
      if (this.layerCount >= LIMITS.layers) {
        this.tooManyLayers(s, scope);
        return undefined;
      }
      if (!this.step(s, scope)) return undefined;
      if (scope.topLevel && this.lossStmt) {
        if (!this.afterLossReported) {
          this.afterLossReported = true;
          const kind = s.type === "layer" ? s.kind.text : s.type === "call" ? `${s.callee.text}(…)` : s.type;
          this.report("NN2010", { kind }, s.span, [], {
            related: [{ message: "the loss is here", file: this.file, span: this.lossStmt.span }],
            suggestions: [this.moveBefore(s, this.lossStmt, `move \`${kind}\` before the loss`)],
          });
        }
        return shape;
      }
      shape = this.statement(s, shape, scope, out);
    }
    return shape;
  }

  private statement(s: Statement, shape: Shape | undefined, scope: Scope, out: Node[]): Shape | undefined {
    if (this.structure.bad.has(s)) {
      this.ok = false;
      this.claimName(s, s.type === "layer" ? s.kind.text : s.type === "call" ? s.callee.text : s.type, scope);
      return undefined;
    }
    let result: Shape | undefined;
    switch (s.type) {
      case "layer":
        result = this.layer(s, shape, scope, out);
        break;
      case "residual":
        result = this.residual(s, shape, scope, out);
        break;
      case "concat":
        result = this.concat(s, shape, scope, out);
        break;
      case "gate":
        result = this.gate(s, shape, scope, out);
        break;
      case "repeat":
        result = this.repeat(s, shape, scope, out);
        break;
      case "call":
        result = this.call(s, shape, scope, out);
        break;
    }
    if (result && s.assertion) this.checkAssertion(s, result, scope, out);
    return result;
  }

  private checkAssertion(s: Statement, result: Shape, scope: Scope, out: Node[] = []): void {
    const expected = s.assertion!.dims;
    if (expected.some((d) => Number.isNaN(d)) || sameShape(expected, result)) return;
    const rank = (sh: readonly number[]) => (sh.length === 1 ? "a vector" : sh.length === 3 ? "an image" : `${sh.length} dimensions`);
    if (expected.length !== result.length) {
      this.report("NN3013", { actual: formatShape(result), rank: rank(result), expected: formatShape(expected) }, s.assertion!.span, scope.trail, { suggestions: [this.assertionFix(s, result)] });
      return;
    }
    const hint = `the shape is ${formatShape(result)}; write \`-> ${formatShape(result)}\`, or change the layers before it`;
    const pad = this.paddingFix(s, expected, out.at(-1));
    this.report("NN3008", { actual: formatShape(result), expected: formatShape(expected), hint }, s.assertion!.span, scope.trail, { suggestions: [...(pad ? [pad] : []), this.assertionFix(s, result)] });
  }

  /**
   * `conv 3x3 x16 -> 16x32x32` on a 32x32 input: a convolution without
   * padding whose assertion asks for the size padding gives. With stride 1
   * only one padding gives it, so the fix is applied by `check --fix`.
   */
  private paddingFix(s: Statement, expected: Shape, node: Node | undefined): Suggestion | undefined {
    if (s.type !== "layer" || node?.type !== "layer" || node.span !== s.span || node.kind !== "conv") return undefined;
    if (statementOptions(s).has("pad")) return undefined;
    const pad = padReaching(node.attrs as WindowAttrs, node.input, expected);
    if (!pad) return undefined;
    const words = `pad ${pad[0] === pad[1] ? pad[0] : pad.join("x")}`;
    const stride = (node.attrs as WindowAttrs).stride;
    return fix(`add \`${words}\``, [insert(this.file, wordsEnd(s), ` ${words}`)], stride[0] === 1 && stride[1] === 1);
  }

  /** Rewrite the assertion to what the layers give: offered, never applied by itself (the assertion may be right and the layers wrong). */
  private assertionFix(s: Statement, result: Shape): Suggestion {
    return fix(`change the assertion to \`${formatShape(result)}\``, [replace(this.file, s.assertion!.span, `-> ${formatShape(result)}`)], false);
  }

  /** A checked node, given its own fields: where it is written, counted (with `params` parameters) and appended to `out`. */
  private place<N extends Node>(fields: Omit<N, "file" | "span" | "line" | "trail">, s: Statement, scope: Scope, out: Node[], params = 0): N {
    // The caller's fresh object literal gets the shared fields in place: a spread of it cost
    // more than everything else the checker does per layer (measured on a 100,000-layer DenseNet).
    const node = Object.assign(fields, { file: this.file, span: s.span, line: this.file.position(s.span.start).line, trail: scope.trail }) as unknown as N;
    this.count(node, params, s, scope);
    out.push(node);
    this.lastKind = node.kind;
    return node;
  }

  /** Name a statement: its label, or kind + counter in its scope; report duplicates. */
  private claimName(s: Statement, kind: string, scope: Scope): string {
    if (s.label) {
      const name = scope.prefix + s.label.text + scope.labelSuffix;
      const prev = this.names.get(name);
      if (prev) this.report("NN2006", { name, model: this.model.name.text }, s.label.span, scope.trail, { related: [{ message: "first used here", file: this.file, span: prev }] });
      else this.names.set(name, s.label.span);
      return name;
    }
    let n = scope.counters.get(kind) ?? 0;
    let name: string;
    const stem = /\d$/.test(kind) ? `${kind}_` : kind; // the first relu6 is relu6_1, never read as the sixth relu
    do name = `${scope.prefix}${stem}${++n}`;
    while (this.names.has(name) || scope.labels.has(name.slice(scope.prefix.length)));
    scope.counters.set(kind, n);
    this.names.set(name, s.span);
    return name;
  }

  private layer(s: LayerStatement, shape: Shape | undefined, scope: Scope, out: Node[]): Shape | undefined {
    const kind = s.kind.text;
    const def = LAYERS.get(kind)!;
    if (kind === "input") {
      // Which of the two inputs is meant is a guess: offered, not applied.
      const suggestions = scope.topLevel ? [fix("remove this `input`", [deleteStatement(this.file, s.span)], false)] : [];
      this.report(scope.topLevel ? "NN2019" : "NN2015", { kind, hint: "" }, s.kind.span, scope.trail, { suggestions });
      return undefined;
    }
    const reader = new ArgReader(kind, def.usage, s, scope.env, this.host(scope));
    const attrs = def.read(reader);
    if (kind === "loss") {
      this.lossStmt = s;
      if (s.label) this.report("NN2023", { kind: "loss", label: s.label.text }, s.label.span, scope.trail, { suggestions: [this.labelFix(s.label.span, s.label.text)] });
      if (attrs && (attrs as LossAttrs).kind === "softmax" && this.lastKind === "softmax")
        this.report("NN2024", {}, s.span, scope.trail, {
          related: [{ message: "the softmax layer", file: this.file, span: this.lastSpan! }],
          suggestions: [fix("remove the `softmax` layer", [deleteStatement(this.file, this.lastSpan!)], true)],
        });
      if (attrs) this.loss = attrs as LossAttrs;
      else this.ok = false;
      if (!attrs || !shape) return shape;
      return def.infer(attrs, shape, this.inferContext(s, scope)) ? shape : undefined;
    }
    const name = this.claimName(s, kind, scope);
    if (attrs === undefined) this.ok = false;
    if (attrs === undefined || shape === undefined) return undefined;
    const output = def.infer(attrs, shape, this.inferContext(s, scope));
    if (!output) return undefined;
    const params = def.params?.(attrs, shape, output) ?? [];
    this.place<LayerNode>({
      type: "layer",
      name,
      kind,
      def,
      attrs,
      input: shape,
      output,
      params,
      buffers: def.buffers?.(attrs, shape, output) ?? [],
      flops: def.flops(attrs, shape, output),
    }, s, scope, out, params.reduce((sum, p) => sum + numel(p.shape), 0));
    this.lastSpan = s.span;
    this.lastInput = shape;
    return output;
  }

  private count(node: Node, params: number, s: Statement, scope: Scope): void {
    this.layerCount++;
    this.params += params;
    this.flops += node.flops;
    this.activations += numel(node.output);
    if (this.tooLarge) return;
    if (this.params > LIMITS.params || this.activations > LIMITS.activationsPerExample) {
      this.tooLarge = true;
      const detail =
        this.params > LIMITS.params
          ? `with this layer it has ${fmtCount(this.params)} parameters (${formatBytes(this.params * 4, "limit")} as float32, before gradients and optimizer state)`
          : `with this layer it needs ${fmtCount(this.activations)} activation values per example (${formatBytes(this.activations * 4, "limit")} as float32)`;
      this.report("NN4001", { model: this.model.name.text, detail, paramLimit: fmtCount(LIMITS.params), activationLimit: fmtCount(LIMITS.activationsPerExample) }, s.span, scope.trail);
    }
  }

  private inferContext(s: LayerStatement, scope: Scope): InferContext {
    const ctx: InferContext = {
      span: s.span,
      kindSpan: s.kind.span,
      file: this.file,
      wordsEnd: wordsEnd(s),
      written: statementOptions(s),
      report: (code, args, span, extra) => this.report(code, args, span ?? s.span, scope.trail, extra),
    };
    if (this.lastKind && this.lastInput) ctx.previous = { kind: this.lastKind, input: this.lastInput };
    if (this.channelsFirstInput) ctx.channelsFirstInput = this.channelsFirstInput;
    return ctx;
  }

  /**
   * NN3006 where the body's convolutions shrink the map because they have no
   * padding (`residual { conv 3x3 x16 }`): pad each by half its window. Only
   * when the body is written here (not through a block), every layer of it is
   * a stride-1 convolution or keeps the map size, and the padding gives back
   * exactly the input's shape, and none of the padded ones asserts its shape. Offered, not applied (the shortcut may be what
   * is missing).
   */
  private residualPadding(s: ResidualStatement, body: Node[], input: Shape, output: Shape): Suggestion | undefined {
    if (input.length !== 3 || output.length !== 3 || input[0] !== output[0]) return undefined;
    const edits = [];
    let rows = 0;
    let cols = 0;
    for (const node of body) {
      const stmt = s.body.find((x): x is LayerStatement => x.type === "layer" && x.span === node.span);
      if (!stmt || node.type !== "layer") return undefined;
      if (node.kind !== "conv") {
        if (!sameShape(node.input.slice(1), node.output.slice(1))) return undefined;
        continue;
      }
      const a = node.attrs as WindowAttrs;
      const pad = padReaching(a, node.input, [node.output[0]!, node.input[1]!, node.input[2]!]);
      if (!pad || statementOptions(stmt).has("pad")) {
        if (!sameShape(node.input.slice(1), node.output.slice(1))) return undefined;
        continue;
      }
      // Its assertion would then be wrong: rewriting it too would be a second guess.
      if (stmt.assertion) return undefined;
      rows += node.input[1]! - node.output[1]!;
      cols += node.input[2]! - node.output[2]!;
      edits.push(insert(this.file, wordsEnd(stmt), ` pad ${pad[0] === pad[1] ? pad[0] : pad.join("x")}`));
    }
    if (edits.length === 0 || rows !== input[1]! - output[1]! || cols !== input[2]! - output[2]!) return undefined;
    return fix(edits.length === 1 ? `pad the convolution (\`${edits[0]!.text.trim()}\`)` : "pad the convolutions by half their window", edits, false);
  }

  /** Move statement `s` (as written) to just before `target` (NN2009, NN2010: the help says where it belongs). */
  private moveBefore(s: Statement, target: Statement, message: string): Suggestion {
    const text = this.file.text.slice(s.span.start, s.span.end);
    return fix(message, [insertStatementBefore(this.file, target.span, text), deleteStatement(this.file, s.span)], true);
  }

  /** A label that names nothing (NN2023) goes: nothing can refer to it. */
  private labelFix(span: Span, label: string): Suggestion {
    return fix(`remove \`${label}:\``, [deleteLabel(this.file, span)], true);
  }

  /** NN3014: `input 28x28x1` is almost surely 28x28 images with one channel, written channels-last. */
  private warnChannelsLast(shape: Shape, span: Span, dimsSpan: Span | undefined): void {
    if (!looksChannelsLast(shape)) return;
    const [h, w, c] = shape as [number, number, number];
    this.channelsFirstInput = `input ${c}x${h}x${w}`;
    // A guess from the sizes: offered, not applied.
    const suggestions = dimsSpan ? [fix(`read it as ${c}x${h}x${w}`, [replace(this.file, dimsSpan, `${c}x${h}x${w}`)], false)] : [];
    this.report("NN3014", { shape: formatShape(shape), h, w, c, s: c === 1 ? "" : "s", shape0: h, shape1: w, shape2: c }, span, [], { suggestions });
  }

  /** Add to a window error the smallest input at which every window of the model fits, when there is one. */
  private nameSmallestInput(d: Diagnostic, input: Shape): void {
    if (input.length !== 3 || this.steps > SEARCH_STEPS) return;
    const found = smallestFittingInput(input, (probe) => this.windowsFit(probe));
    if (!found) return;
    const [c, h, w] = found;
    const lead = `the windows of model \`${this.model.name.text}\` need an input of at least ${h}x${w} (it is ${input[1]}x${input[2]}): use larger images, e.g. \`input ${c}x${h}x${w}\`, or fewer pooling layers and strides`;
    d.help = d.help ? `${lead}; or ${d.help}` : lead;
  }

  /** Check the model quietly with another input image: do all its windows fit (and its residuals join)? Undefined when the check takes too long to tell. */
  private windowsFit(input: Shape): boolean | undefined {
    const bag = new DiagnosticBag(10);
    new ModelChecker(this.program, this.structure, bag, this.model, input, SEARCH_STEPS).run();
    if (bag.items.some((d) => d.code === "NN4004" || d.code === "NN4003")) return undefined;
    return !bag.items.some((d) => d.severity === "error" && WINDOW_CODES.has(d.code));
  }

  private residual(s: ResidualStatement, shape: Shape | undefined, scope: Scope, out: Node[]): Shape | undefined {
    const name = this.claimName(s, "residual", scope);
    const inner = (prefix: string, stmts: Statement[]): Scope => ({ ...scope, prefix, counters: new Map(), labels: labelsOf(stmts), topLevel: false, labelSuffix: "" });
    const body: Node[] = [];
    const bodyOut = this.sequence(s.body, shape, inner(`${name}.`, s.body), body);
    let shortcut: Node[] | null = null;
    let join: Shape | undefined = shape;
    if (s.shortcut) {
      shortcut = [];
      join = this.sequence(s.shortcut.body, shape, inner(`${name}.shortcut.`, s.shortcut.body), shortcut);
    }
    if (!bodyOut || !join || !shape) return undefined;
    if (!sameShape(bodyOut, join)) {
      if (s.shortcut) {
        const conv = projection(shape, bodyOut);
        this.report("NN3007", { shortcut: formatShape(join), body: formatShape(bodyOut), hint: projectionHint(shape, bodyOut, "make the shortcut give") }, s.shortcut.keyword, scope.trail, {
          related: [{ message: `the body gives ${formatShape(bodyOut)}`, file: this.file, span: s.keyword }],
          suggestions: conv ? [fix(`make the shortcut \`${conv}\``, [replace(this.file, s.shortcut.span, `{ ${conv} }`)], false)] : [],
        });
      } else {
        const conv = projection(shape, bodyOut);
        // One way of several (the body may be what is wrong): offered, not applied.
        const pad = this.residualPadding(s, body, shape, bodyOut);
        const suggestions = [...(pad ? [pad] : []), ...(conv ? [fix(`add a \`shortcut { ${conv} }\``, [insert(this.file, s.bodySpan.end, ` shortcut { ${conv} }`)], false)] : [])];
        this.report("NN3006", { input: formatShape(shape), output: formatShape(bodyOut), hint: projectionHint(shape, bodyOut, "add a shortcut that gives") }, s.keyword, scope.trail, { suggestions });
      }
      return undefined;
    }
    this.place<ResidualNode>({
      type: "residual",
      kind: "residual",
      name,
      input: shape,
      output: bodyOut,
      flops: numel(bodyOut),
      body,
      shortcut,
    }, s, scope, out);
    return bodyOut;
  }

  /** A nested scope (residual body, concat branch, gate body): names prefixed with the node's name. */
  private innerScope(scope: Scope, prefix: string, stmts: Statement[]): Scope {
    return { ...scope, prefix, counters: new Map(), labels: labelsOf(stmts), topLevel: false, labelSuffix: "" };
  }

  private concat(s: ConcatStatement, shape: Shape | undefined, scope: Scope, out: Node[]): Shape | undefined {
    const name = this.claimName(s, "concat", scope);
    if (s.branches.length < 2) {
      if (s.others) this.ok = false;
      else this.report("NN3021", { count: s.branches.length }, s.keyword, scope.trail);
      return undefined;
    }
    const branches: Node[][] = [];
    const outputs: (Shape | undefined)[] = [];
    s.branches.forEach((b, i) => {
      const nodes: Node[] = [];
      const o = this.sequence(b.body, shape, this.innerScope(scope, `${name}.branch${i + 1}.`, b.body), nodes);
      if (o && b.assertion) this.checkAssertion({ ...s, assertion: b.assertion }, o, scope);
      branches.push(nodes);
      outputs.push(o);
    });
    if (!shape || outputs.some((o) => !o)) return undefined;
    const shapes = outputs as Shape[];
    const list = shapes.map(formatShape).join(", ");
    // Each branch's last statement (or its keyword when empty), labelled with what it gives.
    const related = (): Related[] =>
      s.branches.flatMap((b, i) => {
        const lastStmt = b.body[b.body.length - 1];
        const gives = `branch ${i + 1} gives ${formatShape(shapes[i]!)}`;
        const items: Related[] = [{ message: lastStmt ? gives : `${gives} (the input itself)`, file: this.file, span: lastStmt ? lastStmt.span : b.keyword }];
        for (const p of flooredWindows(branches[i]!)) items.push({ message: `this ${p.kind} drops the last ${p.what} of ${p.size} (rounds down)`, file: this.file, span: p.span });
        return items;
      });
    if (shapes.some((o) => o.length !== shapes[0]!.length) || shapes.some((o) => o.length !== 1 && o.length !== 3)) {
      this.report("NN3022", { name, shapes: list }, s.keyword, scope.trail, { related: related() });
      return undefined;
    }
    if (shapes[0]!.length === 3 && shapes.some((o) => o[1] !== shapes[0]![1] || o[2] !== shapes[0]![2])) {
      const floored = branches.some((b) => flooredWindows(b).length > 0);
      const hint = floored
        ? "a window rounded an odd size down: pad the input to an even size, add `ceil` to the pooling, or crop the other branch to match"
        : "make every branch keep the same height and width (pad the convolutions: `pad 1` for 3x3), or resize the branches that differ";
      this.report("NN3020", { name, shapes: list, what: "heights and widths", hint }, s.keyword, scope.trail, { related: related() });
      return undefined;
    }
    const channels = shapes.reduce((sum, o) => sum + o[0]!, 0);
    const output: Shape = shapes[0]!.length === 3 ? [channels, shapes[0]![1]!, shapes[0]![2]!] : [channels];
    this.place<ConcatNode>({
      type: "concat",
      kind: "concat",
      name,
      input: shape,
      output,
      flops: 0,
      branches,
    }, s, scope, out);
    return output;
  }

  private gate(s: GateStatement, shape: Shape | undefined, scope: Scope, out: Node[]): Shape | undefined {
    const name = this.claimName(s, "gate", scope);
    const body: Node[] = [];
    const g = this.sequence(s.body, shape, this.innerScope(scope, `${name}.`, s.body), body);
    if (!g || !shape) return undefined;
    const perChannel = shape.length === 3 && g.length === 1 && g[0] === shape[0];
    if (body.length === 0 || !(perChannel || sameShape(g, shape))) {
      const channels = shape.length === 3 ? String(shape[0]) : formatShape(shape);
      const hint =
        shape.length === 3
          ? `end the body with \`fc ${shape[0]}\` after \`globalavgpool\` (squeeze-and-excitation: \`gate { globalavgpool, fc 16, relu, fc ${shape[0]}, hardsigmoid }\`), or keep the map's shape`
          : `end the body with \`fc ${shape[0]}\``;
      const last = s.body[s.body.length - 1];
      this.report("NN3023", { output: formatShape(g), input: formatShape(shape), channels, hint }, s.keyword, scope.trail, last ? { related: [{ message: `the body ends here, giving ${formatShape(g)}`, file: this.file, span: last.span }] } : {});
      return undefined;
    }
    this.place<GateNode>({
      type: "gate",
      kind: "gate",
      name,
      input: shape,
      output: shape,
      flops: numel(shape),
      body,
    }, s, scope, out);
    return shape;
  }

  private repeat(s: RepeatStatement, shape: Shape | undefined, scope: Scope, out: Node[]): Shape | undefined {
    if (s.label) this.report("NN2023", { kind: "repeat", label: s.label.text }, s.label.span, scope.trail, { suggestions: [this.labelFix(s.label.span, s.label.text)] });
    let count = this.intValue(s.count, "the repeat count", 0, scope);
    if (count === undefined && this.dryRun && s.count?.kind === "name" && scope.env.values.has(s.count.name)) count = 1;
    if (count === undefined) {
      this.ok = false;
      return undefined;
    }
    // Checking words needs one pass; repetitions only multiply the work.
    const passes = this.dryRun ? Math.min(count, 1) : count;
    let result = shape;
    for (let i = 1; i <= passes; i++) {
      if (i > 1 && !this.step(s, scope)) return undefined;
      const labels = new Set([...scope.labels, ...labelsOf(s.body)]);
      const iteration: Scope = count > 1 ? { ...scope, labelSuffix: `${scope.labelSuffix}_${i}`, labels } : { ...scope, labels };
      result = this.sequence(s.body, result, iteration, out);
      if (!result) break;
      if (this.layerCount >= LIMITS.layers && i < count) {
        this.tooManyLayers(s, scope);
        return undefined;
      }
    }
    return result;
  }

  /** Count one expansion step; false (after reporting once) when the model takes too many. */
  private step(s: Statement, scope: Scope): boolean {
    if (++this.steps <= this.stepLimit) return true;
    this.ok = false;
    if (!this.tooLarge) {
      this.tooLarge = true;
      this.report("NN4004", { model: this.model.name.text, limit: fmtCount(this.stepLimit) }, s.span, scope.trail);
    }
    return false;
  }

  private tooManyLayers(s: Statement, scope: Scope): void {
    this.ok = false;
    if (this.tooLarge) return;
    this.tooLarge = true;
    this.report("NN4003", { model: this.model.name.text, limit: LIMITS.layers }, s.span, scope.trail);
  }

  /** A whole number from a literal or a bound block parameter. */
  private intValue(v: Value | undefined, what: string, min: number, scope: Scope): number | undefined {
    if (!v) return undefined;
    let value: Value | undefined = v;
    if (v.kind === "name") {
      value = scope.env.values.get(v.name);
      if (!value) {
        if (scope.env.block !== undefined) this.report("NN2011", { name: v.name, block: scope.env.block, suggestion: suggestion(v.name, [...scope.env.values.keys()], "parameters") }, v.span, scope.trail, {
            suggestions: typoFixes(this.file, v.span, v.name, [...scope.env.values.keys()]),
          });
        else this.report("NN2021", { name: v.name }, v.span, scope.trail);
        return undefined;
      }
    }
    if (value.kind !== "number") {
      this.report("NN2013", { what, rule: "a whole number", value: describe(value), hint: "" }, v.span, scope.trail);
      return undefined;
    }
    const n = value.value;
    if (Number.isNaN(n)) return undefined;
    if (!Number.isInteger(n) || n < min) {
      this.report("NN2013", { what, rule: `a whole number ≥ ${min}`, value: writtenValue(n, value), hint: "" }, v.span, scope.trail);
      return undefined;
    }
    if (n > LIMITS.layers) {
      this.report("NN4002", { what, value: writtenValue(n, value), limit: LIMITS.layers, hint: "a model may have at most that many layers" }, v.span, scope.trail);
      return undefined;
    }
    return n;
  }

  private call(s: CallStatement, shape: Shape | undefined, scope: Scope, out: Node[]): Shape | undefined {
    const name = this.claimName(s, s.callee.text, scope);
    const block = this.structure.blocks.get(s.callee.text)!;
    if (this.structure.recursive.has(block.name.text)) {
      this.ok = false;
      return undefined;
    }
    if (scope.depth >= LIMITS.blockDepth) {
      this.report("NN4002", { what: "block nesting", value: scope.depth + 1, limit: LIMITS.blockDepth, hint: "blocks may call blocks, but not this deep; flatten the chain" }, s.span, scope.trail);
      return undefined;
    }
    const values = new Map<string, Value>();
    let bound = true;
    block.params.forEach((p, i) => {
      const arg = s.args[i]!;
      if (arg.kind === "name") {
        const v = scope.env.values.get(arg.name);
        if (!v) {
          bound = false;
          if (scope.env.block !== undefined) this.report("NN2011", { name: arg.name, block: scope.env.block, suggestion: suggestion(arg.name, [...scope.env.values.keys()], "parameters") }, arg.span, scope.trail, {
            suggestions: typoFixes(this.file, arg.span, arg.name, [...scope.env.values.keys()]),
          });
          else this.report("NN2021", { name: arg.name }, arg.span, scope.trail);
          return;
        }
        values.set(p.text, v);
      } else {
        if (arg.kind === "number" && Number.isNaN(arg.value)) bound = false;
        values.set(p.text, arg);
      }
    });
    if (!bound) {
      this.ok = false;
      return undefined;
    }
    const shown = `${block.name.text}(${s.args.map((a) => (a.kind === "name" ? `${a.name} = ${describe(values.get(block.params[s.args.indexOf(a)]!.text)!)}` : describe(a))).join(", ")})`;
    const inner: Scope = {
      prefix: `${name}.`,
      counters: new Map(),
      labels: labelsOf(block.body),
      env: { block: block.name.text, values },
      trail: [...scope.trail, { message: `in \`${shown}\``, file: this.file, span: s.span }],
      depth: scope.depth + 1,
      topLevel: false,
      labelSuffix: "",
    };
    // Checking words, one expansion per block and arguments is enough (blocks that double blocks stay linear).
    if (this.dryRun) {
      if (this.dryCalls.has(shown)) return undefined;
      this.dryCalls.add(shown);
    }
    return this.sequence(block.body, shape, inner, out);
  }
}

/** Window layers (pooling, strided convs) among the nodes that rounded an odd size down: rows or columns no window reads. */
function flooredWindows(nodes: readonly Node[]): { kind: string; what: string; size: number; span: Span }[] {
  const found: { kind: string; what: string; size: number; span: Span }[] = [];
  for (const n of allLayers(nodes)) {
    const a = n.attrs as Partial<WindowAttrs> | undefined;
    // A transposed window (deconv) multiplies the size and never rounds it.
    if (!a?.kernel || !a.stride || !a.pad || n.input.length !== 3 || n.kind === "deconv") continue;
    const kernel = effectiveKernel(a as WindowAttrs);
    const axis = (i: 0 | 1) => windowOutput({ size: n.input[i + 1]!, kernel: kernel[i], stride: a.stride![i], pad: a.pad![i], ceil: a.ceil ?? false });
    const rows = axis(0).unread;
    const cols = axis(1).unread;
    if (rows === 0 && cols === 0) continue;
    const what = rows && cols ? "row and column" : rows ? (rows === 1 ? "row" : `${rows} rows`) : cols === 1 ? "column" : `${cols} columns`;
    found.push({ kind: n.kind, what, size: rows ? n.input[1]! : n.input[2]!, span: n.span });
  }
  return found;
}

function describe(v: Value): string {
  return v.kind === "number" ? (Number.isNaN(v.value) ? "?" : String(v.value)) : v.kind === "dims" ? v.text : v.name;
}

/** Labels written in a scope, including inside its `repeat`s (which share the scope). */
function labelsOf(stmts: Statement[], set = new Set<string>()): Set<string> {
  for (const s of stmts) {
    if (s.label) set.add(s.label.text);
    if (s.type === "repeat") labelsOf(s.body, set);
  }
  return set;
}

/** How to make a residual join: a 1x1 projection with the right filters and stride. */
/** Where a layer statement's words end, before its `-> shape` assertion. */
function wordsEnd(s: LayerStatement): number {
  return (s.assertion ? s.args.filter((a) => a.span.end <= s.assertion!.span.start) : s.args).at(-1)?.span.end ?? s.kind.span.end;
}

/** The names written among a layer statement's words (its options, among others). */
function statementOptions(s: LayerStatement): Set<string> {
  return new Set(s.args.flatMap((a) => (a.kind === "name" ? [a.name] : [])));
}

/** The 1x1 convolution that takes `input` to `target` (`conv 1x1 x32 stride 2`), when a strided one can. */
function projection(input: Shape, target: Shape): string | undefined {
  if (input.length !== 3 || target.length !== 3) return undefined;
  const sh = input[1]! / target[1]!;
  const sw = input[2]! / target[2]!;
  if (!(Number.isInteger(sh) && Number.isInteger(sw) && sh >= 1 && sw >= 1)) return undefined;
  const stride = sh === 1 && sw === 1 ? "" : sh === sw ? ` stride ${sh}` : ` stride ${sh}x${sw}`;
  return `conv 1x1 x${target[0]}${stride}`;
}

function projectionHint(input: Shape, target: Shape, lead: string): string {
  const conv = projection(input, target);
  if (conv) return `${lead} ${formatShape(target)}, e.g. \`shortcut { ${conv} }\``;
  return `${lead} ${formatShape(target)}, or keep the body's output shape equal to its input ${formatShape(input)}`;
}

function fmtCount(n: number): string {
  return n >= 1e12 ? `${(n / 1e12).toPrecision(3)} trillion` : n >= 1e9 ? `${(n / 1e9).toPrecision(3)} billion` : n >= 1e6 ? `${(n / 1e6).toPrecision(3)} million` : String(n);
}
