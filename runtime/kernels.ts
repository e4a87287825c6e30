/**
 * The kernel sets a generated model runs on, and the engine that places its
 * memory plan. Generated code calls the heavy layers through a `Kernels`
 * object (`k.conv2dForward(…)`), so one module runs unchanged on
 *   - "wasm": WebAssembly SIMD kernels on the model's own shared memory, split
 *     across `threads` threads (float32 only; the default for float32), or
 *   - "js": the plain TypeScript kernels of this runtime (float32 and float64).
 * Both take the same arguments (views of the arena) and give the same results
 * up to float32 rounding.
 */
import { activationKernels, KERNEL_ACTIVATIONS } from "./activations.js";
import { adaptiveAvgPoolBackward, adaptiveAvgPoolForward, adaptiveMaxPoolBackward, adaptiveMaxPoolForward } from "./adaptive-pool.js";
import { add, copyInto } from "./add.js";
import { activationBackwardSlices, activationForwardSlices, addSlices, copySlices, gateBackwardGate, gateBackwardInput, gateForward } from "./branch.js";
import { channelAffine } from "./batchnorm.js";
import { channelEmbed, channelExtract, channelShuffle } from "./channels.js";
import { conv2dBackward, conv2dForward } from "./conv.js";
import { channelSums, deconv2dForward } from "./deconv.js";
import { fcBackward, fcForward } from "./fc.js";
import { Arena, type TensorCtor } from "./model.js";
import { check, oneOf, OptionError, wholeNumber } from "./options.js";
import { avgPoolBackward, avgPoolForward, globalAvgPoolBackward, globalAvgPoolForward, maxPoolBackward, maxPoolForward } from "./pool.js";
import { upsampleBilinearBackward, upsampleBilinearForward, upsampleNearestBackward, upsampleNearestForward } from "./resize.js";
import type { Tensor } from "./tensor.js";
import { ENGINE_SINK, type KernelKind, type Kernels, type PlanSizes } from "./kernel-types.js";
import { platform } from "#platform";
import { createWasmKernels } from "./wasm/backend.js";
import { defaultThreads, MAX_THREADS } from "./wasm/threads.js";

export type { KernelKind, Kernels, PlanSizes } from "./kernel-types.js";
export { WasmMemoryError } from "./wasm/module.js";

/** The TypeScript kernels. */
export const jsKernels: Kernels = Object.freeze({
  kind: "js" as const,
  threads: 1,
  conv2dForward,
  conv2dBackward,
  deconv2dForward,
  fcForward,
  fcBackward,
  maxPoolForward,
  maxPoolBackward,
  avgPoolForward,
  avgPoolBackward,
  ...activationKernels((name) => KERNEL_ACTIVATIONS[name]),
  add,
  copy: copyInto,
  copySlices,
  addSlices,
  activationForwardSlices,
  activationBackwardSlices,
  gateForward,
  gateBackwardGate,
  gateBackwardInput,
  upsampleNearestForward,
  upsampleNearestBackward,
  upsampleBilinearForward,
  upsampleBilinearBackward,
  adaptiveAvgPoolForward,
  adaptiveAvgPoolBackward,
  adaptiveMaxPoolForward,
  adaptiveMaxPoolBackward,
  channelEmbed,
  channelExtract,
  channelShuffle,
  channelAffine,
  globalAvgPoolForward,
  globalAvgPoolBackward,
  channelSums,
  dispose: () => {},
  ready: () => Promise.resolve(),
});

/** The options of createModel that choose the kernels. */
export interface EngineOptions {
  threads?: number;
  kernels?: KernelKind;
}

export { ENGINE_SINK };
/** EngineOptions as createModelAsync passes them to a generated createModel. */
export interface AsyncEngineOptions extends EngineOptions {
  [ENGINE_SINK]: (kernels: Kernels) => void;
}

/** A model's memory (two arenas) and the kernels that work on it. */
export interface Engine<T extends Tensor> {
  floats: Arena<T>;
  ints: Arena<Int32Array>;
  kernels: Kernels;
}

/**
 * Allocates a model's memory plan and picks its kernels: float32 models run on
 * "wasm" unless options.kernels is "js"; float64 models only on "js".
 */
export function createEngine<T extends Tensor>(ctor: TensorCtor<T>, sizes: PlanSizes, options: EngineOptions, model: string): Engine<T> {
  const f64 = ctor.BYTES_PER_ELEMENT === 8;
  const kind = checkKind(options.kernels, f64, model);
  const sink = (options as Partial<AsyncEngineOptions>)[ENGINE_SINK];
  const threads = checkThreads(options.threads, model, sink !== undefined);
  if (kind === "js") {
    return { floats: new Arena(ctor, sizes.floats), ints: new Arena(Int32Array, sizes.ints), kernels: jsKernels };
  }
  const w = createWasmKernels(sizes, threads);
  sink?.(w.kernels);
  return { floats: new Arena(ctor, sizes.floats, w.floats as unknown as T), ints: new Arena(Int32Array, sizes.ints, w.ints), kernels: w.kernels };
}

function checkKind(kind: unknown, f64: boolean, model: string): KernelKind {
  if (kind === undefined) return f64 ? "js" : "wasm";
  const k = check(model, "kernels", kind, KERNEL_KIND);
  if (k === "wasm" && f64) throw new OptionError(`${model}: the WebAssembly kernels are float32; this module was compiled with --dtype f64, so use kernels: "js"`, "kernels");
  return k;
}

const KERNEL_KIND = oneOf<KernelKind>(["wasm", "js"]);

/**
 * The thread count. Where the kernels cannot load synchronously (browsers), a
 * synchronous createModel runs on one thread: its workers could not start while
 * the page waits for them. createModelAsync (`async`) may use more.
 */
export function checkThreads(threads: unknown, model: string, async = false): number {
  const sync = !async && !platform.syncKernels;
  if (threads === undefined) return sync ? 1 : defaultThreads();
  const n = check(model, "threads", threads, wholeNumber(1, MAX_THREADS));
  if (sync && n > 1) throw new OptionError(`${model}: ${n} threads in a browser need createModelAsync (worker threads start asynchronously); createModel runs on 1`, "threads");
  return n;
}

