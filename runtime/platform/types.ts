/**
 * What the runtime needs from its platform, implemented once for Node
 * (node.ts) and once for browsers and Web Workers (browser.ts). The runtime
 * imports it as `#platform`; package.json's `imports` picks the file by the
 * `node` / `browser` export conditions (vitest maps it to node.ts).
 * Everything else in the runtime is the same code everywhere.
 */
import type { ReadOptions } from "../io/read.js";

/** A kernel worker thread started by `startKernelWorker`. */
export interface KernelWorker {
  /** Resolves when the worker has instantiated the kernels (it posts "ready"); rejects if it fails to start. */
  readonly ready: Promise<void>;
  terminate(): void;
}

export interface Platform {
  /** "node" or "browser". */
  readonly name: "node" | "browser";
  /** Logical cores (Node's availableParallelism, the browser's navigator.hardwareConcurrency). */
  hardwareThreads(): number;
  /** Whether the wasm module can be read and compiled synchronously here (Node: yes; browsers: createModelAsync compiles it). */
  readonly syncKernels: boolean;
  /** kernels.wasm, synchronously; throws where `syncKernels` is false. */
  kernelsWasmSync(): Uint8Array;
  /** kernels.wasm's bytes, asynchronously. */
  kernelsWasm(): Promise<Uint8Array>;
  /** kernels.wasm compiled asynchronously (browsers stream it: `WebAssembly.compileStreaming(fetch(url))`). */
  compileKernelsWasm(): Promise<object>;
  /** Starts a kernel worker (runtime/wasm/worker.ts) and hands it `setup`; `onError` runs if it crashes. */
  startKernelWorker(setup: object, onError: () => void): KernelWorker;
  /** In a kernel worker: calls `run` with the setup its creator passed. */
  receiveSetup(run: (setup: object) => void): void;
  /** In a kernel worker: tells the creator that the kernels are instantiated. */
  reportReady(): void;
}

/** The files functions the runtime's I/O uses (Node's fs; browsers have no file system and throw). */
export interface PlatformFiles {
  /** A regular file's bytes, through the bounded reader (io/read.ts: its size limit, head check and path check). */
  readFileSync(path: string, options?: ReadOptions): Uint8Array;
  readFile(path: string, options?: ReadOptions): Promise<Uint8Array>;
  writeFileAtomic(path: string, bytes: Uint8Array): Promise<void>;
  writeFileAtomicSync(path: string, bytes: Uint8Array): void;
}
