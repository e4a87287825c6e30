/**
 * `createModelAsync`, shared by every generated module: the same model as the
 * module's synchronous `createModel`, made in a way that works in Node,
 * browsers and Web Workers.
 *   1. kernels.wasm is compiled asynchronously (browsers fetch and stream it);
 *   2. the model is created by the module's `createModel`;
 *   3. its kernel threads are started, and the promise resolves once every
 *      one has instantiated the kernels and reported ready.
 * Without SharedArrayBuffer (a page served without the cross-origin isolation
 * headers) the kernels run on one thread, on an unshared memory, and a
 * warning says so once. The model's methods stay synchronous afterwards.
 */
import { check, OBJECT } from "./options.js";
import { checkThreads, ENGINE_SINK, type AsyncEngineOptions, type EngineOptions, type Kernels } from "./kernels.js";
import { loadKernelModule, sharedMemoryAvailable } from "./wasm/module.js";

let warned = false;

/** Says once per page (or process) that threads are unavailable. */
function warnSingleThread(model: string): void {
  if (warned) return;
  warned = true;
  console.warn(
    `nnspec: ${model} runs its WebAssembly kernels on 1 thread: SharedArrayBuffer is unavailable because the page is not cross-origin isolated. ` +
      "Serve it with the headers `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp` to use threads.",
  );
}

/** Makes a model with `create` (a generated module's createModel) after loading the kernels, and waits for its threads. */
export async function createAsync<O extends EngineOptions, M extends { dispose(): void }>(create: (options: O) => M, given: O | undefined, model: string): Promise<M> {
  if (given !== undefined) check(`${model}.createModelAsync`, "options", given, OBJECT); // createModel checks each option
  const options = (given ?? {}) as O;
  const made: Kernels[] = [];
  const sink = { [ENGINE_SINK]: (k: Kernels) => void made.push(k) };
  if (options.kernels === "js") return create({ ...options, ...sink });
  let threads = checkThreads(options.threads, model, true);
  const shared = sharedMemoryAvailable();
  if (!shared && threads > 1) {
    warnSingleThread(model);
    threads = 1;
  }
  // An f64 model with the default kernels never loads the wasm; compiling it anyway costs little.
  await loadKernelModule(shared);
  const withSink: O & AsyncEngineOptions = { ...options, threads, ...sink };
  const m = create(withSink);
  try {
    await Promise.all(made.map((k) => k.ready()));
  } catch (err) {
    m.dispose();
    throw new Error(`${model}: the kernel threads did not start: ${(err as Error).message}`, { cause: err });
  }
  return m;
}
