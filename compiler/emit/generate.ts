/**
 * A checked model → the pieces of its generated module: the memory plan, the
 * set-up code, and the forward and backward statements, layer by layer, each
 * from the layer's own emitter. module.ts assembles them with ts-morph.
 */
import type { LossAttrs } from "../layers/loss.js";
import type { EmitLayer, ParamSpec } from "../layers/types.js";
import { lit } from "../layers/types.js";
import { allLayers, childLists, statementText, type CheckedModel, type ConcatNode, type GateNode, type LayerNode, type Node, type ResidualNode } from "../model.js";
import { formatShape, numel, type Shape } from "../shape.js";
import { CODE_RESERVED, commentText, Names } from "../names.js";
import type { MemoryPlan, PlannedBuffer } from "./plan.js";
import { foldAt, foldedForward, type FoldGroup } from "./fold.js";

export interface ParamEntry {
  name: string;
  id: string;
  spec: ParamSpec;
}

export interface Generated {
  model: CheckedModel;
  plan: MemoryPlan;
  params: ParamEntry[];
  buffers: { name: string; id: string; shape: number[]; fill: number; min?: number }[];
  /** `const x = …;` lines run once in createModel, after the buffers. */
  constants: string[];
  forward: string[];
  backward: string[];
  /** Identifier of the model's output buffer and of its gradient. */
  output: string;
  doutput: string;
  inputSize: number;
  outputSize: number;
  loss: LossAttrs | null;
  /** Parameters L2 applies to. */
  decayed: ParamEntry[];
  /** Some layer's code reads `training` (dropout, batchnorm): the module keeps the mode of the last forward. */
  usesTraining: boolean;
  /** Some `conv …, batchnorm` runs as one kernel at inference unless `unfold` is set (fold.ts): the layers are a function of their own. */
  folds: boolean;
}

export interface GenerateOptions {
  /**
   * A concat branch whose last layer can write a slice (`writesSlices`: a conv
   * (depthwise included), an activation of the kernel set, a batchnorm, a max
   * or average pooling, an fc, or a relu fused into a conv or fc) writes
   * straight into its slice of the concat's output, and reads
   * its slice of the gradient in place (default true). false copies every
   * branch, as before: tests compare the two.
   */
  inPlaceConcat?: boolean;
}

export function generate(model: CheckedModel, specPath = model.file.path, options: GenerateOptions = {}): Generated {
  return new ModuleGenerator(model, specPath, options.inPlaceConcat ?? true).run();
}

/** Where a concat branch's output goes when it writes straight into the concat's output: `of` from `offset` on, examples `stride` apart. */
interface Slice {
  of: string;
  offset: number;
  stride: number;
}

class ModuleGenerator {
  private readonly names = new Names(CODE_RESERVED);
  private readonly buffers: PlannedBuffer[] = [];
  private readonly params: ParamEntry[] = [];
  private readonly stateBuffers: Generated["buffers"] = [];
  private readonly constants: string[] = [];
  private scratch = 0;
  private usesTraining = false;
  /** Some `conv …, batchnorm` runs as one kernel at inference (fold.ts). */
  private folds = false;
  private readonly layerIds = new Map<Node, string>();
  /** Identifiers of each layer's parameters and running statistics, by their short name. */
  private readonly tensorIds = new Map<LayerNode, Map<string, string>>();

  constructor(
    private readonly model: CheckedModel,
    private readonly specPath: string,
    private readonly inPlaceConcat: boolean,
  ) {}

