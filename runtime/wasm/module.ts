/**
 * The compiled WebAssembly kernel module (runtime/wasm/src/kernels.as.ts,
 * built by scripts/build-wasm.mjs into dist/runtime/wasm/kernels.wasm) and
 * the shared memories it runs on.
 *
 * The module imports its memory (`env.memory`, shared, at most 4 GiB): every
 * model gets a memory of its own holding its whole arena, and each of the
 * model's threads instantiates the module on that same memory. The file is
 * read from disk next to this module (dist/), or from dist/ when this file
 * runs from source (vitest); it is compiled once per process, synchronously.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KERNEL_ACTIVATIONS, type KernelActivation } from "../activations.js";

/** The part of the WebAssembly JS API used here (tsconfig's lib is ES2022 without DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
export type WasmModule = object;
interface WasmJsApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmJsApi }).WebAssembly;

/** The exports of an activation pair, `reluForward(x, y, i0, i1)` and `reluBackward(from, dy, dx, i0, i1)`, for each of KERNEL_ACTIVATIONS. */
type ActivationExports = { [K in KernelActivation as `${K}Forward`]: (x: number, y: number, i0: number, i1: number) => void } & {
  [K in KernelActivation as `${K}Backward`]: (from: number, dy: number, dx: number, i0: number, i1: number) => void;
};

/** The exports of kernels.wasm (see runtime/wasm/src/*.as.ts). Pointers are byte offsets; 0 means "none". */
export interface KernelExports extends ActivationExports {
  /** C = alpha op(A) op(B) + beta C, float32; leading dims in elements; transA/transB 0 or 1. */
  sgemm(transA: number, transB: number, M: number, N: number, K: number, alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void;
  /** First free byte after the module's static data (thread 0's packing scratch). */
  heapBase(): number;
  /** Bytes of packing scratch one thread's sgemm uses. */
  scratchBytes(): number;
  /** Moves this instance's packing scratch to [ptr, ptr + scratchBytes()). */
  setScratch(ptr: number): void;
  /** Geometry slots the kernels read (GEOMETRY_SLOTS.length when kernels.wasm is current). */
  geometrySlots(): number;
  convForward(x: number, w: number, bias: number, y: number, col: number, geom: number, b0: number, b1: number, act: number): void;
  convBackward(x: number, w: number, dy: number, dx: number, dw: number, db: number, col: number, geom: number, b0: number, b1: number): void;
  fcForward(x: number, w: number, bias: number, y: number, B: number, M: number, N: number, n0: number, n1: number, act: number): void;
  fcBackward(x: number, w: number, dy: number, dx: number, dw: number, db: number, B: number, M: number, N: number, n0: number, n1: number, m0: number, m1: number): void;
  maxPoolForward(x: number, y: number, argmax: number, geom: number, p0: number, p1: number): void;
  maxPoolBackward(dy: number, argmax: number, dx: number, geom: number, p0: number, p1: number): void;
  avgPoolForward(x: number, y: number, geom: number, p0: number, p1: number): void;
  avgPoolBackward(dy: number, dx: number, geom: number, p0: number, p1: number): void;
  add(a: number, b: number, out: number, i0: number, i1: number): void;
  copy(src: number, dst: number, n: number): void;
}

/** Kernels a worker thread can run, by job number (the worker looks them up in this order). */
export const JOBS = [
  "convForward", "convBackward", "fcForward", "fcBackward", "maxPoolForward", "maxPoolBackward",
  "avgPoolForward", "avgPoolBackward", ...activationJobs(), "add",
] as const satisfies readonly (keyof KernelExports)[];
export type JobName = (typeof JOBS)[number];

function activationJobs(): (`${KernelActivation}Forward` | `${KernelActivation}Backward`)[] {
  return (Object.keys(KERNEL_ACTIVATIONS) as KernelActivation[]).flatMap((a) => [`${a}Forward` as const, `${a}Backward` as const]);
}

export const PAGE_BYTES = 65536;
/** The module's declared maximum: 65,536 pages = 4 GiB (wasm32). */
export const MAX_PAGES = 65536;

/** Where kernels.wasm may be: next to this module (dist/), else dist/ seen from the source tree. */
const CANDIDATES = [new URL("./kernels.wasm", import.meta.url), new URL("../../dist/runtime/wasm/kernels.wasm", import.meta.url)];

let compiled: WasmModule | null = null;

/** Path of the kernels.wasm that is (or would be) loaded; throws if there is none. */
export function kernelsWasmPath(): string {
  for (const u of CANDIDATES) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  throw new Error(`kernels.wasm not found (looked for ${CANDIDATES.map((u) => fileURLToPath(u)).join(", ")}); build it with \`npm run build\``);
}

/** The compiled module (compiled on first use). */
export function kernelModule(): WasmModule {
  return (compiled ??= new WA.Module(readFileSync(kernelsWasmPath())));
}

/** A memory plan larger than a WebAssembly memory can be (4 GiB): the model must run on the TypeScript kernels. */
export class WasmMemoryError extends RangeError {
  override name = "WasmMemoryError";
  /** The bytes the plan needs. */
  readonly bytes: number;
  constructor(bytes: number) {
    super(`${(bytes / 2 ** 30).toFixed(2)} GiB does not fit in a 4 GiB WebAssembly memory; use a smaller batch or kernels: "js"`);
    this.bytes = bytes;
  }
}

/** A new zeroed shared memory of at least `bytes` bytes that can grow up to `maxBytes` (default: fixed size). */
export function newSharedMemory(bytes: number, maxBytes = bytes): WasmMemory {
  const initial = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  const maximum = Math.max(initial, Math.min(MAX_PAGES, Math.ceil(maxBytes / PAGE_BYTES)));
  if (initial > MAX_PAGES) throw new WasmMemoryError(bytes);
  return new WA.Memory({ initial, maximum, shared: true });
}

/** Instantiates the kernels on `memory` (synchronously). */
export function instantiateKernels(memory: WasmMemory, module: WasmModule = kernelModule()): KernelExports {
  return new WA.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}
