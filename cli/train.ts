/**
 * `nnspec train`: compile the spec in memory, train on MNIST or .npy data with
 * a progress bar, evaluate on the held-out split after every epoch, save
 * safetensors checkpoints atomically, and stop cleanly on Ctrl-C.
 *
 * Every step is reproducible from (seed, epoch, step): the epoch's shuffle and
 * the step's dropout masks are seeded from them, and the optimizer state is
 * saved beside the weights, so a resumed run continues bit for bit.
 */
import { mkdirSync } from "node:fs";
import { KERNEL_FLAGS, kernelChoice } from "./kernels.js";
import { dirname, resolve } from "node:path";
import { setImmediate as tick } from "node:timers/promises";
import { plot } from "asciichart";
import { SingleBar } from "cli-progress";
import {
  Adam,
  Batches,
  countCorrect,
  createOptimizer,
  DEFAULT_LR,
  loadSafetensorsSync,
  loadWeights,
  l2Penalty,
  Momentum,
  randomShift,
  Rng,
  saveSafetensorsSync,
  saveWeightsSync,
  specHash,
  WeightsError,
  WeightsFormatError,
  writeFileAtomicSync,
  type Dataset,
  type Optimizer,
  type OptimizerName,
  type Tensor,
} from "../runtime/index.js";
import { loadData } from "./data.js";
import { describeIoError, UsageError } from "./io.js";
import { loadModelFromSpec, type ModelInfo, type RunnableModel } from "./load-model.js";
import { parse, positiveInt } from "./main.js";

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number | null;
  testLoss: number;
  testAccuracy: number | null;
  /** Wall-clock seconds of the epoch's training; null for epochs restored from a checkpoint (a checkpoint holds no timings, so identical runs write identical files). */
  seconds: number | null;
}

interface Progress {
  epoch: number;
  /** Steps of `epoch` already done. */
  step: number;
  sumLoss: number;
  correct: number;
  seen: number;
}

const OPTIMIZERS: OptimizerName[] = ["sgd", "momentum", "adam"];

