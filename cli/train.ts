/**
 * `nnspec train`: compile the spec in memory, train on MNIST or .npy data with
 * a progress bar, evaluate on the held-out split after every epoch, save
 * safetensors checkpoints atomically, and stop cleanly on Ctrl-C. The steps:
 * options (train-options.ts) → data and model (here) → loop (train-loop.ts)
 * → report (train-report.ts); checkpoints in checkpoint.ts.
 */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createOptimizer, isStreamTarget, NPY_FILES } from "../runtime/index.js";
import { displayPath } from "../diagnostics/display.js";
import { parse } from "./args.js";
import { optimizerStatePath, resume, type EpochMetrics, type Progress, type TrainingRun } from "./checkpoint.js";
import { loadData } from "./data.js";
import { restoreHistory } from "./history.js";
import { createRunnable } from "./create-model.js";
import { loadModelFromSpec } from "./load-model.js";
import { lockOutput } from "./lock.js";
import { checkOutputs, identity, type InputFile, type OutputFile } from "./paths.js";
import { runEpochs, type Session } from "./train-loop.js";
import { TRAIN_FLAGS, trainOptions, type TrainOptions } from "./train-options.js";
import { finish, say } from "./train-report.js";

export async function train(argv: string[]): Promise<number> {
  const { values, positionals } = parse("train", argv, TRAIN_FLAGS, "one");
  const options = trainOptions(values, positionals);
  if (options.metrics !== undefined) makeParentDir(options.metrics);
  const session = await setUp(options);
  const result = await runEpochs(session, options);
  if (result.interrupted) return 130;
  finish(session.run.info, session.history, session.out, options, result);
  return result.signalled ? 130 : 0;
}

/** Load the model and the data, create the optimizer, and restore the checkpoint with --resume. */
async function setUp(o: TrainOptions): Promise<Session> {
  const loaded = await loadModelFromSpec(o.spec, o.model);
  const info = loaded.info;
  const out = o.out ?? `${info.name}.safetensors`;
  makeParentDir(out);
  checkTrainOutputs(o, out);
  if (!isStreamTarget(out)) lockOutput(out);
  const data = loadData(o.data, info, o.limit);
  const model = createRunnable(loaded, { batchSize: o.batchSize, seed: o.seed }, o.kernels, (text) => process.stderr.write(text + "\n"));
  const optimizer = createOptimizer(o.optimizerName, o.lr);
  const run: TrainingRun = {
    model,
    info,
    optimizer,
    optimizerName: o.optimizerName,
    lr: o.lr,
    seed: o.seed,
    spec: loaded.spec,
    settings: { schedule: o.schedule, epochs: o.epochs, batch: o.batchSize, augment: o.augment },
  };
  let progress: Progress = { epoch: 1, step: 0, sumLoss: 0, correct: 0, seen: 0 };
  let history: EpochMetrics[] = [];
  if (o.resume !== undefined) {
    const resumed = resume(o.resume, run, o.force);
    progress = resumed.progress;
    history = restoreHistory(o.metrics, resumed.legacyHistory, info.name, progress.epoch);
    say(o.quiet, `resuming from ${displayPath(o.resume)} at epoch ${progress.epoch}, step ${progress.step}`);
  }
  return { run, data, out, progress, history };
}

/** Every file train writes, checked against what it reads and against each other before anything is loaded or trained (paths.ts). */
function checkTrainOutputs(o: TrainOptions, out: string): void {
  const inputs: InputFile[] = [{ role: "the spec", path: o.spec }];
  if (o.data !== "mnist") for (const name of NPY_FILES) inputs.push({ role: `--data's ${name}`, path: join(o.data, name) });
  // Resuming in place (--resume W --out W) is the usual way to continue a run; a checkpoint elsewhere is an input.
  if (o.resume !== undefined && identity(o.resume) !== identity(out))
    inputs.push({ role: "--resume", path: o.resume }, { role: "--resume's optimizer state", path: optimizerStatePath(o.resume) });
  const outputs: OutputFile[] = [{ role: "--out", path: out, kind: "safetensors" }];
  if (!isStreamTarget(out)) outputs.push({ role: "--out's optimizer state", path: optimizerStatePath(out), kind: "safetensors" });
  if (o.metrics !== undefined) outputs.push({ role: "--metrics", path: o.metrics, kind: "metrics" });
  checkOutputs(inputs, outputs, o.force);
}

/** Create an output's folder when missing; when it cannot be, checkOutputs says why, naming the flag. */
function makeParentDir(path: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
  } catch {
    // reported by checkTrainOutputs
  }
}
