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
  loadWeights,
  Momentum,
  saveSafetensorsSync,
  saveWeightsSync,
  WeightsError,
  WeightsFormatError,
  type Optimizer,
  type OptimizerName,
  type Tensor,
} from "../runtime/index.js";
import { describeIoError, fileError, UsageError, warn } from "./io.js";
import type { ModelInfo, RunnableModel } from "./load-model.js";

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
  /** specHash of the spec's text. */
  hash: string;
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

/** Save the optimizer state, then the weights (whose metadata says where training stands). Both atomic. */
export function checkpoint(out: string, run: TrainingRun, p: Progress, history: EpochMetrics[]): void {
  const { model, info, optimizer, optimizerName: name, lr, seed, hash, settings } = run;
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
    // Weights streamed to a device or a pipe (--out /dev/null) cannot be resumed from: no optimizer state beside them.
    if (!isStreamTarget(out)) saveSafetensorsSync(optimizerStatePath(out), tensors, { "nnspec.checkpoint": marker, "nnspec.optimizer": name, "nnspec.t": t });
    saveWeightsSync(out, model, info, { ...meta, model: info.name, specHash: hash });
  } catch (e) {
    throw fileError(out, `cannot save: ${describeIoError(e)}`);
  }
}

/** Load a checkpoint's weights into the model (and its optimizer state, when it matches); where training stands and the epochs so far. */
export function resume(path: string, run: TrainingRun, force: boolean): { progress: Progress; history: EpochMetrics[] } {
  const { model, info, optimizer, optimizerName: name, hash } = run;
  let metadata: Record<string, string>;
  try {
    const r = loadWeights(path, model, info, { specHash: hash, force });
    metadata = r.metadata;
    for (const w of r.warnings) warn(w);
  } catch (e) {
    if (e instanceof WeightsError || e instanceof WeightsFormatError) throw new UsageError(e.message);
    throw fileError(path, describeIoError(e));
  }
  const epoch = Number(metadata["nnspec.epoch"] ?? "1");
  const step = Number(metadata["nnspec.step"] ?? "0");
  let counts = { sumLoss: 0, correct: 0, seen: 0 };
  let history: EpochMetrics[] = [];
  try {
    counts = JSON.parse(metadata["nnspec.progress"] ?? "{}") as typeof counts;
    history = JSON.parse(metadata["nnspec.history"] ?? "[]") as EpochMetrics[];
  } catch {
    warn(`${path}: unreadable training progress in the metadata; epoch metrics restart`);
  }
  // The optimizer state, when it belongs to this very checkpoint and optimizer.
  const statePath = optimizerStatePath(path);
  try {
    const state = loadSafetensorsSync(statePath);
    if (state.metadata["nnspec.checkpoint"] !== `${epoch}:${step}` || state.metadata["nnspec.optimizer"] !== name) {
      warn(`${statePath} is from another checkpoint or optimizer; the optimizer starts fresh`);
    } else restoreOptimizer(optimizer, state.tensors, Number(state.metadata["nnspec.t"] ?? "0"), model);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    warn(`${code === "ENOENT" ? `no optimizer state (${statePath})` : `${statePath}: ${e instanceof Error ? e.message : String(e)}`}; the optimizer starts fresh`);
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