  run(): Generated {
    const m = this.model;
    const inputSize = numel(m.inputShape);
    this.batch("input", inputSize, m.inputShape, "activations", false);
    // Ids for every layer output and its gradient, in order.
    const assign = (nodes: readonly Node[]) => {
      for (const n of nodes) {
        this.layerIds.set(n, this.names.pair(n.name));
        for (const list of childLists(n)) assign(list);
      }
    };
    assign(m.nodes);
    // Parameters first (one block of the arena), then gradients, then state.
    for (const layer of allLayers(m.nodes)) {
      const id = this.layerIds.get(layer)!;
      const own = new Map<string, string>();
      this.tensorIds.set(layer, own);
      for (const p of layer.params) {
        const pid = this.names.pair(`${id}_${p.name}`);
        own.set(p.name, pid);
        this.params.push({ name: `${layer.name}.${p.name}`, id: pid, spec: p });
      }
      for (const b of layer.buffers) {
        const bid = this.names.one(`${id}_${b.name}`);
        own.set(b.name, bid);
        this.stateBuffers.push({ name: `${layer.name}.${b.name}`, id: bid, shape: b.shape, fill: b.fill, ...(b.min !== undefined ? { min: b.min } : {}) });
      }
    }
    for (const p of this.params) this.buffers.push({ id: p.id, fixed: numel(p.spec.shape), perExample: 0, kind: "float", comment: `[${p.spec.shape.join("][")}]`, section: "params" });
    for (const p of this.params) this.buffers.push({ id: `d${p.id}`, fixed: numel(p.spec.shape), perExample: 0, kind: "float", comment: "", section: "grads" });
    for (const b of this.stateBuffers) this.buffers.push({ id: b.id, fixed: numel(b.shape), perExample: 0, kind: "float", comment: `[${b.shape.join("][")}]`, section: "state" });

    const last = m.nodes[m.nodes.length - 1];
    const output = last ? this.layerIds.get(last)! : "input";
    const doutput = `d${output}`;
    // Nothing reads the gradient of the model's input: the first layers get no dx to write.
    const code = this.sequence(m.nodes, "input", null, doutput);
    const outSize = numel(m.outputShape);
    if (m.loss?.kind === "softmax") this.buffers.push({ id: "probs", fixed: 0, perExample: outSize, kind: "float", comment: "softmax of the output", section: "layer" });
    if (m.loss?.kind === "mse") this.buffers.push({ id: "targets", fixed: 0, perExample: outSize, kind: "float", comment: "regression targets", section: "layer" });
    const stateSize = this.stateBuffers.reduce((a, b) => a + numel(b.shape), 0);
    if (stateSize) this.buffers.push({ id: "stateBackup", fixed: stateSize, perExample: 0, kind: "float", comment: "running statistics before a training step", section: "state" });
    return {
      model: m,
      plan: { buffers: this.buffers, scratch: this.scratch },
      params: this.params,
      buffers: this.stateBuffers,
      constants: this.constants,
      forward: code.forward,
      backward: code.backward,
      output,
      doutput,
      inputSize,
      outputSize: numel(m.outputShape),
      loss: m.loss,
      decayed: m.loss && m.loss.l2 > 0 ? this.params.filter((p) => p.spec.decay) : [],
      usesTraining: this.usesTraining,
      folds: this.folds,
    };
  }

  private batch(id: string, perExample: number, shape: Shape, section: PlannedBuffer["section"], pairName: boolean, kind: "float" | "int" = "float"): string {
    const name = pairName ? this.names.one(id) : id;
    this.buffers.push({ id: name, fixed: 0, perExample, kind, comment: `(B, ${shape.join(", ")})`, section });
    return name;
  }

