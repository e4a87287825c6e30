/** What `nnspec train` prints and writes about a run: the line per epoch, the final summary, charts, and the --metrics file. */
import { displayPath } from "../diagnostics/display.js";
import { plot } from "asciichart";
import { writeFileAtomicSync } from "../runtime/index.js";
import type { EpochMetrics } from "./checkpoint.js";
import { describeIoError, fileError } from "./io.js";
import type { ModelInfo } from "./load-model.js";
import type { TrainOptions } from "./train-options.js";

/** A progress note on stderr, unless quiet. */
export function say(quiet: boolean, text: string): void {
  if (!quiet) process.stderr.write(text + "\n");
}

export function epochLine(m: EpochMetrics, epochs: number, ips: number): string {
  const acc = (a: number | null) => (a === null ? "" : ` acc ${pct(a)}`);
  const speed = Number.isFinite(ips) ? Math.round(ips).toLocaleString("en-US") : "–";
  return `epoch ${m.epoch}/${epochs}: train loss ${m.trainLoss.toFixed(4)}${acc(m.trainAccuracy)} | test loss ${m.testLoss.toFixed(4)}${acc(m.testAccuracy)} | ${(m.seconds ?? 0).toFixed(1)} s, ${speed} img/s`;
}

/** What this process did, for the closing line and the --metrics file. */
export interface RunTotals {
  /** Examples trained on and seconds spent training in this process (not in restored epochs). */
  images: number;
  trainSeconds: number;
  /** Date.now() when the loop began. */
  started: number;
}

/** The --metrics file: the epochs so far, the last held-out numbers and the training speed. Written atomically. */
export function writeMetrics(path: string, info: ModelInfo, history: readonly EpochMetrics[], r: RunTotals): void {
  const last = history[history.length - 1];
  const metrics = { model: info.name, epochs: history, testAccuracy: last?.testAccuracy ?? null, testLoss: last?.testLoss ?? null, imagesPerSecond: imagesPerSecond(r) };
  try {
    writeFileAtomicSync(path, new TextEncoder().encode(JSON.stringify(metrics, null, 2) + "\n"));
  } catch (e) {
    throw fileError(path, describeIoError(e));
  }
}

/**
 * The --metrics file, rewritten after every epoch (atomically), so an
 * interrupt, a crash or a kill keeps the finished epochs' metrics. When epochs
 * are so short that rewriting the growing file would cost more than 5% of the
 * run, an epoch's write is skipped until it would not (and the file is always
 * written when the loop ends, however it ends).
 */
export class MetricsFile {
  private writing = 0;
  private unwritten = false;
  constructor(
    private readonly path: string | undefined,
    private readonly session: { run: { info: ModelInfo }; history: readonly EpochMetrics[] },
    private readonly totals: RunTotals,
  ) {}

  epochDone(): void {
    this.unwritten = true;
    if (this.writing <= 0.05 * (Date.now() - this.totals.started)) this.write();
  }

  write(): void {
    if (this.path === undefined || !this.unwritten) return;
    const t0 = Date.now();
    writeMetrics(this.path, this.session.run.info, this.session.history, this.totals);
    this.writing += Date.now() - t0;
    this.unwritten = false;
  }
}

const imagesPerSecond = (r: RunTotals) => (r.trainSeconds > 0 ? Math.round(r.images / r.trainSeconds) : 0);

/** After the last epoch: the charts (unless quiet) and the closing line. (The loop has written the --metrics file.) */
export function finish(info: ModelInfo, history: readonly EpochMetrics[], out: string, o: TrainOptions, r: RunTotals): void {
  const classes = info.loss === "softmax" ? info.outputShape[0]! : 0;
  const last = history[history.length - 1];
  if (history.length > 1 && !o.quiet) console.log(chart(history, classes > 0));
  const total = (Date.now() - r.started) / 1000;
  console.log(
    `done: ${history.length} epoch${history.length === 1 ? "" : "s"} in ${total.toFixed(1)} s (${imagesPerSecond(r).toLocaleString("en-US")} img/s training); ` +
      (last ? (classes ? `held-out accuracy ${pct(last.testAccuracy!)}, loss ${last.testLoss.toFixed(4)}` : `held-out MSE ${last.testLoss.toPrecision(4)}`) : "nothing to do") +
      `; weights in ${displayPath(out)}`,
  );
}

function chart(history: readonly EpochMetrics[], classes: boolean): string {
  const loss = history.map((h) => h.trainLoss);
  const lines = ["", "training loss per epoch", plot(loss, { height: 8, format: (x) => x.toFixed(3).padStart(8) })];
  if (classes) lines.push("", "held-out accuracy per epoch (%)", plot(history.map((h) => 100 * (h.testAccuracy ?? 0)), { height: 8, format: (x) => x.toFixed(2).padStart(8) }));
  else lines.push("", "held-out MSE per epoch", plot(history.map((h) => h.testLoss), { height: 8, format: (x) => x.toPrecision(3).padStart(8) }));
  return lines.join("\n");
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
