/**
 * The compiled WebAssembly kernel module (runtime/wasm/src/kernels.as.ts,
 * built by scripts/build-wasm.mjs into dist/runtime/wasm/kernels.wasm) and
 * the shared memories it runs on.
 *
 * The module imports its memory (`env.memory`, shared, at most 4 GiB): every
 * model gets a memory of its own holding its whole arena, and each of the
 * model's threads instantiates the module on that same memory. The platform
 * (#platform) finds the file: on Node next to this module (dist/), or in dist/
 * when this file runs from source (vitest), and it is compiled synchronously on
 * first use; `loadKernelModule` compiles it asynchronously (browsers must).
 * It is compiled once per process (or page, or worker).
 *
 * Where SharedArrayBuffer is unavailable (a page that is not cross-origin
 * isolated) a shared memory cannot be made or sent to a worker: the kernels
 * then run on one thread, from a copy of the module whose memory import is
 * declared unshared (`unsharedKernels`, the same code otherwise).
 */
import { platform } from "#platform";
import { KERNEL_ACTIVATIONS, type KernelActivation } from "../activations.js";

/** The part of the WebAssembly JS API used here (tsconfig's lib is ES2022 without DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}
export type WasmModule = object;
interface WasmJsApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  compile(bytes: Uint8Array): Promise<WasmModule>;
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
  convForward(x: number, w: number, bias: number, y: number, col: number, geom: number, b0: number, b1: number, act: number, scale: number): void;
  convBackward(x: number, w: number, dy: number, dx: number, dw: number, db: number, col: number, geom: number, b0: number, b1: number): void;
  fcForward(x: number, w: number, bias: number, y: number, B: number, M: number, N: number, ys: number, n0: number, n1: number, act: number): void;
  fcBackward(x: number, w: number, dy: number, dx: number, dw: number, db: number, B: number, M: number, N: number, dys: number, n0: number, n1: number, m0: number, m1: number): void;
  maxPoolForward(x: number, y: number, argmax: number, geom: number, p0: number, p1: number): void;
  maxPoolBackward(dy: number, argmax: number, dx: number, geom: number, p0: number, p1: number): void;
  avgPoolForward(x: number, y: number, geom: number, p0: number, p1: number): void;
  avgPoolBackward(dy: number, dx: number, geom: number, p0: number, p1: number): void;
  add(a: number, b: number, out: number, i0: number, i1: number): void;
  copy(src: number, dst: number, n: number): void;
  depthwiseForward(x: number, w: number, bias: number, y: number, scratch: number, geom: number, B: number, c0: number, c1: number, act: number, scale: number): void;
  depthwiseBackward(x: number, w: number, dy: number, dx: number, dw: number, db: number, scratch: number, geom: number, B: number, c0: number, c1: number): void;
  gateForward(x: number, g: number, y: number, spatial: number, r0: number, r1: number): void;
  gateBackwardGate(dy: number, x: number, dg: number, spatial: number, r0: number, r1: number): void;
  gateBackwardInput(dy: number, g: number, dx: number, spatial: number, r0: number, r1: number): void;
  convForwardGroups(x: number, w: number, bias: number, y: number, col: number, geom: number, b0: number, b1: number, g0: number, g1: number, act: number, scale: number): void;
  convBackwardGroups(x: number, w: number, dy: number, dx: number, dw: number, db: number, col: number, geom: number, b0: number, b1: number, g0: number, g1: number): void;
  deconvForward(x: number, w: number, bias: number, y: number, col: number, geom: number, b0: number, b1: number): void;
  upsampleNearestForward(x: number, y: number, geom: number, p0: number, p1: number): void;
  upsampleNearestBackward(dy: number, dx: number, geom: number, p0: number, p1: number): void;
  upsampleBilinearForward(x: number, y: number, geom: number, p0: number, p1: number): void;
  upsampleBilinearBackward(dy: number, dx: number, geom: number, p0: number, p1: number): void;
  adaptiveAvgPoolForward(x: number, y: number, geom: number, p0: number, p1: number): void;
  adaptiveAvgPoolBackward(dy: number, dx: number, geom: number, p0: number, p1: number): void;
  adaptiveMaxPoolForward(x: number, y: number, argmax: number, geom: number, p0: number, p1: number): void;
  adaptiveMaxPoolBackward(dy: number, argmax: number, dx: number, inputs: number, outputs: number): void;
  copyRuns(src: number, dst: number, len: number, A: number, B: number, sA: number, sB: number, dA: number, dB: number): void;
  channelAffine(x: number, y: number, scale: number, shift: number, spatial: number, C: number, skip: number, r0: number, r1: number): void;
  globalAvgPoolForward(x: number, y: number, HW: number, p0: number, p1: number): void;
  globalAvgPoolBackward(dy: number, dx: number, HW: number, p0: number, p1: number): void;
  channelSums(t: number, out: number, B: number, C: number, plane: number, c0: number, c1: number): void;
  /** axis 0: images [b0, b1); 1: and filters [lo, hi); 2: and columns [lo, hi) of each image (pointwise.as.ts). */
  pointwiseForward(x: number, w: number, bias: number, y: number, col: number, geom: number, b0: number, b1: number, axis: number, lo: number, hi: number, act: number, scale: number): void;
  /** The filters (axis 1) or columns (2) of B images in chunks claimed from the ticket [tag << 10 | next, done, chunks] (pointwise.as.ts). */
  pointwiseShared(x: number, w: number, bias: number, y: number, col: number, geom: number, B: number, axis: number, ticket: number, tag: number, act: number, scale: number): void;
}