/** The per-step seed of dropout: a mix of the run's seed, the epoch and the step. */
export function stepSeed(seed: number, epoch: number, step: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (epoch + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (step + 0x27d4eb2f), 0x165667b1) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

export async function train(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    model: { type: "string" },
    data: { type: "string" },
    epochs: { type: "string" },
    batch: { type: "string" },
    optimizer: { type: "string" },
    lr: { type: "string" },
    seed: { type: "string" },
    out: { type: "string", short: "o" },
    metrics: { type: "string" },
    resume: { type: "string" },
    force: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
    limit: { type: "string" },
    schedule: { type: "string" },
    augment: { type: "string" },
    ...KERNEL_FLAGS,
  });
  const given_ = (flag: string) => (values as Record<string, unknown>)[flag] as string | undefined;
  if (values.help) {
    const { COMMAND_HELP } = await import("./help.js");
    process.stdout.write(COMMAND_HELP.train + "\n");
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("train takes exactly one FILE (try: nnspec train --help)");
  if (values.data === undefined) throw new UsageError("train needs --data mnist or --data DIR (try: nnspec train --help)");
  // With --resume, settings not given on the command line come from the checkpoint, so the run continues as it began.
  const stored = values.resume === undefined ? {} : checkpointSettings(values.resume as string);
  const pick = (flag: string, key: string): string | undefined => {
    const given = given_(flag);
    const saved = stored[key];
    if (given !== undefined && saved !== undefined && given !== saved && !(flag === "lr" && Number(given) === Number(saved)))
      process.stderr.write(`warning: --${flag} ${given} differs from the checkpoint's ${saved}; the run will not match one that was never interrupted\n`);
    return given ?? saved;
  };
  const [storedSchedule, storedEpochs] = stored["nnspec.schedule"] ? stored["nnspec.schedule"].split(":") : [undefined, undefined];
  const epochs = values.epochs === undefined ? 10 : positiveInt(values.epochs, "--epochs");
  const batchSize = positiveInt(pick("batch", "nnspec.batch") ?? "32", "--batch");
  const seed = nonNegativeInt(pick("seed", "nnspec.seed") ?? "0", "--seed");
  const optimizerName = (pick("optimizer", "nnspec.optimizer") ?? "momentum") as OptimizerName;
  if (!OPTIMIZERS.includes(optimizerName)) throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(", ")}, not ${String(values.optimizer)}`);
  const lrText = pick("lr", "nnspec.lr");
  const lr = lrText === undefined ? DEFAULT_LR[optimizerName] : positiveNumber(lrText, "--lr");
  const limit = values.limit === undefined ? undefined : positiveInt(values.limit, "--limit");
  const schedule = (values.schedule as string | undefined) ?? storedSchedule ?? "constant";
  if (schedule !== "cosine" && schedule !== "constant") throw new UsageError(`--schedule must be cosine or constant, not ${schedule}`);
  if (schedule === "cosine" && storedSchedule === "cosine" && storedEpochs !== String(epochs))
    process.stderr.write(`warning: the cosine schedule was planned over ${storedEpochs} epochs and now spans ${epochs}; the learning rates change from here on\n`);
  const quiet = values.quiet === true || !process.stdout.isTTY;
  const augment = nonNegativeInt(pick("augment", "nnspec.augment") ?? "0", "--augment");
  // A resumed run keeps the kernels and thread count it began with: only then is it bit-identical to one never interrupted.
  const kernels = kernelChoice(pick("threads", "nnspec.threads"), pick("kernels", "nnspec.kernels"));
  const settings = { schedule, epochs, batch: batchSize, augment };
  if (values.metrics !== undefined) {
    try {
      mkdirSync(dirname(resolve(values.metrics as string)), { recursive: true });
    } catch (e) {
      throw new UsageError(`${String(values.metrics)}: ${describeIoError(e)}`);
    }
  }

  const loaded = await loadModelFromSpec(positionals[0]!, values.model as string | undefined);
  const info = loaded.info;
  const out = (values.out as string | undefined) ?? `${info.name}.safetensors`;
  try {
    mkdirSync(dirname(resolve(out)), { recursive: true });
  } catch (e) {
    throw new UsageError(`${out}: ${describeIoError(e)}`);
  }
  const data = loadData(values.data as string, info, limit);
  const model = loaded.createModel({ batchSize, seed, ...kernels });
  const optimizer = createOptimizer(optimizerName, lr);
  const hash = specHash(loaded.specText);
  let progress: Progress = { epoch: 1, step: 0, sumLoss: 0, correct: 0, seen: 0 };
  const history: EpochMetrics[] = [];
  if (values.resume !== undefined) {
    const resumed = resume(values.resume as string, model, info, optimizer, optimizerName, hash, values.force === true);
    progress = resumed.progress;
    history.push(...resumed.history);
    say(quiet, `resuming from ${values.resume} at epoch ${progress.epoch}, step ${progress.step}`);
  }

  const classes = info.loss === "softmax" ? info.outputShape[0]! : 0;
  const batches = new Batches(data.train, batchSize, seed);
  if (augment > 0 && info.inputShape.length !== 3) throw new UsageError(`--augment shifts images, but model ${info.name} takes a vector (${info.inputShape.join("x")})`);
  const [augC, augH, augW] = info.inputShape as [number, number, number];
  const shifted = augment > 0 ? new Float32Array(batchSize * augC * augH * augW) : undefined;
  const augmentRng = new Rng(0);
  const evalBatches = new Batches(data.test, batchSize, seed, { shuffle: false });
  const save = (p: Progress) => checkpoint(out, model, info, optimizer, optimizerName, lr, seed, hash, p, history, settings);
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on("SIGINT", onSigint);
  const started = Date.now();
  let images = 0;
  let trainSeconds = 0;
  try {
    say(quiet, `training ${info.name} (${info.paramCount.toLocaleString("en-US")} parameters) on ${data.train.n.toLocaleString("en-US")} examples, testing on ${data.test.n.toLocaleString("en-US")}; ${optimizerName} lr ${lr} (${schedule}), batch ${batchSize}, seed ${seed}${augment ? `, shifts up to ${augment} px` : ""}`);
    for (let epoch = progress.epoch; epoch <= epochs; epoch++) {
      const steps = batches.epoch(epoch);
      const first = epoch === progress.epoch ? progress.step : 0;
      let { sumLoss, correct, seen } = epoch === progress.epoch ? progress : { sumLoss: 0, correct: 0, seen: 0 };
      const bar = quiet ? undefined : new SingleBar({ format: `epoch ${epoch}/${epochs} |{bar}| {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}`, hideCursor: true, barsize: 24, etaBuffer: 50 });
      bar?.start(steps, first, { loss: "–", acc: "–", ips: "–" });
      const t0 = performance.now();
      let epochImages = 0;
      for (let step = first; step < steps; step++) {
        const b = batches.batch(step);
        model.reseed(stepSeed(seed, epoch, step));
        (optimizer as unknown as { lr: number }).lr = scheduledRate(schedule, lr, (epoch - 1) * steps + step, epochs * steps);
        let input: Float32Array = b.x;
        if (shifted) {
          augmentRng.seed(stepSeed(seed ^ 0x5bd1e995, epoch, step));
          randomShift(b.x, shifted, b.n, augC, augH, augW, augment, augmentRng);
          input = shifted.subarray(0, b.x.length);
        }
        const loss = model.trainStep(input, b.y, optimizer);
        sumLoss += loss * b.n;
        seen += b.n;
        epochImages += b.n;
        if (classes) correct += countCorrect(model.output(), b.y, b.n, classes);
        if ((step & 7) === 7 || step === steps - 1) {
          await tick(); // let Ctrl-C reach us
          const ips = Math.round((epochImages / (performance.now() - t0)) * 1000);
          bar?.update(step + 1, { loss: (sumLoss / seen).toFixed(4), acc: classes ? `${((100 * correct) / seen).toFixed(2)}%` : "–", ips });
        }
        if (interrupted) {
          bar?.stop();
          save({ epoch, step: step + 1, sumLoss, correct, seen });
          process.stderr.write(`\ninterrupted: saved ${out} at epoch ${epoch}, step ${step + 1}; continue with --resume ${out}\n`);
          return 130;
        }
      }
      bar?.stop();
      const seconds = (performance.now() - t0) / 1000;
      images += epochImages;
      trainSeconds += seconds;
      const test = evaluate(model, data.test, evalBatches, classes, info.l2);
      const m: EpochMetrics = {
        epoch,
        trainLoss: sumLoss / Math.max(1, seen),
        trainAccuracy: classes ? correct / Math.max(1, seen) : null,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        seconds: round(seconds, 3),
      };
      history.push(m);
      console.log(epochLine(m, epochs, epochImages / seconds));
      save({ epoch: epoch + 1, step: 0, sumLoss: 0, correct: 0, seen: 0 });
    }
  } finally {
    process.off("SIGINT", onSigint);
  }
  const last = history[history.length - 1];
  const imagesPerSecond = trainSeconds > 0 ? Math.round(images / trainSeconds) : 0;
  if (values.metrics !== undefined) {
    const metrics = { model: info.name, epochs: history, testAccuracy: last?.testAccuracy ?? null, testLoss: last?.testLoss ?? null, imagesPerSecond };
    try {
      writeFileAtomicSync(values.metrics as string, new TextEncoder().encode(JSON.stringify(metrics, null, 2) + "\n"));
    } catch (e) {
      throw new UsageError(`${String(values.metrics)}: ${describeIoError(e)}`);
    }
  }
  if (history.length > 1 && !quiet) console.log(chart(history, classes > 0));
  const total = (Date.now() - started) / 1000;
  console.log(
    `done: ${history.length} epoch${history.length === 1 ? "" : "s"} in ${total.toFixed(1)} s (${imagesPerSecond.toLocaleString("en-US")} img/s training); ` +
      (last ? (classes ? `held-out accuracy ${pct(last.testAccuracy!)}, loss ${last.testLoss.toFixed(4)}` : `held-out MSE ${last.testLoss.toPrecision(4)}`) : "nothing to do") +
      `; weights in ${out}`,
  );
  return 0;
}

/** The learning rate at a step: constant, or cosine annealing from lr to 0 over the run. */
export function scheduledRate(schedule: "cosine" | "constant", lr: number, step: number, total: number): number {
  return schedule === "constant" ? lr : 0.5 * lr * (1 + Math.cos((Math.PI * step) / total));
}

/** Mean loss and accuracy over a data set, in inference mode. */
export function evaluate(model: RunnableModel, data: Dataset, batches: Batches, classes: number, l2: number, confusion?: Int32Array): { loss: number; accuracy: number | null } {
  const steps = batches.epoch(0);
  // The data loss alone: `loss` adds λ/2·Σw² over the weights, which is the same for every batch.
  const penalty = l2 > 0 ? l2Penalty(Object.entries(model.params).filter(([k]) => k.endsWith(".weight")).map(([, w]) => w), l2) : 0;
  let sum = 0;
  let correct = 0;
  for (let s = 0; s < steps; s++) {
    const b = batches.batch(s);
    const out = model.forward(b.x);
    sum += (model.loss(b.y) - penalty) * b.n;
    if (classes) {
      correct += countCorrect(out, b.y, b.n, classes);
      if (confusion) for (let i = 0; i < b.n; i++) confusion[b.y[i]! * classes + argmax(out, i * classes, classes)]! += 1;
    }
  }
  return { loss: sum / Math.max(1, data.n), accuracy: classes ? correct / Math.max(1, data.n) : null };
}

export function argmax(a: Tensor, offset: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[offset + j]! > a[offset + best]!) best = j;
  return best;
}

function epochLine(m: EpochMetrics, epochs: number, ips: number): string {
  const acc = (a: number | null) => (a === null ? "" : ` acc ${pct(a)}`);
  return `epoch ${m.epoch}/${epochs}: train loss ${m.trainLoss.toFixed(4)}${acc(m.trainAccuracy)} | test loss ${m.testLoss.toFixed(4)}${acc(m.testAccuracy)} | ${(m.seconds ?? 0).toFixed(1)} s, ${Math.round(ips).toLocaleString("en-US")} img/s`;
}

function chart(history: EpochMetrics[], classes: boolean): string {
  const loss = history.map((h) => h.trainLoss);
  const lines = ["", "training loss per epoch", plot(loss, { height: 8, format: (x) => x.toFixed(3).padStart(8) })];
  if (classes) lines.push("", "held-out accuracy per epoch (%)", plot(history.map((h) => 100 * (h.testAccuracy ?? 0)), { height: 8, format: (x) => x.toFixed(2).padStart(8) }));
  else lines.push("", "held-out MSE per epoch", plot(history.map((h) => h.testLoss), { height: 8, format: (x) => x.toPrecision(3).padStart(8) }));
  return lines.join("\n");
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

function say(quiet: boolean, text: string): void {
  if (!quiet) process.stderr.write(text + "\n");
}

function nonNegativeInt(value: unknown, flag: string): number {
  if (typeof value !== "string" || !/^[0-9]+$/.test(value) || Number(value) > 0xffffffff) throw new UsageError(`${flag} must be a whole number from 0 to 4294967295, not ${String(value)}`);
  return Number(value);
}

function positiveNumber(value: unknown, flag: string): number {
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number > 0, not ${String(value)}`);
  return n;
}

