/**
 * The metrics of finished epochs ("history"). They live in the --metrics
 * file, which the loop rewrites after every epoch; checkpoints do not carry
 * them (rewriting a growing history into every checkpoint made long runs
 * quadratic). `--resume` with `--metrics M` continues M's list. Checkpoints
 * written before this change hold the history in their metadata
 * (`nnspec.history`); it is read, checked, when there is no metrics file.
 */
import { readFileSync, statSync } from "node:fs";
import type { EpochMetrics } from "./checkpoint.js";
import { displayPath } from "../diagnostics/display.js";
import { describeIoError, UsageError, warn as warnLine } from "./io.js";

/** Largest metrics file read back (a million epochs of metrics is about 150 MB). */
const MAX_METRICS_BYTES = 256 * 2 ** 20;

/** `value` as a list of epoch metrics, or a reason it is not one. Never trusts a length or a shape it did not check. */
export function parseHistory(value: unknown): EpochMetrics[] | string {
  if (!Array.isArray(value)) return "not a list";
  const out: EpochMetrics[] = [];
  for (let i = 0; i < value.length; i++) {
    const m = value[i] as Partial<Record<keyof EpochMetrics, unknown>> | null;
    const num = (x: unknown) => typeof x === "number" && Number.isFinite(x);
    const numOrNull = (x: unknown) => x === null || num(x);
    if (typeof m !== "object" || m === null || m.epoch !== i + 1 || !num(m.trainLoss) || !num(m.testLoss) || !numOrNull(m.trainAccuracy) || !numOrNull(m.testAccuracy) || !(m.seconds === undefined || numOrNull(m.seconds)))
      return `entry ${i + 1} is not epoch ${i + 1}'s metrics`;
    out.push({ epoch: m.epoch, trainLoss: m.trainLoss as number, trainAccuracy: m.trainAccuracy as number | null, testLoss: m.testLoss as number, testAccuracy: m.testAccuracy as number | null, seconds: (m.seconds as number | null | undefined) ?? null });
  }
  return out;
}

/**
 * The metrics of the epochs before `epoch` for a resumed run: from the
 * --metrics file when it exists, else from an old checkpoint's metadata.
 * Missing or unusable history is a warning (the metrics then start at the
 * resumed epoch), never a reason to stop.
 */
export function restoreHistory(metrics: string | undefined, legacy: string | undefined, model: string, epoch: number): EpochMetrics[] {
  const done = epoch - 1;
  const warn = (text: string) => warnLine(`${text}; the metrics list starts at epoch ${epoch}`);
  let listed: EpochMetrics[] | string | undefined;
  let source = "";
  if (metrics !== undefined && exists(metrics)) {
    source = displayPath(metrics);
    listed = readMetricsHistory(metrics, model);
  } else if (legacy !== undefined) {
    source = "the checkpoint's nnspec.history";
    try {
      listed = parseHistory(JSON.parse(legacy));
    } catch {
      listed = "not JSON";
    }
  }
  if (listed === undefined) {
    if (metrics !== undefined && done > 0) warn(`${displayPath(metrics)} does not exist yet, so the metrics of epochs 1 to ${done} are not known`);
    return [];
  }
  if (typeof listed === "string") return warn(`${source}: ${listed}`), [];
  if (listed.length < done) return warn(`${source} lists ${listed.length} of the ${done} finished epochs`), [];
  return listed.slice(0, done);
}

function readMetricsHistory(path: string, model: string): EpochMetrics[] | string {
  let data: { model?: unknown; epochs?: unknown };
  try {
    const size = statSync(path).size;
    if (size > MAX_METRICS_BYTES) return `larger than ${MAX_METRICS_BYTES / 2 ** 20} MiB, not an nnspec metrics file`;
    data = JSON.parse(readFileSync(path, "utf8")) as typeof data;
  } catch (e) {
    if (e instanceof SyntaxError) return "not JSON";
    throw new UsageError(`${path}: ${describeIoError(e)}`);
  }
  if (typeof data !== "object" || data === null) return "not an nnspec metrics file";
  if (data.model !== model) return `the metrics of model ${String(data.model)}, not ${model}`;
  const epochs = parseHistory(data.epochs);
  return typeof epochs === "string" ? `its epochs: ${epochs}` : epochs;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
