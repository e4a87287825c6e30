// The timed loop and the error classes, shared by peer.mjs (Node) and the
// browser contenders (browser/contender.mjs): no Node import here.

/**
 * Runs `step` (sync or async) for at least `seconds` and at least once. With
 * `cpuUsage` (Node's process.cpuUsage) it also reports the cores the process
 * kept busy (CPU time of all its threads ÷ wall time).
 */
export async function timeSteps(step, seconds, batch, cpuUsage) {
  let steps = 0;
  const cpu0 = cpuUsage?.();
  const t0 = performance.now();
  let elapsed = 0;
  do {
    const r = step();
    if (r && typeof r.then === "function") await r;
    steps++;
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < seconds);
  const m = { steps, seconds: elapsed, stepMs: (elapsed * 1000) / steps, imagesPerSecond: (steps * batch) / elapsed };
  if (cpuUsage) {
    const cpu = cpuUsage(cpu0);
    m.coresBusy = (cpu.user + cpu.system) / 1e6 / elapsed;
  }
  return m;
}

/** Known gaps (ORT training, TF.js WASM training) are "unsupported: …"; anything else is "failed: …". */
export function classifyError(runner, mode, e) {
  const message = String(e?.message ?? e).split("\n")[0];
  const unsupported = message.startsWith("unsupported:") || (runner === "tfjs-wasm" && mode === "train" && /not registered/.test(message));
  return unsupported ? `unsupported: ${message.replace(/^unsupported: /, "")}` : `failed: ${message}`;
}