/** The settings a checkpoint was trained with (its metadata), read before anything is built. */
function checkpointSettings(path: string): Record<string, string> {
  try {
    return loadSafetensorsSync(path).metadata;
  } catch (e) {
    if (e instanceof WeightsFormatError) throw new UsageError(e.message);
    throw new UsageError(`${path}: ${describeIoError(e)}`);
  }
}

/** The optimizer's state file beside the weights: `w.safetensors` → `w.optim.safetensors`. */
export function optimizerStatePath(weights: string): string {
  return weights.endsWith(".safetensors") ? `${weights.slice(0, -".safetensors".length)}.optim.safetensors` : `${weights}.optim.safetensors`;
}

function optimizerTensors(optimizer: Optimizer): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  if (optimizer instanceof Momentum) for (const [k, v] of optimizer.velocity) out[`velocity/${k}`] = v;
  if (optimizer instanceof Adam) {
    for (const [k, v] of optimizer.m) out[`m/${k}`] = v;
    for (const [k, v] of optimizer.v) out[`v/${k}`] = v;
  }
  return out;
}

/** Save the optimizer state, then the weights (whose metadata says where training stands). Both atomic. */
function checkpoint(
  out: string,
  model: RunnableModel,
  info: ModelInfo,
  optimizer: Optimizer,
  name: OptimizerName,
  lr: number,
  seed: number,
  hash: string,
  p: Progress,
  history: EpochMetrics[],
  settings: { schedule: string; epochs: number; batch: number; augment: number },
): void {
  const runsOn = { "nnspec.kernels": model.kernels, "nnspec.threads": String(model.threads) };
  const marker = `${p.epoch}:${p.step}`;
  const meta: Record<string, string> = {
    model: info.name,
    specHash: hash,
    "nnspec.epoch": String(p.epoch),
    "nnspec.step": String(p.step),
    "nnspec.progress": JSON.stringify({ sumLoss: p.sumLoss, correct: p.correct, seen: p.seen }),
    "nnspec.history": JSON.stringify(history.map((h) => ({ ...h, seconds: null }))),
    "nnspec.optimizer": name,
    "nnspec.lr": String(lr),
    "nnspec.seed": String(seed),
    "nnspec.schedule": `${settings.schedule}:${settings.epochs}`,
    "nnspec.batch": String(settings.batch),
    "nnspec.augment": String(settings.augment),
    ...runsOn,
  };
  try {
    const tensors = Object.fromEntries(Object.entries(optimizerTensors(optimizer)).map(([k, v]) => [k, { dtype: (v instanceof Float64Array ? "F64" : "F32") as "F64" | "F32", shape: [v.length], data: v }]));
    const t = optimizer instanceof Adam ? String(optimizer.t) : "0";
    saveSafetensorsSync(optimizerStatePath(out), tensors, { "nnspec.checkpoint": marker, "nnspec.optimizer": name, "nnspec.t": t });
    saveWeightsSync(out, model, info, { ...meta, model: info.name, specHash: hash });
  } catch (e) {
    throw new UsageError(`${out}: cannot save: ${describeIoError(e)}`);
  }
}

