/**
 * Cross-check of generated models against an independent implementation:
 * TensorFlow.js's CPU backend (float32, like the models compiled here).
 *
 * For each spec, the generated module is compiled in float32 and a model is
 * created with a seed; its biases, batchnorm γ/β, running statistics and any
 * all-zero weights get random values so that every path carries signal. The
 * same network is then built in TF.js, with the model's own parameters, by a
 * small interpreter over the checked layer list (`checkSource(…).models[0].nodes`)
 * that builds each layer by its kind's rule in tfjs-oracle.ts,
 * and on a random batch of 4 we compare:
 *  - inference: the output, the loss (with its L2 term) and the gradient of
 *    every parameter (TF.js: `tf.variableGrads` of the same loss);
 *  - training, for models with batchnorm: the output with batch statistics,
 *    the loss, every gradient, and the running statistics after the step.
 *
 * Dropout: TF.js cannot reproduce our dropout masks, so models with dropout
 * (cifar_cnn, all_layers) compare gradients in inference mode, where our
 * backward treats dropout as the identity and batchnorm as an affine map with
 * the running statistics. Their training-mode check (batch statistics through
 * batchnorm) runs on a copy of the checked model with every dropout rate set
 * to 0, which makes dropout the identity in training too.
 *
 * Inference-only specs (no `loss`: all_ops, all_layers) get `loss mse + l2 0.01`
 * appended for the gradient checks; their outputs are also compared as they are.
 *
 * Tolerance: |ours − tf| ≤ 1e-4 · max(1, |tf|) for every output value, loss,
 * gradient entry and running statistic, i.e. absolute below magnitude 1 and
 * relative above.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// tfjs-core's Node bundle registers no gradient functions (the `@tensorflow/tfjs` union package does): register them here
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allLayers, checkSource, LAYERS, type CheckedModel, type LayerNode, type Node } from "../../compiler/index.js";
import { compileModel } from "../../compiler/emit/index.js";
import { Rng } from "../../runtime/rng.js";
import { acceptanceSpec, acceptanceSpecsOrFail } from "../helpers/acceptance.js";
import { ROOT } from "../helpers/cli.js";
import { TMP, type GeneratedModel, type GeneratedModule } from "../helpers/compile.js";
import { TFJS_ORACLE, type OracleEnv } from "./tfjs-oracle.js";

const TOL = 1e-4;
const BATCH = 4;

const SPECS: { label: string; path: string }[] = [
  ...["lenet5", "cifar_cnn", "regressor", "all_layers", "separable", "branches"].map((n) => ({ label: `specs/${n}`, path: join(ROOT, "specs", `${n}.nnspec`) })),
  { label: "specs/decoder", path: join(ROOT, "specs", "decoder.nnspec") },
  ...(acceptanceSpecsOrFail("valid").length ? ["lenet5", "cifar_cnn", "regressor", "all_ops"].map((n) => ({ label: `acceptance/${n}`, path: acceptanceSpec("valid", n) })) : []),
];

// ---------------------------------------------------------------------------
// Compiling
// ---------------------------------------------------------------------------

function check(text: string, path: string): CheckedModel {
  const r = checkSource(path, text);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`${path} does not check: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  return r.models[0]!;
}

/** Compile a checked model in float32 and import it (cached on disk by content, like loadSpec). */
async function load(model: CheckedModel): Promise<GeneratedModule> {
  const { typescript } = await compileModel(model, { dtype: "f32", specPath: "crosscheck.nnspec" });
  const dir = join(TMP, createHash("sha256").update(typescript).digest("hex").slice(0, 16));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "model.ts");
  writeFileSync(file, typescript);
  return (await import(file)) as GeneratedModule;
}

/** The spec with a loss added before the model's closing brace (for inference-only specs). */
function withLoss(text: string): string {
  const end = text.lastIndexOf("}");
  return `${text.slice(0, end)}  loss mse + l2 0.01\n${text.slice(end)}`;
}

const layers = (m: CheckedModel): LayerNode[] => [...allLayers(m.nodes)];
const hasKind = (m: CheckedModel, kind: string) => layers(m).some((l) => l.kind === kind);
const hasDropout = (m: CheckedModel) => layers(m).some((l) => l.kind === "dropout" && l.attrs.value > 0);
function zeroDropout(m: CheckedModel): CheckedModel {
  for (const l of layers(m)) if (l.kind === "dropout") l.attrs.value = 0;
  return m;
}

// ---------------------------------------------------------------------------
// The TF.js interpreter: each layer by its kind's rule in tfjs-oracle.ts.
// ---------------------------------------------------------------------------

