/**
 * The training loop of `nnspec train`: epochs of seeded steps, a held-out
 * evaluation and a checkpoint after each, and a clean stop on Ctrl-C (a
 * checkpoint at the step reached).
 *
 * Every step is reproducible from (seed, epoch, step): the epoch's shuffle and
 * the step's dropout masks are seeded from them, and the optimizer state is
 * saved beside the weights, so a resumed run continues bit for bit.
 */
import { setImmediate as tick } from "node:timers/promises";
import { SingleBar } from "cli-progress";
import { Batches, countCorrect, randomShift, Rng, type Batch, type Dataset } from "../runtime/index.js";
import { checkpoint, type EpochMetrics, type Progress, type TrainingRun } from "./checkpoint.js";
import { UsageError } from "./io.js";
import { evaluate } from "./measure.js";
import type { TrainOptions } from "./train-options.js";
import { epochLine, say, type RunTotals } from "./train-report.js";

/** Everything the loop works on: the run, its data, where checkpoints go, and where training stands. */
export interface Session {
  run: TrainingRun;
  data: { train: Dataset; test: Dataset };
  /** The weights file checkpoints are written to. */
  out: string;
  progress: Progress;
  /** Metrics of the epochs done so far (restored ones included); the loop appends. */
  history: EpochMetrics[];
}

export interface LoopResult extends RunTotals {
  /** Ctrl-C stopped the run (after a checkpoint). */
  interrupted: boolean;
}