  /**
   * Code for a sequence of nodes reading `x` (whose gradient goes to `dx`, or
   * nowhere when null). The last node's output gradient is `dyLast`.
   */
  private sequence(nodes: readonly Node[], x: string, dx: string | null, dyLast: string | null, slice: Slice | null = null): Code & { output: string } {
    const ids = nodes.map((n) => this.layerIds.get(n)!);
    // Is each node's input gradient read? Not when it is the model input's; after that, when the node
    // before has parameters (its backward runs) or passes on a gradient that is read.
    const readsDx: boolean[] = [];
    nodes.forEach((n, i) => readsDx.push(i === 0 ? dx !== null : readsDx[i - 1]! || hasParams(nodes[i - 1]!)));
    // Output gradient of each node: the last gets dyLast, the others their own `d` buffer when it is read.
    const dys = ids.map((id, i) => (i === nodes.length - 1 ? dyLast : readsDx[i + 1] ? `d${id}` : null));
    const codes: Code[] = [];
    const backward: string[][] = [];
    // `conv …, relu` and `fc …, relu`: the kernel applies the relu and writes the relu's output directly.
    // The fused layer's own output is never stored, so only a relu whose backward reads its output (not its input) can be fused.
    const fused = nodes.map((_, i) => fusesNext(nodes, i));
    // A concat branch writing into its slice: the last node's output is a view of the concat's output and its gradient a
    // view of the concat's (dyLast); the layer writing it (the last, or the one the last relu is fused into) gets the stride.
    const last = nodes.length - 1;
    const yStride = (i: number): number | null => (slice !== null && (i === last || (fused[i] && i + 1 === last)) ? slice.stride : null);
    const dyStride = (i: number): number | null => (slice !== null && i === last && dyLast !== null ? slice.stride : null);
    nodes.forEach((n, i) => {
      const id = ids[i]!;
      const input = i === 0 ? x : ids[i - 1]!;
      const inputGrad = i === 0 ? dx : dys[i - 1]!;
      // A fused layer writes straight into the relu's output: its own output buffer is never needed.
      const shape = `(B, ${n.output.join(", ")})`;
      if (slice !== null && i === last) this.view(id, slice.of, slice.offset, `${shape}, slice ${slice.offset}… of ${slice.of}'s examples (${slice.stride} apart)`);
      else if (!fused[i]) this.buffers.push({ id, fixed: 0, perExample: numel(n.output), kind: "float", comment: shape, section: "activations" });
      if (dys[i] === `d${id}`) this.buffers.push({ id: `d${id}`, fixed: 0, perExample: numel(n.output), kind: "float", comment: fused[i] ? shape : "", section: "activations" });
      const code =
        n.type === "residual"
          ? this.residual(n, input, id, dys[i]!, inputGrad)
          : n.type === "concat"
            ? this.concat(n, input, id, dys[i]!, inputGrad)
            : n.type === "gate"
              ? this.gate(n, input, id, dys[i]!, inputGrad)
              : this.layer(n, input, fused[i] ? ids[i + 1]! : id, dys[i]!, inputGrad, fused[i], yStride(i), dyStride(i));
      if (i > 0 && fused[i - 1]) code.forward = [`// ${this.header(n)} (applied by ${commentText(nodes[i - 1]!.name)}'s kernel)`];
      if (inputGrad === null && !hasParams(n)) code.backward = [`// backward of ${this.header(n)}: nothing to do (no parameters, and nothing reads its input's gradient)`];
      codes.push(code);
      backward.push(code.backward);
    });
    return { forward: this.foldGroups(nodes, codes, ids, slice), backward: backward.reverse().flat(), output: ids[ids.length - 1] ?? x };
  }

  /** The sequence's forward code, each `conv …, batchnorm[, relu|relu6]` run as one kernel at inference (fold.ts). */
  private foldGroups(nodes: readonly Node[], codes: readonly Code[], ids: readonly string[], slice: Slice | null): string[] {
    const forward: string[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const group: FoldGroup | null = foldAt(nodes, i, slice !== null);
      if (group === null) {
        forward.push(...codes[i]!.forward);
        continue;
      }
      const unfused = codes.slice(i, group.end + 1).flatMap((c) => c.forward);
      const yStride = slice !== null && group.end === nodes.length - 1 ? slice.stride : null;
      forward.push(...foldedForward(nodes[i] as LayerNode, codes[i]!.ctx!, nodes[i + 1] as LayerNode, codes[i + 1]!.ctx!, group, ids[group.end]!, unfused, yStride));
      this.folds = true;
      i = group.end;
    }
    return forward;
  }

  /** `conv1: conv 5x5 x6 pad 2 (specs/lenet5.nnspec:12:3) → 6x28x28`: the node's statement, where it is, its output shape. */
  private header(n: Node): string {
    const pos = n.file.position(n.span.start);
    const where = `${this.specPath}:${pos.line}:${pos.column}`;
    return `${commentText(n.name)}: ${commentText(statementText(n))} (${commentText(where)}) → ${formatShape(n.output)}`;
  }

  /**
   * Where a layer whose kernel cannot skip its input gradient (batchnorm)
   * writes it when nothing reads it: `d` + its input's name (`dinput` for the
   * first layer), allocated on first use only.
   */
  private gradientSink(n: LayerNode, x: string): string {
    const id = `d${x}`;
    if (!this.buffers.some((b) => b.id === id)) this.buffers.push({ id, fixed: 0, perExample: numel(n.input), kind: "float", comment: `(B, ${n.input.join(", ")}), written, not read`, section: "activations" });
    return id;
  }