/** The layer by its kind's TF.js rule. */
function runLayer(n: LayerNode, x: tf.Tensor, env: OracleEnv): tf.Tensor {
  const oracle = Object.prototype.hasOwnProperty.call(TFJS_ORACLE, n.kind) ? TFJS_ORACLE[n.kind] : undefined;
  if (!oracle) throw new Error(`the TF.js interpreter has no rule for layer kind ${n.kind}`);
  return oracle(n, x, env);
}

function runNodes(nodes: readonly Node[], x: tf.Tensor, env: OracleEnv): tf.Tensor {
  for (const n of nodes) {
    if (n.type === "residual") x = tf.add(runNodes(n.body, x, env), n.shortcut ? runNodes(n.shortcut, x, env) : x);
    else if (n.type === "concat") {
      const input = x;
      x = tf.concat(n.branches.map((b) => runNodes(b, input, env)), -1); // NHWC: channels last
    } else if (n.type === "gate") {
      const g = runNodes(n.body, x, env);
      x = tf.mul(x, g.rank === 2 && x.rank === 4 ? tf.reshape(g, [g.shape[0]!, 1, 1, g.shape[1]!]) : g);
    } else x = runLayer(n, x, env);
    const want = n.output.length === 3 ? [x.shape[0], n.output[1], n.output[2], n.output[0]] : [x.shape[0], ...n.output];
    if (x.shape.join() !== want.join()) throw new Error(`${n.name}: TF.js shape ${x.shape} where ${want} was expected`);
  }
  return x;
}


interface Reference {
  output: Float32Array;
  loss: number | null;
  grads: Record<string, Float32Array>;
  updated: Record<string, Float32Array>;
}

/** Output, loss and parameter gradients of the model in TF.js, from the given parameter values. */
function reference(
  model: CheckedModel,
  params: Record<string, Float32Array>,
  shapes: Record<string, readonly number[]>,
  buffers: Record<string, Float32Array>,
  x: Float32Array,
  target: ArrayLike<number>,
  training: boolean,
): Reference {
  const vars = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.variable(tf.tensor(v, [...shapes[k]!]), true)]));
  const env: OracleEnv = { params: vars, buffers, training, updated: {}, used: new Set() };
  const B = x.length / model.inputShape.reduce((p, q) => p * q, 1);
  const xt = () => {
    const t = tf.tensor(x, [B, ...model.inputShape]);
    return t.rank === 4 ? tf.transpose(t, [0, 2, 3, 1]) : t; // NCHW → NHWC
  };
  let output: Float32Array = new Float32Array();
  try {
    if (!model.loss) {
      tf.tidy(() => void (output = Float32Array.from(runNodes(model.nodes, xt(), env).dataSync())));
      return { output, loss: null, grads: {}, updated: env.updated };
    }
    const loss = model.loss;
    const f = () => {
      const y = runNodes(model.nodes, xt(), env);
      output = Float32Array.from(y.dataSync());
      let value: tf.Scalar;
      if (loss.kind === "softmax") {
        const onehot = tf.oneHot(tf.tensor1d(Array.from(target), "int32"), y.shape[1]!);
        value = tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(y as tf.Tensor2D)), 1)));
      } else value = tf.mean(tf.squaredDifference(y, tf.tensor(Float32Array.from(target), y.shape)));
      // L2: λ/2·Σw² over conv and fc weights
      const decayed = layers(model)
        .filter((l) => l.kind === "conv" || l.kind === "fc")
        .map((l) => tf.sum(tf.square(vars[`${l.name}.weight`]!)));
      if (loss.l2 > 0) value = tf.add(value, tf.mul(loss.l2 / 2, tf.addN(decayed)));
      return value;
    };
    const r = tf.variableGrads(f, Object.values(vars));
    const grads: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(vars)) grads[k] = r.grads[v.name]!.dataSync() as Float32Array;
    const value = r.value.dataSync()[0]!;
    tf.dispose([r.value, ...Object.values(r.grads)]);
    const unused = Object.keys(params).filter((k) => !env.used.has(k));
    if (unused.length) throw new Error(`parameters the TF.js graph did not read: ${unused.join(", ")}`);
    return { output, loss: value, grads, updated: env.updated };
  } finally {
    tf.dispose(Object.values(vars));
  }
}

// ---------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------

interface Diff {
  /** Largest |ours − tf|. */
  abs: number;
  /** Largest |ours − tf| / max(1, |tf|): the quantity held to TOL. */
  scaled: number;
  /** Largest |tf|, for scale. */
  size: number;
  where: string;
}

