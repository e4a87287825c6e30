/**
 * The runtime's platform in browsers and Web Workers (see types.ts).
 * kernels.wasm and the kernel worker module are found with
 * `new URL("…", import.meta.url)`, the form bundlers (Vite, Rollup, webpack,
 * Parcel) recognise: they copy both files into the build and rewrite the URLs.
 * Kernel threads are module Web Workers on the model's SharedArrayBuffer-backed
 * memory. There is no file system: reading or writing a file path throws and
 * says to pass bytes instead. Nothing here imports a `node:` module.
 */
import type { KernelWorker, Platform } from "./types.js";

/** The parts of the DOM and WebAssembly APIs used here (tsconfig's lib has no DOM types). */
interface MessageEventLike {
  readonly data: unknown;
}
interface ErrorEventLike {
  readonly message?: string;
}
interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (e: MessageEventLike) => void): void;
  addEventListener(type: "error", listener: (e: ErrorEventLike) => void): void;
  terminate(): void;
}
interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}
interface BrowserGlobals {
  navigator?: { hardwareConcurrency?: number };
  fetch(url: URL): Promise<ResponseLike>;
  WebAssembly: { compile(bytes: Uint8Array): Promise<object>; compileStreaming?(response: Promise<ResponseLike>): Promise<object> };
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (e: MessageEventLike) => void, options: { once: boolean }): void;
}
const g = globalThis as unknown as BrowserGlobals;
/** The global Worker, named as such: bundlers recognise `new Worker(new URL(…, import.meta.url))` only literally. */
declare const Worker: new (url: URL, options: { type: "module" }) => WorkerLike;

const WASM_URL = new URL("../wasm/kernels.wasm", import.meta.url);

/** How long a worker may take to load and instantiate the kernels before createModelAsync gives up. */
const START_TIMEOUT_MS = 30_000;

async function fetchOk(url: URL): Promise<ResponseLike> {
  const response = await g.fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.href}: HTTP ${response.status} (is kernels.wasm served next to the runtime?)`);
  return response;
}

async function compileKernelsWasm(): Promise<object> {
  if (typeof g.WebAssembly.compileStreaming === "function") {
    try {
      return await g.WebAssembly.compileStreaming(fetchOk(WASM_URL));
    } catch (err) {
      // compileStreaming needs the server to say `Content-Type: application/wasm`; compile the bytes otherwise.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return g.WebAssembly.compile(new Uint8Array(await (await fetchOk(WASM_URL)).arrayBuffer()));
}

function startKernelWorker(setup: object, onError: () => void): KernelWorker {
  // Literally `new Worker(new URL(…, import.meta.url), { type: "module" })`: the pattern bundlers rewrite.
  const worker = new Worker(new URL("../wasm/worker.js", import.meta.url), { type: "module" });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a kernel worker did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    worker.addEventListener("message", (e) => {
      if (e.data !== "ready") return;
      clearTimeout(timer);
      resolve();
    });
    worker.addEventListener("error", (e) => {
      clearTimeout(timer);
      onError();
      reject(new Error(`a kernel worker failed to start${e.message ? `: ${e.message}` : ""} (is runtime/wasm/worker.js served, as a module, next to the runtime?)`));
    });
  });
  ready.catch(() => {});
  worker.postMessage(setup);
  return { ready, terminate: () => worker.terminate() };
}

const noSync = (): never => {
  throw new Error("kernels.wasm is loaded asynchronously in browsers: create the model with createModelAsync(), or pass kernels: \"js\"");
};

export const platform: Platform = {
  name: "browser",
  hardwareThreads: () => g.navigator?.hardwareConcurrency ?? 1,
  syncKernels: false,
  kernelsWasmSync: noSync,
  kernelsWasm: async () => new Uint8Array(await (await fetchOk(WASM_URL)).arrayBuffer()),
  compileKernelsWasm,
  startKernelWorker,
  receiveSetup: (run) => g.addEventListener("message", (e) => run(e.data as object), { once: true }),
  reportReady: () => g.postMessage("ready"),
};

function noFiles(path: string): never {
  throw new Error(`cannot use the file ${path}: there is no file system here; fetch the file and pass its bytes (a Uint8Array) instead`);
}

export function readFileSync(path: string, _options?: object): Uint8Array {
  return noFiles(path);
}

export async function readFile(path: string, _options?: object): Promise<Uint8Array> {
  return noFiles(path);
}

export async function writeFileAtomic(path: string, _bytes: Uint8Array): Promise<void> {
  noFiles(path);
}

export function writeFileAtomicSync(path: string, _bytes: Uint8Array): void {
  noFiles(path);
}

/** There is no kernels.wasm path in a browser. */
export function kernelsWasmPath(): string {
  return WASM_URL.href;
}
