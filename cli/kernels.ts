/** `--threads N` and `--kernels wasm|js` of train, eval and predict: how the model runs. */
import type { WasmMemoryError } from "../runtime/index.js";
import { UsageError } from "./io.js";
import type { LoadedModel, RunnableModel } from "./load-model.js";

/** parseArgs declarations of the two flags. */
export const KERNEL_FLAGS = {
  threads: { type: "string" },
  kernels: { type: "string" },
} as const;

export const KERNEL_HELP = `  --threads N          threads for the WebAssembly kernels (default: the cores Node reports)
  --kernels wasm|js    WebAssembly SIMD kernels (default) or the TypeScript ones`;

export interface KernelChoice {
  threads?: number;
  kernels?: "wasm" | "js";
}

/** The createModel options from the flags' texts (undefined: the model's defaults). */
export function kernelChoice(threads: string | undefined, kernels: string | undefined): KernelChoice {
  const choice: KernelChoice = {};
  if (threads !== undefined) {
    const n = Number(threads);
    if (!/^[0-9]+$/.test(threads) || n < 1 || n > 64) throw new UsageError(`--threads must be a whole number from 1 to 64, not ${threads}`);
    choice.threads = n;
  }
  if (kernels !== undefined) {
    if (kernels !== "wasm" && kernels !== "js") throw new UsageError(`--kernels must be wasm or js, not ${kernels}`);
    choice.kernels = kernels;
  }
  return choice;
}

/**
 * createModel with the chosen kernels. A model whose memory plan does not fit
 * a WebAssembly memory (4 GiB) runs on the TypeScript kernels when no
 * --kernels was given (with a note), and is refused with the flag to use when
 * --kernels wasm was. A batch too large for the model's memory names --batch.
 */
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
