/**
 * Training checkpoints: the weights (whose safetensors metadata records the
 * settings and where training stands) and, beside them, the optimizer state.
 * Saving is atomic; resuming restores both, so a resumed run continues bit for
 * bit.
 */
import {
  Adam,
  isStreamTarget,
  loadSafetensorsSync,
  Momentum,
  saveSafetensorsSync,
  saveWeightsSync,
  WeightsFormatError,
  type Optimizer,
  type OptimizerName,
  type Tensor,
} from "../runtime/index.js";
import { describeIoError, fileError, UsageError, warn } from "./io.js";
import { displayPath } from "../diagnostics/display.js";
import type { LoadedModel, ModelInfo, RunnableModel } from "./load-model.js";
import { loadWeightsForCli } from "./weights.js";

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number | null;
  testLoss: number;
  testAccuracy: number | null;
  /** Wall-clock seconds of the epoch's training; null for epochs restored from a checkpoint (a checkpoint holds no timings, so identical runs write identical files). */
  seconds: number | null;
}

/** Where training stands. */
export interface Progress {
  epoch: number;
  /** Steps of `epoch` already done. */
  step: number;
  sumLoss: number;
  correct: number;
  seen: number;
}

/** What a checkpoint belongs to: the model, its optimizer, and the settings the run was started with. */
export interface TrainingRun {
  model: RunnableModel;
  info: ModelInfo;
  optimizer: Optimizer;
  optimizerName: OptimizerName;
  lr: number;
  seed: number;
  /** The spec's text and words hashes (load-model.ts). */
  spec: LoadedModel["spec"];
  settings: { schedule: string; epochs: number; batch: number; augment: number };
}

/** The settings a checkpoint was trained with (its metadata), read before anything is built. */
export function checkpointSettings(path: string): Record<string, string> {
  try {
    return loadSafetensorsSync(path).metadata;
  } catch (e) {
    if (e instanceof WeightsFormatError) throw new UsageError(e.message);
    throw fileError(path, describeIoError(e));
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

/**
 * Save the optimizer state, then the weights (whose metadata says where
 * training stands). Both atomic. The metrics of finished epochs are not in
 * the checkpoint but in the --metrics file (history.ts): a checkpoint's size
 * and cost do not grow with the epochs.
 */
export function checkpoint(out: string, run: TrainingRun, p: Progress): void {
  const { model, info, optimizer, optimizerName: name, lr, seed, spec, settings } = run;
  const runsOn = { "nnspec.kernels": model.kernels, "nnspec.threads": String(model.threads) };
  const marker = `${p.epoch}:${p.step}`;
  const meta = {
    model: info.name,
    ...spec,
    "nnspec.epoch": String(p.epoch),
    "nnspec.step": String(p.step),
    "nnspec.progress": JSON.stringify({ sumLoss: p.sumLoss, correct: p.correct, seen: p.seen }),
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
    // Weights streamed to a device or a pipe (--out /dev/null) cannot be resumed from: no optimizer state beside them.
    if (!isStreamTarget(out)) saveSafetensorsSync(optimizerStatePath(out), tensors, { "nnspec.checkpoint": marker, "nnspec.optimizer": name, "nnspec.t": t });
    saveWeightsSync(out, model, info, meta);
  } catch (e) {
    throw fileError(out, `cannot save: ${describeIoError(e)}`);
  }
}

/** What resume restores: where training stands, and an old checkpoint's epoch metrics (nnspec.history, unparsed). */
export interface Resumed {
  progress: Progress;
  legacyHistory: string | undefined;
}

/** Load a checkpoint's weights into the model (and its optimizer state, when it matches); where training stands. */
export function resume(path: string, run: TrainingRun, force: boolean): Resumed {
  const { model, info, optimizer, optimizerName: name, spec } = run;
  const metadata = loadWeightsForCli(path, model, info, { ...spec, force });
  const progress = savedProgress(path, metadata);
  // The optimizer state, when it belongs to this very checkpoint and optimizer.
  const statePath = optimizerStatePath(path);
  try {
    const state = loadSafetensorsSync(statePath);
    const t = Number(state.metadata["nnspec.t"] ?? "0");
    if (state.metadata["nnspec.checkpoint"] !== `${progress.epoch}:${progress.step}` || state.metadata["nnspec.optimizer"] !== name) {
      warn(`${displayPath(statePath)} is from another checkpoint or optimizer; the optimizer starts fresh`);
    } else if (!Number.isSafeInteger(t) || t < 0) {
      warn(`${displayPath(statePath)}: its step count nnspec.t is damaged (${JSON.stringify(state.metadata["nnspec.t"]!.slice(0, 40))}); the optimizer starts fresh`);
    } else restoreOptimizer(optimizer, state.tensors, t, model);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    warn(`${code === "ENOENT" ? `no optimizer state (${statePath})` : `${statePath}: ${e instanceof Error ? e.message : String(e)}`}; the optimizer starts fresh`);
  }
  return { progress, legacyHistory: metadata["nnspec.history"] };
}

/** Where the checkpoint says training stands, checked like its tensors: a damaged value is refused, naming the key. */
function savedProgress(path: string, metadata: Record<string, string>): Progress {
  const damaged = (key: string, why: string): never => {
    throw new UsageError(`${path}: the checkpoint's metadata is damaged: ${key} is ${JSON.stringify((metadata[key] ?? "missing").slice(0, 60))} (${why})`);
  };
  const whole = (key: string, fallback: string, min: number): number => {
    const text = metadata[key] ?? fallback;
    const n = Number(text);
    if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < min) damaged(key, `not a whole number ≥ ${min}`);
    return n;
  };
  const epoch = whole("nnspec.epoch", "1", 1);
  const step = whole("nnspec.step", "0", 0);
  let counts: { sumLoss?: unknown; correct?: unknown; seen?: unknown } = {};
  try {
    counts = JSON.parse(metadata["nnspec.progress"] ?? "{}") as typeof counts;
  } catch {
    damaged("nnspec.progress", "not JSON");
  }
  if (typeof counts !== "object" || counts === null) damaged("nnspec.progress", "not an object");
  const { sumLoss = 0, correct = 0, seen = 0 } = counts;
  const count = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
  if (typeof sumLoss !== "number" || !Number.isFinite(sumLoss) || !count(correct) || !count(seen) || (correct as number) > (seen as number))
    damaged("nnspec.progress", "needs a finite sumLoss and whole counts, correct ≤ seen");
  return { epoch, step, sumLoss: sumLoss as number, correct: correct as number, seen: seen as number };
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
