/**
 * `nnspec train`'s flags, read and checked before anything is loaded. With
 * --resume, settings not given on the command line come from the checkpoint,
 * so the run continues as it began.
 */
import { DEFAULT_LR, MAX_BATCH_SIZE, type OptimizerName } from "../runtime/index.js";
import { batchSize as batchSizeValue, nonNegativeInt, positiveInt, positiveNumber, shared, type Options, type Values } from "./args.js";
import { checkpointSettings } from "./checkpoint.js";
import { UsageError } from "./io.js";
import { kernelChoice, type KernelChoice } from "./kernels.js";

export const TRAIN_FLAGS = {
  ...shared("model", "data", "batch", "seed", "force", "limit", "threads", "kernels"),
  epochs: { type: "string" },
  optimizer: { type: "string" },
  lr: { type: "string" },
  out: { type: "string", short: "o" },
  metrics: { type: "string" },
  resume: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  schedule: { type: "string" },
  augment: { type: "string" },
} as const satisfies Options;

const OPTIMIZERS: OptimizerName[] = ["sgd", "momentum", "adam"];

export interface TrainOptions {
  spec: string;
  model: string | undefined;
  data: string;
  epochs: number;
  batchSize: number;
  seed: number;
  optimizerName: OptimizerName;
  lr: number;
  limit: number | undefined;
  schedule: "cosine" | "constant";
  augment: number;
  kernels: KernelChoice;
  /** No progress bar or chart (also when stdout is not a terminal). */
  quiet: boolean;
  /** --out as given (the default needs the model's name). */
  out: string | undefined;
  metrics: string | undefined;
  resume: string | undefined;
  force: boolean;
}

export function trainOptions(values: Values, positionals: string[]): TrainOptions {
  if (values.data === undefined) throw new UsageError("train needs --data mnist or --data DIR (try: nnspec train --help)");
  const resumeFrom = values.resume as string | undefined;
  const stored = resumeFrom === undefined ? {} : checkpointSettings(resumeFrom);
  /** A setting from its flag or, when resuming without it, from the checkpoint; a bad saved value is the checkpoint's fault. */
  const pick = <T>(flag: string, key: string, fallback: string, read: (text: string, name: string) => T): T => {
    const given = values[flag] as string | undefined;
    const saved = stored[key];
    if (given !== undefined && saved !== undefined && given !== saved && !(flag === "lr" && Number(given) === Number(saved)))
      process.stderr.write(`warning: --${flag} ${given} differs from the checkpoint's ${saved}; the run will not match one that was never interrupted\n`);
    if (given !== undefined || saved === undefined) return read(given ?? fallback, `--${flag}`);
    try {
      return read(saved, `--${flag}`);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      throw new UsageError(`${resumeFrom}: the checkpoint's metadata is damaged: ${key} is ${JSON.stringify(saved.slice(0, 40))} (${e.message.replace(/^--\S+ /, "")}); give --${flag} to override it`);
    }
  };
  const [storedSchedule, storedEpochs] = stored["nnspec.schedule"] ? stored["nnspec.schedule"].split(":") : [undefined, undefined];
  const epochs = values.epochs === undefined ? 10 : positiveInt(values.epochs, "--epochs");
  const batchSize = pick("batch", "nnspec.batch", "32", (t, f) => batchSizeValue(t, f, MAX_BATCH_SIZE));
  const seed = pick("seed", "nnspec.seed", "0", nonNegativeInt);
  const optimizerName = pick("optimizer", "nnspec.optimizer", "momentum", (t, f) => {
    if (!(OPTIMIZERS as string[]).includes(t)) throw new UsageError(`${f} must be one of ${OPTIMIZERS.join(", ")}, not ${t}`);
    return t as OptimizerName;
  });
  const lr = values.lr === undefined && stored["nnspec.lr"] === undefined ? DEFAULT_LR[optimizerName] : pick("lr", "nnspec.lr", "", positiveNumber);
  const limit = values.limit === undefined ? undefined : positiveInt(values.limit, "--limit");
  const given = values.schedule as string | undefined;
  const schedule = given ?? storedSchedule ?? "constant";
  if (schedule !== "cosine" && schedule !== "constant") {
    if (given !== undefined) throw new UsageError(`--schedule must be cosine or constant, not ${schedule}`);
    throw new UsageError(`${resumeFrom}: the checkpoint's metadata is damaged: nnspec.schedule is ${JSON.stringify(stored["nnspec.schedule"]!.slice(0, 40))} (not cosine or constant); give --schedule to override it`);
  }
  if (schedule === "cosine" && storedSchedule === "cosine" && storedEpochs !== String(epochs))
    process.stderr.write(`warning: the cosine schedule was planned over ${storedEpochs} epochs and now spans ${epochs}; the learning rates change from here on\n`);
  const quiet = values.quiet === true || !process.stdout.isTTY;
  const augment = pick("augment", "nnspec.augment", "0", nonNegativeInt);
  // A resumed run keeps the kernels and thread count it began with: only then is it bit-identical to one never interrupted.
  const kernels = { ...pick("threads", "nnspec.threads", "", (t) => (t === "" ? {} : kernelChoice(t, undefined))), ...pick("kernels", "nnspec.kernels", "", (t) => (t === "" ? {} : kernelChoice(undefined, t))) };
  return {
    spec: positionals[0]!,
    model: values.model as string | undefined,
    data: values.data as string,
    epochs,
    batchSize,
    seed,
    optimizerName,
    lr,
    limit,
    schedule,
    augment,
    kernels,
    quiet,
    out: values.out as string | undefined,
    metrics: values.metrics as string | undefined,
    resume: values.resume as string | undefined,
    force: values.force === true,
  };
}
