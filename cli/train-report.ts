/** What `nnspec train` prints and writes about a run: the line per epoch, the final summary, charts, and the --metrics file. */
import { displayPath } from "../diagnostics/display.js";
import { plot } from "asciichart";
import { writeFileAtomicSync } from "../runtime/index.js";
import type { EpochMetrics } from "./checkpoint.js";
import { describeIoError, fileError, UsageError } from "./io.js";
import type { ModelInfo } from "./load-model.js";
import type { TrainOptions } from "./train-options.js";

/** A progress note on stderr, unless quiet. */
export function say(quiet: boolean, text: string): void {
  if (!quiet) process.stderr.write(text + "\n");
}

export function epochLine(m: EpochMetrics, epochs: number, ips: number): string {
  const acc = (a: number | null) => (a === null ? "" : ` acc ${pct(a)}`);
  return `epoch ${m.epoch}/${epochs}: train loss ${m.trainLoss.toFixed(4)}${acc(m.trainAccuracy)} | test loss ${m.testLoss.toFixed(4)}${acc(m.testAccuracy)} | ${(m.seconds ?? 0).toFixed(1)} s, ${Math.round(ips).toLocaleString("en-US")} img/s`;
}

/** What this process did, for the closing line and the --metrics file. */
export interface RunTotals {
  /** Examples trained on and seconds spent training in this process (not in restored epochs). */
  images: number;
  trainSeconds: number;
  /** Date.now() when the loop began. */
  started: number;
}

/** After the last epoch: the --metrics file, the charts (unless quiet) and the closing line. */
export function finish(info: ModelInfo, history: readonly EpochMetrics[], out: string, o: TrainOptions, r: RunTotals): void {
  const classes = info.loss === "softmax" ? info.outputShape[0]! : 0;
  const last = history[history.length - 1];
  const imagesPerSecond = r.trainSeconds > 0 ? Math.round(r.images / r.trainSeconds) : 0;
  if (o.metrics !== undefined) {
    const metrics = { model: info.name, epochs: history, testAccuracy: last?.testAccuracy ?? null, testLoss: last?.testLoss ?? null, imagesPerSecond };
    try {
      writeFileAtomicSync(o.metrics, new TextEncoder().encode(JSON.stringify(metrics, null, 2) + "\n"));
    } catch (e) {
      throw fileError(o.metrics, describeIoError(e));
    }
  }
  if (history.length > 1 && !o.quiet) console.log(chart(history, classes > 0));
  const total = (Date.now() - r.started) / 1000;
  console.log(
    `done: ${history.length} epoch${history.length === 1 ? "" : "s"} in ${total.toFixed(1)} s (${imagesPerSecond.toLocaleString("en-US")} img/s training); ` +
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
