// The benchmark page: browser.mjs drives it through `globalThis.bench`. Every
// contender runs in its own dedicated Web Worker (contender.mjs); the page
// only starts them, hands them the batch and forwards the timing requests, one
// contender at a time, so the others stay idle while one is timed.
const workers = new Map();
let batchData = null;

/** Sends `msg` to a contender's worker and resolves with its answer (or a "failed: …" error after `timeoutMs`). */
function ask(worker, msg, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ type: "error", error: `failed: no answer within ${timeoutMs / 1000} s to ${msg.type}` }), timeoutMs);
    worker.onmessage = (e) => (clearTimeout(timer), resolve(e.data));
    worker.onerror = (e) => (clearTimeout(timer), resolve({ type: "error", error: `failed: ${e.message ?? "worker error"}` }));
    worker.postMessage(msg);
  });
}

globalThis.bench = {
  env: () => ({ crossOriginIsolated: globalThis.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent }),
  /** The batch every contender gets: x (NCHW), the same images channels last (TF.js), labels. */
  setBatch({ x, xNHWC, labels }) {
    batchData = { x: Float32Array.from(x), xNHWC: Float32Array.from(xNHWC), labels: Int32Array.from(labels) };
  },
  start(id, config, timeoutMs) {
    const worker = new Worker(new URL("./contender.js", import.meta.url), { type: "module" });
    workers.set(id, worker);
    return ask(worker, { type: "setup", ...config, ...batchData }, timeoutMs);
  },
  measure: (id, seconds, timeoutMs) => ask(workers.get(id), { type: "measure", seconds }, timeoutMs),
  async stop(id) {
    const worker = workers.get(id);
    workers.delete(id);
    const r = await ask(worker, { type: "quit" }, 30_000);
    worker.terminate();
    return r;
  },
};
document.title = "ready";