class Comparison {
  readonly parts: Record<string, Diff> = {};
  add(part: string, name: string, ours: ArrayLike<number>, theirs: ArrayLike<number>): void {
    const d = (this.parts[part] ??= { abs: 0, scaled: 0, size: 0, where: "" });
    if (ours.length !== theirs.length) {
      d.scaled = Infinity;
      d.where = `${name}: ${ours.length} values against ${theirs.length}`;
      return;
    }
    for (let i = 0; i < ours.length; i++) {
      const diff = Math.abs(ours[i]! - theirs[i]!);
      const scaled = Number.isNaN(diff) ? Infinity : diff / Math.max(1, Math.abs(theirs[i]!));
      d.abs = Math.max(d.abs, diff);
      d.size = Math.max(d.size, Math.abs(theirs[i]!));
      if (scaled > d.scaled || (scaled === Infinity && !d.where)) (d.scaled = scaled), (d.where = `${name}[${i}]: ours ${ours[i]}, TF.js ${theirs[i]}`);
    }
  }
  get worst(): Diff {
    return Object.values(this.parts).reduce((w, d) => (d.scaled > w.scaled ? d : w), { abs: 0, scaled: 0, size: 0, where: "" });
  }
}

function fill(a: Float32Array | Float64Array, rng: Rng, lo: number, hi: number): void {
  for (let i = 0; i < a.length; i++) a[i] = lo + (hi - lo) * rng.next();
}

/**
 * Every kernel path a float32 model can run on: WebAssembly on one and two
 * threads (a batch of 4 is split across both), and the TypeScript kernels.
 */
const PATHS = [
  { label: "wasm, 1 thread", kernels: "wasm", threads: 1 },
  { label: "wasm, 2 threads", kernels: "wasm", threads: 2 },
  { label: "js", kernels: "js", threads: 1 },
] as const;
type KernelPath = (typeof PATHS)[number];

/** A model with its seeded weights, and random values where initialisation leaves constants. */
function prepare(mod: GeneratedModule, seed: number, path: KernelPath): GeneratedModel {
  const m = mod.createModel({ batchSize: BATCH, seed, kernels: path.kernels, threads: path.threads });
  const rng = new Rng(seed + 1000);
  for (const [k, p] of Object.entries(m.params)) {
    if (k.endsWith(".gamma")) fill(p, rng, 0.5, 1.5);
    else if (k.endsWith(".bias") || k.endsWith(".beta")) fill(p, rng, -0.3, 0.3);
    else if (p.every((v) => v === 0)) fill(p, rng, -0.2, 0.2); // `init zeros` weights
  }
  for (const [k, b] of Object.entries(m.buffers)) {
    if (k.endsWith(".var")) fill(b, rng, 0.5, 1.5);
    else fill(b, rng, -0.3, 0.3);
  }
  return m;
}

/**
 * Run our model (on each kernel path) and TF.js on the same batch and compare
 * everything; `perturb` alters the TF.js copy of the weights (for the negative control).
 */
function crossCheck(mod: GeneratedModule, model: CheckedModel, training: boolean, seed: number, perturb?: (params: Record<string, Float32Array>) => void): Map<KernelPath, Comparison> {
  const out = new Map<KernelPath, Comparison>();
  let ref: ReturnType<typeof reference> | null = null;
  const referenceOnce: ReferenceOf = (params, shapes, buffers, x, target) => {
    if (ref === null) {
      perturb?.(params);
      ref = reference(model, params, shapes, buffers, x, target, training);
    }
    return ref;
  };
  for (const path of PATHS) {
    const m = prepare(mod, seed, path);
    try {
      out.set(path, compareOne(m, mod, model, training, seed, referenceOnce));
    } finally {
      m.dispose?.();
    }
  }
  return out;
}

type ReferenceOf = (params: Record<string, Float32Array>, shapes: Record<string, readonly number[]>, buffers: Record<string, Float32Array>, x: Float32Array, target: number[] | Float32Array) => ReturnType<typeof reference>;