  /**
   * Code for one layer. dx is null when nothing reads its input gradient; dy
   * is null only when, in addition, the layer has no parameters: it then has
   * no backward code (sequence writes the comment that says so).
   */
  private layer(n: LayerNode, x: string, y: string, dy: string | null, dx: string | null, fusedRelu: boolean, yStride: number | null = null, dyStride: number | null = null): Code {
    const emit = n.def.emit;
    if (!emit) throw new Error(`internal: layer kind ${n.kind} has no code generator`);
    const idle = dx === null && n.params.length === 0;
    const ownDx = dx === null && !emit.nullableDx && !idle ? this.gradientSink(n, x) : dx;
    const markTraining = () => {
      this.usesTraining = true;
      return "training";
    };
    const local = new Map<string, string>();
    const base = this.layerIds.get(n)!; // names of the layer's own buffers (y is the relu's when one is fused)
    const ctx: EmitLayer = {
      x,
      y,
      get dy() {
        if (dy === null) throw new Error(`internal: layer ${n.name}'s output gradient is read, but nothing writes it`);
        return dy;
      },
      dx: ownDx,
      n: "n",
      batchSize: "batchSize",
      input: n.input,
      output: n.output,
      inSize: numel(n.input),
      outSize: numel(n.output),
      param: (name) => this.tensorId(n, name),
      grad: (name) => `d${this.tensorId(n, name)}`,
      buffer: (name) => this.tensorId(n, name),
      batchBuffer: (suffix, perExample, kind = "float") => {
        const key = `batch:${suffix}`;
        let id = local.get(key);
        if (!id) {
          id = this.names.one(`${base}_${suffix}`);
          local.set(key, id);
          this.buffers.push({ id, fixed: 0, perExample, kind, comment: `(B, ${perExample})`, section: "layer" });
        }
        return id;
      },
      fixedBuffer: (suffix, size) => {
        const key = `fixed:${suffix}`;
        let id = local.get(key);
        if (!id) {
          id = this.names.one(`${base}_${suffix}`);
          local.set(key, id);
          this.buffers.push({ id, fixed: size, perExample: 0, kind: "float", comment: `[${size}]`, section: "layer" });
        }
        return id;
      },
      scratch: (size) => {
        this.scratch = Math.max(this.scratch, size);
        return "scratch";
      },
      constant: (suffix, expression) => {
        const key = `const:${suffix}`;
        let id = local.get(key);
        if (!id) {
          id = this.names.one(`${base}_${suffix}`);
          local.set(key, id);
          this.constants.push(`const ${id} = ${expression};`);
        }
        return id;
      },
      get training() {
        return markTraining();
      },
      rng: "rng",
      fusedRelu,
      yStride,
      dyStride,
    };
    const forward = [`// ${this.header(n)}`, ...emit.forward(n.attrs, ctx)];
    const backward = idle ? [] : [`// backward of ${this.header(n)}`, ...emit.backward(n.attrs, declaredOnly(ctx, n))];
    return { forward, backward, ctx };
  }

  /** A buffer that is `of` from `offset` on (no memory of its own), declared in the same section as `of`, after it. */
  private view(id: string, of: string, offset: number, comment: string): void {
    const base = this.buffers.find((b) => b.id === of);
    if (!base) throw new Error(`internal: view ${id} of ${of}, which is not planned yet`);
    this.buffers.push({ id, fixed: 0, perExample: 0, kind: "float", comment, section: base.section, view: { of, offset } });
  }

  private tensorId(n: LayerNode, name: string): string {
    const id = this.tensorIds.get(n)?.get(name);
    if (!id) throw new Error(`internal: layer ${n.name} has no tensor ${name}`);
    return id;
  }

