/**
 * createModel for train, eval and predict, with the kernels the flags chose:
 * a model whose memory plan does not fit a WebAssembly memory (4 GiB) runs on
 * the TypeScript kernels when no --kernels was given (with a note), and is
 * refused with the flag to use when --kernels wasm was. A batch too large for
 * the model's memory names --batch.
 */
import type { WasmMemoryError } from "../runtime/index.js";
import { UsageError } from "./io.js";
import type { KernelChoice } from "./kernels.js";
import type { LoadedModel, RunnableModel } from "./load-model.js";

export function createRunnable(loaded: LoadedModel, options: { batchSize: number; seed?: number }, choice: KernelChoice, note: (text: string) => void): RunnableModel {
  try {
    return loaded.createModel({ ...options, ...choice });
  } catch (e) {
    if (e instanceof RangeError && e.name === "WasmMemoryError") {
      const gib = ((e as WasmMemoryError).bytes / 2 ** 30).toFixed(2);
      if (choice.kernels === "wasm") throw new UsageError(`model ${loaded.info.name} needs ${gib} GiB at batch ${options.batchSize}, more than a WebAssembly memory holds (4 GiB); use --kernels js or a smaller --batch`);
      note(`note: model ${loaded.info.name} needs ${gib} GiB at batch ${options.batchSize}, more than a WebAssembly memory holds (4 GiB); running on the TypeScript kernels (--kernels js)`);
      return createRunnable(loaded, options, { ...choice, kernels: "js" }, note);
    }
    if (e instanceof RangeError && /batchSize \d+ needs/.test(e.message)) throw new UsageError(`--batch ${options.batchSize} is too large for model ${loaded.info.name}: ${e.message.replace(/^[^:]*: batchSize \d+ /, "it ")}`);
    throw e;
  }
}