/** One model against the TF.js reference (computed on the first call, from the first model's weights: every path starts from the same seeded weights). */
function compareOne(
  m: GeneratedModel,
  mod: GeneratedModule,
  model: CheckedModel,
  training: boolean,
  seed: number,
  referenceOf: ReferenceOf,
): Comparison {
  const rng = new Rng(seed + 2000);
  const inSize = mod.info.inputShape.reduce((p, q) => p * q, 1);
  const outSize = mod.info.outputShape.reduce((p, q) => p * q, 1);
  const x = new Float32Array(BATCH * inSize);
  fill(x, rng, -1, 1);
  const target = model.loss?.kind === "softmax" ? Array.from({ length: BATCH }, () => rng.int(outSize)) : Float32Array.from({ length: BATCH * outSize }, () => rng.next() * 2 - 1);

  const params = Object.fromEntries(Object.entries(m.params).map(([k, v]) => [k, Float32Array.from(v)]));
  const buffers = Object.fromEntries(Object.entries(m.buffers).map(([k, v]) => [k, Float32Array.from(v)]));
  const shapes = Object.fromEntries(mod.info.params.map((p) => [p.name, p.shape]));
  const ref = referenceOf(params, shapes, buffers, x, target);

  const c = new Comparison();
  c.add("output", "output", m.forward(x, { training }), ref.output);
  if (training) for (const [k, v] of Object.entries(ref.updated)) c.add("running stats", k, m.buffers[k]!, v);
  if (ref.loss !== null) {
    c.add("loss", "loss", [m.loss(target)], [ref.loss]);
    m.backward();
    for (const k of Object.keys(m.params)) c.add("gradients", k, m.grads[k]!, ref.grads[k]!);
  }
  return c;
}

// ---------------------------------------------------------------------------

const REPORT: string[] = [];

function report(label: string, what: string, results: Map<KernelPath, Comparison>): void {
  expect(results.size).toBe(PATHS.length);
  for (const [path, c] of results) {
    const parts = Object.entries(c.parts).map(([k, d]) => `${k} ${d.abs.toExponential(1)} (max |tf| ${d.size.toPrecision(2)})`);
    REPORT.push(`${label.padEnd(21)} ${`${what} [${path.label}]`.padEnd(50)} ${parts.join(", ")}`);
    const w = c.worst;
    expect(w.scaled, `${label} ${what} on ${path.label}: worst at ${w.where}`).toBeLessThanOrEqual(TOL);
  }
}

beforeAll(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

afterAll(() => {
  if (REPORT.length) console.log(`TF.js cross-check, max |ours − tf| per part:\n${REPORT.join("\n")}`);
});

describe("the TF.js oracle", () => {
  it("has a rule for every registered kind with generated code, and for no other", () => {
    const kinds = [...LAYERS.values()].filter((d) => d.emit).map((d) => d.kind);
    expect(kinds.filter((k) => !Object.prototype.hasOwnProperty.call(TFJS_ORACLE, k))).toEqual([]);
    expect(Object.keys(TFJS_ORACLE).filter((k) => !kinds.includes(k))).toEqual([]);
  });

  it("sees every such kind in the cross-checked specs of specs/", () => {
    const seen = new Set(SPECS.filter((s) => s.label.startsWith("specs/")).flatMap((s) => layers(check(readFileSync(s.path, "utf8"), s.path)).map((l) => l.kind)));
    expect([...LAYERS.values()].filter((d) => d.emit && !seen.has(d.kind)).map((d) => d.kind)).toEqual([]);
  });
});

describe("generated models agree with TF.js (CPU backend, float32)", () => {
  for (const { label, path } of SPECS) {
    describe(label, () => {
      /** The spec as written, and the model that has a loss (the spec itself, or the spec + `loss mse + l2 0.01`). */
      const models = () => {
        const text = readFileSync(path, "utf8");
        const written = check(text, path);
        return { written, trainable: written.loss ? written : check(withLoss(text), path) };
      };

      it("inference: output, loss and every gradient", async () => {
        const { written, trainable } = models();
        if (!written.loss) report(label, "inference, output", crossCheck(await load(written), written, false, 7));
        expect(trainable.loss).not.toBeNull();
        report(label, written.loss ? "inference" : "inference, + loss mse", crossCheck(await load(trainable), trainable, false, 7));
      });

      // Without batchnorm, training mode computes what inference does: only specs with batchnorm get this case.
      const withBatchnorm = hasKind(models().trainable, "batchnorm");
      if (withBatchnorm) it("training (batch statistics): output, loss, every gradient, running statistics", async () => {
        const { written, trainable } = models();
        // dropout masks cannot be reproduced in TF.js: the same network with every dropout rate 0
        const dropout = hasDropout(trainable);
        const model = dropout ? zeroDropout(trainable) : trainable;
        report(label, `training${written.loss ? "" : ", + loss mse"}${dropout ? ", dropout 0" : ""}`, crossCheck(await load(model), model, true, 7));
      });
    });
  }

  it("the comparison sees a wrong weight (negative control)", async () => {
    const model = check(readFileSync(join(ROOT, "specs", "lenet5.nnspec"), "utf8"), "lenet5.nnspec");
    // one weight of fc2 off by 1e-3 in the TF.js copy only
    const results = crossCheck(await load(model), model, false, 7, (p) => void (p["fc2.weight"]![5] += 1e-3));
    for (const c of results.values()) expect(c.worst.scaled).toBeGreaterThan(TOL);
  });
});