  private residual(r: ResidualNode, x: string, y: string, dy: string | null, dx: string | null): Code {
    const count = `n * ${lit(numel(r.output))}`;
    const inCount = `n * ${lit(numel(r.input))}`;
    // Body: x → … ; its input gradient goes straight to dx. Both branches read dy as their output gradient.
    const body = this.sequence(r.body, x, dx, dy);
    const forward = [`// ${commentText(r.name)}: body`, ...body.forward];
    const backward = [`// backward of ${this.header(r)}; the sum passes its gradient to both branches`, ...body.backward];
    let skip = x;
    if (r.shortcut && r.shortcut.length) {
      // The shortcut's input gradient is added to dx: it has a buffer only when something reads dx.
      const skipGrad = dx === null ? null : this.names.one(`d${y}_skip`);
      if (skipGrad !== null) this.buffers.push({ id: skipGrad, fixed: 0, perExample: numel(r.input), kind: "float", comment: `(B, ${r.input.join(", ")})`, section: "layer" });
      const sc = this.sequence(r.shortcut, x, skipGrad, dy);
      forward.push(`// ${commentText(r.name)}: shortcut`, ...sc.forward);
      backward.push(...sc.backward);
      skip = sc.output;
      if (dx !== null && skipGrad !== null) backward.push(r.body.length ? `rt.addInto(${dx}, ${skipGrad}, ${inCount});` : `k.add(${dy}, ${skipGrad}, ${dx}, ${inCount});`);
    } else if (dx !== null) {
      backward.push(r.body.length ? `rt.addInto(${dx}, ${dy}, ${inCount});` : `k.add(${dy}, ${dy}, ${dx}, ${inCount});`);
    }
    forward.push(`// ${this.header(r)}`, `k.add(${body.output}, ${skip}, ${y}, ${count});`);
    return { forward, backward };
  }

  /**
   * A concat: every branch reads x. Channels first, a branch's slice of one
   * example is contiguous, but the slices of successive examples are not: a
   * branch ending in a layer that writes slices (`writesSlices`: a conv, an
   * activation of the kernel set, batchnorm, pooling, fc, or a relu fused into
   * a conv or fc) writes straight into its slice of y, examples outSize apart, and
   * its backward reads its slice of dy in place; any other branch writes its
   * own buffer, copied into its slice per example, and gets its slice of dy
   * copied out. The branches' input gradients add up in dx (`branch { }`
   * adds its slice of dy itself).
   */
  private concat(c: ConcatNode, x: string, y: string, dy: string | null, dx: string | null): Code {
    const inSize = lit(numel(c.input));
    const outSize = lit(numel(c.output));
    const forward: string[] = [];
    const backward: string[] = [`// backward of ${this.header(c)}: each branch gets its slice of the gradient; their input gradients add up`];
    let written = false;
    let skipGrad: string | null = null;
    let offset = 0;
    c.branches.forEach((branch, i) => {
      const size = numel(branch.length ? branch[branch.length - 1]!.output : c.input);
      const at = lit(offset);
      offset += size;
      if (branch.length === 0) {
        forward.push(`// ${commentText(c.name)}.branch${i + 1}: the input itself`, `k.copySlices(${x}, ${inSize}, 0, ${y}, ${outSize}, ${at}, ${lit(size)}, n);`);
        if (dx !== null && dy !== null) backward.push(`k.${written ? "addSlices" : "copySlices"}(${dy}, ${outSize}, ${at}, ${dx}, ${inSize}, 0, ${lit(size)}, n);`);
        written ||= dx !== null;
        return;
      }
      const needsGrad = dy !== null && (dx !== null || branch.some(hasParams));
      const inPlace = this.inPlaceConcat && writesSlice(branch);
      const dyBranch = needsGrad ? this.names.one(`d${y}_branch${i + 1}`) : null;
      if (dyBranch !== null && inPlace) this.view(dyBranch, dy!, offset - size, `slice ${offset - size}… of ${dy}'s examples (${outSize} apart)`);
      else if (dyBranch !== null) this.buffers.push({ id: dyBranch, fixed: 0, perExample: size, kind: "float", comment: `(B, ${size}), slice ${offset - size}…${offset} of d${y}`, section: "layer" });
      let branchDx: string | null = null;
      if (dx !== null) {
        if (!written) branchDx = dx;
        else {
          if (skipGrad === null) {
            skipGrad = this.names.one(`d${y}_skip`);
            this.buffers.push({ id: skipGrad, fixed: 0, perExample: numel(c.input), kind: "float", comment: `(B, ${c.input.join(", ")})`, section: "layer" });
          }
          branchDx = skipGrad;
        }
      }
      const code = this.sequence(branch, x, branchDx, dyBranch, inPlace ? { of: y, offset: offset - size, stride: numel(c.output) } : null);
      if (inPlace) forward.push(`// ${commentText(c.name)}.branch${i + 1}: writes straight into its slice of ${y}`, ...code.forward);
      else forward.push(`// ${commentText(c.name)}.branch${i + 1}`, ...code.forward, `k.copySlices(${code.output}, ${lit(size)}, 0, ${y}, ${outSize}, ${at}, ${lit(size)}, n);`);
      if (dyBranch !== null && !inPlace) backward.push(`k.copySlices(${dy}, ${outSize}, ${at}, ${dyBranch}, ${lit(size)}, 0, ${lit(size)}, n);`);
      backward.push(...code.backward);
      if (branchDx !== null && branchDx !== dx) backward.push(`rt.addInto(${dx}, ${branchDx}, n * ${inSize});`);
      written ||= dx !== null;
    });
    // Forward is written in branch order; the header goes after the branches, as for residual.
    forward.push(`// ${this.header(c)} (joined above, slice by slice)`);
    return { forward, backward };
  }

