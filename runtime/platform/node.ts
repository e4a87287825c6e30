/**
 * The runtime's platform on Node (see types.ts): kernels.wasm and the kernel
 * worker module are files next to the compiled runtime (dist/runtime/wasm/),
 * or in dist/ seen from the sources (vitest); kernel threads are
 * worker_threads; files are read by the bounded reader (io/read.ts) and written with atomic
 * replacement (io/atomic.ts).
 */
import { existsSync, readFileSync as fsReadFileSync } from "node:fs";
import { readFile as fsReadFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { readRegularFile, readRegularFileSync, type ReadOptions } from "../io/read.js";
import type { KernelWorker, Platform } from "./types.js";

export { writeFileAtomic, writeFileAtomicSync } from "../io/atomic.js";

/** A regular file's bytes, through the one bounded reader (io/read.ts). */
export function readFileSync(path: string, options?: ReadOptions): Uint8Array {
  return readRegularFileSync(path, options).bytes;
}

/** A regular file's bytes, through the one bounded reader (io/read.ts). */
export async function readFile(path: string, options?: ReadOptions): Promise<Uint8Array> {
  return (await readRegularFile(path, options)).bytes;
}

/** The first of `candidates` (next to the built runtime, else dist/ seen from the sources) that exists. */
function builtFile(what: string, candidates: readonly URL[]): string {
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  throw new Error(`${what} not found (looked for ${candidates.map((u) => fileURLToPath(u)).join(", ")}); build it with \`npm run build\``);
}

const WASM = [new URL("../wasm/kernels.wasm", import.meta.url), new URL("../../dist/runtime/wasm/kernels.wasm", import.meta.url)];
const WORKER = [new URL("../wasm/worker.js", import.meta.url), new URL("../../dist/runtime/wasm/worker.js", import.meta.url)];

/** Path of the kernels.wasm that is (or would be) loaded; throws if there is none. */
export function kernelsWasmPath(): string {
  return builtFile("kernels.wasm", WASM);
}

const WA = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } }).WebAssembly;

function startKernelWorker(setup: object, onError: () => void): KernelWorker {
  const worker = new Worker(builtFile("runtime/wasm/worker.js", WORKER), { workerData: setup });
  let failed: (err: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    failed = reject;
    // Unref'd once it runs: kernel threads never keep the process alive, but one still starting
    // must, or `await createModelAsync()` at the end of a script would let the process exit.
    worker.once("message", () => {
      worker.unref();
      resolve();
    });
  });
  ready.catch(() => {}); // a sync caller never awaits it: a failure is reported through the control block
  worker.on("error", (err) => {
    onError();
    failed(new Error(`a kernel worker thread failed to start: ${err.message}`));
  });
  return { ready, terminate: () => void worker.terminate() };
}

export const platform: Platform = {
  name: "node",
  hardwareThreads: availableParallelism,
  syncKernels: true,
  kernelsWasmSync: () => fsReadFileSync(kernelsWasmPath()),
  kernelsWasm: () => fsReadFile(kernelsWasmPath()),
  compileKernelsWasm: async () => WA.compile(await fsReadFile(kernelsWasmPath())),
  startKernelWorker,
  receiveSetup: (run) => run(workerData as object),
  reportReady: () => parentPort?.postMessage("ready"),
};