function resume(path: string, model: RunnableModel, info: ModelInfo, optimizer: Optimizer, name: OptimizerName, hash: string, force: boolean): { progress: Progress; history: EpochMetrics[] } {
  let metadata: Record<string, string>;
  try {
    const r = loadWeights(path, model, info, { specHash: hash, force });
    metadata = r.metadata;
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  } catch (e) {
    if (e instanceof WeightsError || e instanceof WeightsFormatError) throw new UsageError(e.message);
    throw new UsageError(`${path}: ${describeIoError(e)}`);
  }
  const epoch = Number(metadata["nnspec.epoch"] ?? "1");
  const step = Number(metadata["nnspec.step"] ?? "0");
  let counts = { sumLoss: 0, correct: 0, seen: 0 };
  let history: EpochMetrics[] = [];
  try {
    counts = JSON.parse(metadata["nnspec.progress"] ?? "{}") as typeof counts;
    history = JSON.parse(metadata["nnspec.history"] ?? "[]") as EpochMetrics[];
  } catch {
    process.stderr.write(`warning: ${path}: unreadable training progress in the metadata; epoch metrics restart\n`);
  }
  // The optimizer state, when it belongs to this very checkpoint and optimizer.
  const statePath = optimizerStatePath(path);
  try {
    const state = loadSafetensorsSync(statePath);
    if (state.metadata["nnspec.checkpoint"] !== `${epoch}:${step}` || state.metadata["nnspec.optimizer"] !== name) {
      process.stderr.write(`warning: ${statePath} is from another checkpoint or optimizer; the optimizer starts fresh\n`);
    } else restoreOptimizer(optimizer, state.tensors, Number(state.metadata["nnspec.t"] ?? "0"), model);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`warning: ${code === "ENOENT" ? `no optimizer state (${statePath})` : `${statePath}: ${e instanceof Error ? e.message : String(e)}`}; the optimizer starts fresh\n`);
  }
  if (!Number.isInteger(epoch) || epoch < 1 || !Number.isInteger(step) || step < 0) throw new UsageError(`${path}: bad training position in its metadata (epoch ${epoch}, step ${step})`);
  return { progress: { epoch, step, sumLoss: counts.sumLoss ?? 0, correct: counts.correct ?? 0, seen: counts.seen ?? 0 }, history };
}

function restoreOptimizer(optimizer: Optimizer, tensors: Record<string, { data: Float32Array | Float64Array }>, t: number, model: RunnableModel): void {
  const copy = (map: Map<string, Tensor>, prefix: string) => {
    for (const [k, p] of Object.entries(model.params)) {
      const saved = tensors[`${prefix}/${k}`];
      if (!saved) continue;
      if (saved.data.length !== p.length) throw new UsageError(`optimizer state ${prefix}/${k} has ${saved.data.length} values, the parameter has ${p.length}`);
      const buf = p instanceof Float64Array ? new Float64Array(p.length) : new Float32Array(p.length);
      buf.set(saved.data);
      map.set(k, buf);
    }
  };
  if (optimizer instanceof Momentum) copy(optimizer.velocity, "velocity");
  if (optimizer instanceof Adam) {
    copy(optimizer.m, "m");
    copy(optimizer.v, "v");
    optimizer.t = t;
  }
}

