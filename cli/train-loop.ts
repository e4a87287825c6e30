/**
 * The training loop of `nnspec train`: epochs of seeded steps, a held-out
 * evaluation and a checkpoint after each, the --metrics file after each, and
 * a clean stop on Ctrl-C or SIGTERM (a checkpoint at the step reached, exit
 * 130; see interrupt.ts).
 *
 * Every step is reproducible from (seed, epoch, step): the epoch's shuffle and
 * the step's dropout masks are seeded from them, and the optimizer state is
 * saved beside the weights, so a resumed run continues bit for bit.
 *
 * Divergence: a step whose loss is NaN or infinite changes nothing (the
 * generated trainStep checks the loss before the backward pass), so the loop
 * saves the weights as they are, the last good step, and ends the run with a
 * TrainingError (one line, exit 1). Weights that are not finite when a
 * checkpoint is due also end the run, without saving them: --out keeps the
 * last good checkpoint, at worst the initial weights (a checkpoint is written
 * before the first step).
 */
import { SingleBar } from "cli-progress";
import { Batches, countCorrect, DivergenceError, randomShift, Rng, type Batch, type Dataset } from "../runtime/index.js";
import { checkpoint, type EpochMetrics, type Progress, type TrainingRun } from "./checkpoint.js";
import { TrainingError } from "./errors.js";
import { Interrupt } from "./interrupt.js";
import { displayPath } from "../diagnostics/display.js";
import { UsageError } from "./io.js";
import { evaluationSteps, type Evaluation } from "./measure.js";
import type { TrainOptions } from "./train-options.js";
import { epochLine, MetricsFile, say, type RunTotals } from "./train-report.js";

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
  /** Ctrl-C or SIGTERM stopped the run before its last epoch (after a checkpoint). */
  interrupted: boolean;
  /** A signal came while the last epoch was being saved: the run is complete, and still exits 130. */
  signalled: boolean;
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
  /** The held-out set's batches, in order. */
  evalBatches: Batches;
  classes: number;
  augmentation: Augmentation | undefined;
  /** Ctrl-C / SIGTERM: the loop stops at the next check. */
  interrupt: Interrupt;
  /** The last checkpoint written: what --out holds if training diverges. */
  lastGood: Progress;
  /** The non-finite loss of the step that diverged. */
  lastLoss?: number;
}

/** Train from session.progress to the last epoch, or until Ctrl-C; diverging throws a TrainingError. */
export async function runEpochs(session: Session, o: TrainOptions): Promise<LoopResult> {
  const { run, data, progress } = session;
  const { info } = run;
  const classes = info.loss === "softmax" ? info.outputShape[0]! : 0;
  const batches = new Batches(data.train, o.batchSize, o.seed);
  if (progress.step > batches.epoch(progress.epoch)) throw new UsageError(`${o.resume}: the checkpoint is at step ${progress.step} of epoch ${progress.epoch}, but an epoch has ${batches.epoch(progress.epoch)} steps with this data and --batch ${o.batchSize}`);
  const evalBatches = new Batches(data.test, o.batchSize, o.seed, { shuffle: false });
  const loop: Loop = { session, o, batches, evalBatches, classes, augmentation: augmentationFor(o, session), interrupt: new Interrupt(), lastGood: progress };
  const result: LoopResult = { interrupted: false, signalled: false, images: 0, trainSeconds: 0, started: Date.now() };
  const metrics = new MetricsFile(o.metrics, session, result);
  try {
    say(o.quiet, `training ${info.name} (${info.paramCount.toLocaleString("en-US")} parameters) on ${data.train.n.toLocaleString("en-US")} examples, testing on ${data.test.n.toLocaleString("en-US")}; ${o.optimizerName} lr ${o.lr} (${o.schedule}), batch ${o.batchSize}, seed ${o.seed}${o.augment ? `, shifts up to ${o.augment} px` : ""}`);
    if (progress.epoch <= o.epochs) save(loop, progress);
    for (let epoch = progress.epoch; epoch <= o.epochs; epoch++) {
      const stopped = await runEpoch(loop, epoch, result, metrics);
      if (stopped !== undefined) {
        save(loop, stopped);
        process.stderr.write(`interrupted: saved ${displayPath(session.out)} at epoch ${stopped.epoch}, step ${stopped.step}; continue with --resume ${displayPath(session.out)}\n`);
        result.interrupted = true;
        return result;
      }
    }
    result.signalled = loop.interrupt.requested;
    return result;
  } finally {
    loop.interrupt.dispose();
    metrics.write(); // the finished epochs' metrics, also when training failed
  }
}

/** One epoch: its steps, the held-out evaluation, its metrics and its checkpoint. Where training stands when a stop was requested. */
async function runEpoch(loop: Loop, epoch: number, result: LoopResult, metrics: MetricsFile): Promise<Progress | undefined> {
  const { session, o, classes } = loop;
  const e = await trainEpoch(loop, epoch);
  if (e.stoppedAt !== undefined) return { epoch, step: e.stoppedAt, ...e.counts };
  result.images += e.images;
  result.trainSeconds += e.seconds;
  const test = await evaluateUnlessStopped(loop);
  if (test === undefined) return { epoch, step: e.steps, ...e.counts }; // resuming evaluates this epoch
  if (!Number.isFinite(test.loss)) diverged(loop, `the held-out loss is ${test.loss} after epoch ${epoch}`);
  const { sumLoss, correct, seen } = e.counts;
  const m: EpochMetrics = {
    epoch,
    trainLoss: sumLoss / Math.max(1, seen),
    trainAccuracy: classes ? correct / Math.max(1, seen) : null,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
    seconds: round(e.seconds, 3),
  };
  session.history.push(m);
  metrics.epochDone();
  console.log(epochLine(m, o.epochs, e.images / e.seconds));
  save(loop, { epoch: epoch + 1, step: 0, sumLoss: 0, correct: 0, seen: 0 });
  return undefined;
}

