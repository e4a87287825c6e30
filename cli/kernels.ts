/** `--threads N` and `--kernels wasm|js` of train, eval and predict: how the model runs. */
import { choice as oneOf } from "./args.js";
import { UsageError } from "./io.js";

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
  if (kernels !== undefined) choice.kernels = oneOf(kernels, "--kernels", ["wasm", "js"] as const);
  return choice;
}