  /** A gate: g = body(x), y = x ⊙ g (g broadcast over H and W when it has one value per channel). */
  private gate(gn: GateNode, x: string, y: string, dy: string | null, dx: string | null): Code {
    const last = gn.body[gn.body.length - 1]!;
    const perChannel = gn.input.length === 3 && last.output.length === 1;
    const channels = lit(perChannel ? gn.input[0]! : numel(gn.input));
    const spatial = lit(perChannel ? gn.input[1]! * gn.input[2]! : 1);
    const dg = dy === null ? null : this.names.one(`d${y}_gate`);
    if (dg !== null) this.buffers.push({ id: dg, fixed: 0, perExample: numel(last.output), kind: "float", comment: `(B, ${last.output.join(", ")}), gradient of the gate`, section: "layer" });
    const body = this.sequence(gn.body, x, dx, dg);
    const forward = [`// ${commentText(gn.name)}: body`, ...body.forward, `// ${this.header(gn)}`, `k.gateForward(${x}, ${body.output}, ${y}, n, ${channels}, ${spatial});`];
    if (dy === null || dg === null) return { forward, backward: [] };
    const backward = [`// backward of ${this.header(gn)}: the body gets Σ dy ⊙ x; x gets the body's gradient plus dy ⊙ gate`, `k.gateBackwardGate(${dy}, ${x}, ${dg}, n, ${channels}, ${spatial});`, ...body.backward];
    if (dx !== null) backward.push(`k.gateBackwardInput(${dy}, ${body.output}, ${dx}, n, ${channels}, ${spatial});`);
    return { forward, backward };
  }
}

interface Code {
  forward: string[];
  backward: string[];
  output?: string;
  /** A layer's emitter context (for the inference fold, fold.ts). */
  ctx?: EmitLayer;
}

/** Does the node (or any layer inside it) have parameters, i.e. a gradient to compute? */
function hasParams(n: Node): boolean {
  for (const layer of allLayers([n])) if (layer.params.length > 0) return true;
  return false;
}

/** `conv …, relu` and `fc …, relu`: node i's kernel applies the relu after it (only a relu whose backward reads its output, not its input, can be fused). */
function fusesNext(nodes: readonly Node[], i: number): boolean {
  const n = nodes[i]!;
  return n.type === "layer" && n.def.emit?.fusesRelu === true && isRelu(nodes[i + 1]) && !readsInput(nodes[i + 1]!);
}

/** Can a concat branch write straight into its slice: its last layer, or the one its last relu is fused into, writes slices. */
function writesSlice(branch: readonly Node[]): boolean {
  const last = branch.length - 1;
  const writer = last > 0 && fusesNext(branch, last - 1) ? branch[last - 1]! : branch[last];
  return writer?.type === "layer" && writer.def.emit?.writesSlices?.(writer.attrs) === true;
}

function isRelu(n: Node | undefined): boolean {
  return n?.type === "layer" && n.kind === "relu";
}

function readsInput(n: Node): boolean {
  return n.type === "layer" && n.def.emit?.backwardReads.includes("x") === true;
}

/** The backward's view of a layer: `x` and `y` only where the kind declares that its backward reads them. */
function declaredOnly(ctx: EmitLayer, n: LayerNode): EmitLayer {
  const reads = n.def.emit!.backwardReads;
  // A view that inherits ctx's getters (training, dy) without calling them: only what backward reads is evaluated.
  const view = Object.create(ctx) as EmitLayer;
  for (const v of ["x", "y"] as const) {
    if (reads.includes(v)) continue;
    Object.defineProperty(view, v, {
      get() {
        throw new Error(`internal: the backward code of ${n.kind} reads ${v}, but its backwardReads declares [${reads.join(", ")}]`);
      },
    });
  }
  return view;
}