/** The held-out loss and accuracy; undefined when Ctrl-C came first. */
async function evaluateUnlessStopped(loop: Loop): Promise<Evaluation | undefined> {
  const { session, evalBatches, classes, interrupt } = loop;
  const { run, data } = session;
  const steps = evaluationSteps(run.model, data.test, evalBatches, classes, run.info.l2);
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return r.value;
    if (await interrupt.pause()) return undefined;
  }
}

/**
 * A checkpoint at `p`, after checking that the weights are all finite (else
 * the run diverged, and --out keeps the last good one). `diverging`: the
 * reason the run is stopping, if it is.
 */
function save(loop: Loop, p: Progress, diverging?: string): void {
  const { model } = loop.session.run;
  for (const [name, t] of [...Object.entries(model.params), ...Object.entries(model.buffers)]) {
    for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i]!)) diverged(loop, diverging ?? `${name} holds ${t[i]} at epoch ${p.epoch}, step ${p.step}`);
  }
  checkpoint(loop.session.out, loop.session.run, p);
  loop.lastGood = p;
}

/**
 * A step's loss was not finite, and the step changed nothing: save the
 * weights as they are (the last good step), when they are all finite, and stop.
 */
function divergedAt(loop: Loop, p: Progress, what: string): never {
  if (p.epoch !== loop.lastGood.epoch || p.step !== loop.lastGood.step) save(loop, p, what);
  diverged(loop, what);
}

/** Training diverged: one line saying what, where, what to try, and which checkpoint --out holds. */
function diverged(loop: Loop, what: string): never {
  const { session, o, lastGood: g } = loop;
  const where = g.step > 0 ? `after step ${g.step} of epoch ${g.epoch}` : g.epoch === 1 ? "the initial weights" : `after epoch ${g.epoch - 1}`;
  throw new TrainingError(`training diverged: ${what}; try a lower --lr (it is ${o.lr}) or normalise the inputs; ${session.out} holds the last good weights (${where})`);
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
  /** Steps in the epoch. */
  steps: number;
  images: number;
  seconds: number;
  /** Steps done when Ctrl-C stopped the epoch; undefined when it ran to the end. */
  stoppedAt?: number;
}

/** One epoch's steps, with a progress bar unless quiet; the stop flag is checked after every step. */
async function trainEpoch(loop: Loop, epoch: number): Promise<EpochResult> {
  const { session, o, batches, classes, interrupt } = loop;
  const { progress } = session;
  const steps = batches.epoch(epoch);
  const first = epoch === progress.epoch ? progress.step : 0;
  const { sumLoss, correct, seen } = epoch === progress.epoch ? progress : { sumLoss: 0, correct: 0, seen: 0 };
  const counts = { sumLoss, correct, seen };
  const bar = o.quiet ? undefined : new SingleBar({ format: `epoch ${epoch}/${o.epochs} |{bar}| {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}`, hideCursor: true, barsize: 24, etaBuffer: 50 });
  bar?.start(steps, first, { loss: "–", acc: "–", ips: "–" });
  const t0 = performance.now();
  let images = 0;
  try {
    for (let step = first; step < steps; step++) {
      const b = batches.batch(step);
      const loss = trainStep(loop, epoch, step, steps, b);
      if (loss === undefined) divergedAt(loop, { epoch, step, ...counts }, `the loss is ${loop.lastLoss} in step ${step + 1} of ${steps} of epoch ${epoch}`);
      counts.sumLoss += loss * b.n;
      counts.seen += b.n;
      images += b.n;
      if (classes) counts.correct += countCorrect(session.run.model.output(), b.y, b.n, classes);
      if (bar && ((step & 7) === 7 || step === steps - 1)) {
        const ips = Math.round((images / (performance.now() - t0)) * 1000);
        bar.update(step + 1, { loss: (counts.sumLoss / counts.seen).toFixed(4), acc: classes ? `${((100 * counts.correct) / counts.seen).toFixed(2)}%` : "–", ips });
      }
      if (await interrupt.pause()) return { counts, steps, images, seconds: 0, stoppedAt: step + 1 };
    }
  } finally {
    bar?.stop();
  }
  return { counts, steps, images, seconds: (performance.now() - t0) / 1000 };
}

/** One optimizer step on batch `step` of `epoch`; the batch's mean loss, or undefined when it is not finite (the step then changed nothing). */
function trainStep(loop: Loop, epoch: number, step: number, steps: number, b: Batch): number | undefined {
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
  try {
    return model.trainStep(input, b.y, optimizer);
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    loop.lastLoss = e.loss;
    return undefined;
  }
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
