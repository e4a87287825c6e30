/**
 * Loading weights for a CLI command: the runtime's loadWeights, its warnings
 * printed, and its errors as the CLI's one-line messages (naming --force
 * where the flag would help: the runtime's messages name no CLI flag).
 */
import { loadWeights, WeightsError, WeightsFormatError } from "../runtime/index.js";
import { describeIoError, fileError, UsageError, warn } from "./io.js";
import type { ModelInfo, RunnableModel } from "./load-model.js";

export function loadWeightsForCli(path: string, model: RunnableModel, info: ModelInfo, opts: { specHash: string; specWordsHash: string; force: boolean }): Record<string, string> {
  try {
    const r = loadWeights(path, model, info, opts);
    for (const w of r.warnings) warn(w.replace(/\(force: true\)$/, "(--force)"));
    return r.metadata;
  } catch (e) {
    if (e instanceof WeightsError && e.forceable) throw new UsageError(`${e.message.replace(/; load with \{ force: true \} to accept it$/, "")} — pass --force to load anyway`);
    if (e instanceof WeightsError || e instanceof WeightsFormatError) throw new UsageError(e.message);
    throw fileError(path, describeIoError(e));
  }
}