/** The per-step seed of dropout: a mix of the run's seed, the epoch and the step. */
export function stepSeed(seed: number, epoch: number, step: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (epoch + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (step + 0x27d4eb2f), 0x165667b1) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** The learning rate at a step: constant, or cosine annealing from lr to 0 over the run. */
export function scheduledRate(schedule: "cosine" | "constant", lr: number, step: number, total: number): number {
  return schedule === "constant" ? lr : 0.5 * lr * (1 + Math.cos((Math.PI * step) / total));
}

/** Random shifts of the input images (--augment), into a buffer of their own. */
interface Augmentation {
  shifted: Float32Array;
  rng: Rng;
  c: number;
  h: number;
  w: number;
}

/** What every step needs. */
interface Loop {
  session: Session;
  o: TrainOptions;
  batches: Batches;
  classes: number;
  augmentation: Augmentation | undefined;
  /** Set by Ctrl-C; the loop stops at the next check. */
  stop: { requested: boolean };
}

/** Train from session.progress to the last epoch, or until Ctrl-C. */
export async function runEpochs(session: Session, o: TrainOptions): Promise<LoopResult> {
  const { run, data, out, progress, history } = session;
  const { info } = run;
  const classes = info.loss === "softmax" ? info.outputShape[0]! : 0;
  const batches = new Batches(data.train, o.batchSize, o.seed);
  const augmentation = augmentationFor(o, session);
  const evalBatches = new Batches(data.test, o.batchSize, o.seed, { shuffle: false });
  const save = (p: Progress) => checkpoint(out, run, p, history);
  const loop: Loop = { session, o, batches, classes, augmentation, stop: { requested: false } };
  const onSigint = () => {
    loop.stop.requested = true;
  };
  process.on("SIGINT", onSigint);
  const result: LoopResult = { interrupted: false, images: 0, trainSeconds: 0, started: Date.now() };
  try {
    say(o.quiet, `training ${info.name} (${info.paramCount.toLocaleString("en-US")} parameters) on ${data.train.n.toLocaleString("en-US")} examples, testing on ${data.test.n.toLocaleString("en-US")}; ${o.optimizerName} lr ${o.lr} (${o.schedule}), batch ${o.batchSize}, seed ${o.seed}${o.augment ? `, shifts up to ${o.augment} px` : ""}`);
    for (let epoch = progress.epoch; epoch <= o.epochs; epoch++) {
      const e = await trainEpoch(loop, epoch);
      if (e.stoppedAt !== undefined) {
        save({ epoch, step: e.stoppedAt, ...e.counts });
        process.stderr.write(`\ninterrupted: saved ${out} at epoch ${epoch}, step ${e.stoppedAt}; continue with --resume ${out}\n`);
        result.interrupted = true;
        return result;
      }
      result.images += e.images;
      result.trainSeconds += e.seconds;
      const test = evaluate(run.model, data.test, evalBatches, classes, info.l2);
      const { sumLoss, correct, seen } = e.counts;
      const m: EpochMetrics = {
        epoch,
        trainLoss: sumLoss / Math.max(1, seen),
        trainAccuracy: classes ? correct / Math.max(1, seen) : null,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        seconds: round(e.seconds, 3),
      };
      history.push(m);
      console.log(epochLine(m, o.epochs, e.images / e.seconds));
      save({ epoch: epoch + 1, step: 0, sumLoss: 0, correct: 0, seen: 0 });
    }
  } finally {
    process.off("SIGINT", onSigint);
  }
  return result;
}

function augmentationFor(o: TrainOptions, session: Session): Augmentation | undefined {
  const { info } = session.run;
  if (o.augment > 0 && info.inputShape.length !== 3) throw new UsageError(`--augment shifts images, but model ${info.name} takes a vector (${info.inputShape.join("x")})`);
  if (o.augment === 0) return undefined;
  const [c, h, w] = info.inputShape as [number, number, number];
  return { shifted: new Float32Array(o.batchSize * c * h * w), rng: new Rng(0), c, h, w };
}

interface EpochResult {
  /** Running sums over the epoch's steps (from the checkpoint when it resumes mid-epoch). */
  counts: { sumLoss: number; correct: number; seen: number };
  images: number;
  seconds: number;
  /** Steps done when Ctrl-C stopped the epoch; undefined when it ran to the end. */
  stoppedAt?: number;
}

/** One epoch's steps, with a progress bar unless quiet. */
async function trainEpoch(loop: Loop, epoch: number): Promise<EpochResult> {
  const { session, o, batches, classes } = loop;
  const { progress } = session;
  const steps = batches.epoch(epoch);
  const first = epoch === progress.epoch ? progress.step : 0;
  const { sumLoss, correct, seen } = epoch === progress.epoch ? progress : { sumLoss: 0, correct: 0, seen: 0 };
  const counts = { sumLoss, correct, seen };
  const bar = o.quiet ? undefined : new SingleBar({ format: `epoch ${epoch}/${o.epochs} |{bar}| {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}`, hideCursor: true, barsize: 24, etaBuffer: 50 });
  bar?.start(steps, first, { loss: "–", acc: "–", ips: "–" });
  const t0 = performance.now();
  let images = 0;
  for (let step = first; step < steps; step++) {
    const b = batches.batch(step);
    const loss = trainStep(loop, epoch, step, steps, b);
    counts.sumLoss += loss * b.n;
    counts.seen += b.n;
    images += b.n;
    if (classes) counts.correct += countCorrect(session.run.model.output(), b.y, b.n, classes);
    if ((step & 7) === 7 || step === steps - 1) {
      await tick(); // let Ctrl-C reach us
      const ips = Math.round((images / (performance.now() - t0)) * 1000);
      bar?.update(step + 1, { loss: (counts.sumLoss / counts.seen).toFixed(4), acc: classes ? `${((100 * counts.correct) / counts.seen).toFixed(2)}%` : "–", ips });
    }
    if (loop.stop.requested) {
      bar?.stop();
      return { counts, images, seconds: 0, stoppedAt: step + 1 };
    }
  }
  bar?.stop();
  return { counts, images, seconds: (performance.now() - t0) / 1000 };
}

/** One optimizer step on batch `step` of `epoch`; the batch's mean loss. */
function trainStep(loop: Loop, epoch: number, step: number, steps: number, b: Batch): number {
  const { o, augmentation: aug } = loop;
  const { model, optimizer, seed, lr } = loop.session.run;
  model.reseed(stepSeed(seed, epoch, step));
  (optimizer as unknown as { lr: number }).lr = scheduledRate(o.schedule, lr, (epoch - 1) * steps + step, o.epochs * steps);
  let input: Float32Array = b.x;
  if (aug) {
    aug.rng.seed(stepSeed(seed ^ 0x5bd1e995, epoch, step));
    randomShift(b.x, aug.shifted, b.n, aug.c, aug.h, aug.w, o.augment, aug.rng);
    input = aug.shifted.subarray(0, b.x.length);
  }
  return model.trainStep(input, b.y, optimizer);
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
