/**
 * `nnspec train`: compile the spec in memory, train on MNIST or .npy data with
 * a progress bar, evaluate on the held-out split after every epoch, save
 * safetensors checkpoints atomically, and stop cleanly on Ctrl-C. The steps:
 * options (train-options.ts) → data and model (here) → loop (train-loop.ts)
 * → report (train-report.ts); checkpoints in checkpoint.ts.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createOptimizer, specHash } from "../runtime/index.js";
import { parse } from "./args.js";
import { resume, type EpochMetrics, type Progress, type TrainingRun } from "./checkpoint.js";
import { loadData } from "./data.js";
import { describeIoError, UsageError } from "./io.js";
import { loadModelFromSpec } from "./load-model.js";
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
  return 0;
}

/** Load the model and the data, create the optimizer, and restore the checkpoint with --resume. */
async function setUp(o: TrainOptions): Promise<Session> {
  const loaded = await loadModelFromSpec(o.spec, o.model);
  const info = loaded.info;
  const out = o.out ?? `${info.name}.safetensors`;
  makeParentDir(out);
  const data = loadData(o.data, info, o.limit);
  const model = loaded.createModel({ batchSize: o.batchSize, seed: o.seed, ...o.kernels });
  const optimizer = createOptimizer(o.optimizerName, o.lr);
  const run: TrainingRun = {
    model,
    info,
    optimizer,
    optimizerName: o.optimizerName,
    lr: o.lr,
    seed: o.seed,
    hash: specHash(loaded.specText),
    settings: { schedule: o.schedule, epochs: o.epochs, batch: o.batchSize, augment: o.augment },
  };
  let progress: Progress = { epoch: 1, step: 0, sumLoss: 0, correct: 0, seen: 0 };
  const history: EpochMetrics[] = [];
  if (o.resume !== undefined) {
    const resumed = resume(o.resume, run, o.force);
    progress = resumed.progress;
    history.push(...resumed.history);
    say(o.quiet, `resuming from ${o.resume} at epoch ${progress.epoch}, step ${progress.step}`);
  }
  return { run, data, out, progress, history };
}

function makeParentDir(path: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
  } catch (e) {
    throw new UsageError(`${path}: ${describeIoError(e)}`);
  }
}