/** Kernels a worker thread can run, by job number (the worker looks them up in this order). */
export const JOBS = [
  "convForward", "convBackward", "fcForward", "fcBackward", "maxPoolForward", "maxPoolBackward",
  "avgPoolForward", "avgPoolBackward", ...activationJobs(), "add",
  "depthwiseForward", "depthwiseBackward",
  "gateForward", "gateBackwardGate", "gateBackwardInput",
  "convForwardGroups", "convBackwardGroups", "deconvForward",
  "upsampleNearestForward", "upsampleNearestBackward", "upsampleBilinearForward", "upsampleBilinearBackward",
  "adaptiveAvgPoolForward", "adaptiveAvgPoolBackward", "adaptiveMaxPoolForward",
  "channelAffine",
  "globalAvgPoolForward", "globalAvgPoolBackward", "channelSums",
  "pointwiseForward", "pointwiseShared",
] as const satisfies readonly (keyof KernelExports)[];
export type JobName = (typeof JOBS)[number];

function activationJobs(): (`${KernelActivation}Forward` | `${KernelActivation}Backward`)[] {
  return (Object.keys(KERNEL_ACTIVATIONS) as KernelActivation[]).flatMap((a) => [`${a}Forward` as const, `${a}Backward` as const]);
}

export const PAGE_BYTES = 65536;
/** The module's declared maximum: 65,536 pages = 4 GiB (wasm32). */
export const MAX_PAGES = 65536;

let compiled: WasmModule | null = null;
let unshared: WasmModule | null = null;

/** The compiled module (compiled on first use, synchronously: Node only; elsewhere `loadKernelModule` must have run). */
export function kernelModule(shared = true): WasmModule {
  if (shared) return (compiled ??= new WA.Module(platform.kernelsWasmSync()));
  return (unshared ??= new WA.Module(unsharedKernels(platform.kernelsWasmSync())));
}

/** Compiles the module asynchronously (once): the shared-memory one, or the unshared one for a single thread without SharedArrayBuffer. */
export async function loadKernelModule(shared = true): Promise<WasmModule> {
  if (shared) return (compiled ??= await platform.compileKernelsWasm());
  return (unshared ??= await WA.compile(unsharedKernels(await platform.kernelsWasm())));
}

/** Whether this thread may create shared memories and hand them to workers (false in pages that are not cross-origin isolated). */
export function sharedMemoryAvailable(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  return typeof g.SharedArrayBuffer === "function" && g.crossOriginIsolated !== false;
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
  return newMemory(bytes, maxBytes, true);
}

/** A new zeroed memory, shared (for threads) or not, of at least `bytes` bytes that can grow up to `maxBytes`. */
export function newMemory(bytes: number, maxBytes: number, shared: boolean): WasmMemory {
  const initial = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  const maximum = Math.max(initial, Math.min(MAX_PAGES, Math.ceil(maxBytes / PAGE_BYTES)));
  if (initial > MAX_PAGES) throw new WasmMemoryError(bytes);
  return new WA.Memory({ initial, maximum, shared });
}

/**
 * kernels.wasm with its memory import declared unshared: the limits flag of
 * the `env.memory` import goes from 0x03 (shared, with maximum) to 0x01 (with
 * maximum). The kernels use no atomic instructions, so nothing else changes.
 */
export function unsharedKernels(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes); // a copy (a Node Buffer's slice() would be a view)
  let at = 8; // magic and version
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = out[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  const name = (): string => {
    const length = leb();
    at += length;
    return new TextDecoder().decode(out.subarray(at - length, at));
  };
  while (at < out.length) {
    const id = out[at++]!;
    const size = leb();
    const end = at + size;
    if (id === 2) {
      for (let count = leb(); count > 0; count--) {
        const entry = `${name()}.${name()}`;
        const kind = out[at++]!;
        if (kind !== 2) {
          skipImportDescription(kind, leb, () => at++);
          continue;
        }
        if (entry !== "env.memory" || out[at] !== 0x03) break;
        out[at] = 0x01;
        return out;
      }
    }
    at = end;
  }
  throw new Error("kernels.wasm does not import a shared env.memory: it is not the module this runtime was built with; rebuild it with `npm run build`");
}

/** Moves past a function (0), table (1) or global (3) import description. */
function skipImportDescription(kind: number, leb: () => number, byte: () => number): void {
  if (kind === 0) leb();
  else if (kind === 1) {
    byte(); // element type
    const flags = leb();
    leb(); // minimum
    if (flags & 1) leb(); // maximum
  } else if (kind === 3) {
    byte();
    byte();
  } else throw new Error(`kernels.wasm: unknown import kind ${kind}`);
}

/** Instantiates the kernels on `memory` (synchronously). */
export function instantiateKernels(memory: WasmMemory, module: WasmModule = kernelModule()): KernelExports {
  return new WA.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}
