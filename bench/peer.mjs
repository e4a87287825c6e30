#!/usr/bin/env node
// One benchmark runner in its own process (so peak RSS is its own):
//   node bench/peer.mjs --runner nnspec|tfjs-cpu|tfjs-wasm|ort --workload L|C --mode train|infer
//                       [--batch 32] [--seconds 2] [--warmup 1] [--threads T] [--kernels wasm|js]
// Standalone it warms up, times one window and prints one JSON line
// {imagesPerSecond, stepMs, maxRssMiB, ...}. Started by run.mjs (with an IPC
// channel) it warms up, says "ready", then times a window each time it is asked,
// so run.mjs can alternate the runners A B A B ... with all of them warm.
import { readdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { workload } from "./runners/common.mjs";
import { classifyError, timeSteps } from "./runners/timing.mjs";

const { values: a } = parseArgs({
  options: {
    runner: { type: "string" },
    workload: { type: "string", default: "L" },
    mode: { type: "string", default: "train" },
    batch: { type: "string", default: "32" },
    seconds: { type: "string", default: "2" },
    warmup: { type: "string", default: "1" },
    threads: { type: "string" },
    kernels: { type: "string" },
  },
});
const w = workload(a.workload);
const batch = Number(a.batch);
const threads = a.threads === undefined ? undefined : Number(a.threads);
if (!["train", "infer"].includes(a.mode)) throw new Error(`--mode must be train or infer, not ${a.mode}`);
const config = { mode: a.mode, batch, threads, kernels: a.kernels };

async function load(runner) {
  if (runner === "nnspec") return (await import("./runners/nnspec.mjs")).setup(w, config);
  if (runner === "tfjs-cpu" || runner === "tfjs-wasm")
    return (await import("./runners/tfjs.mjs")).setup(w, { ...config, backend: runner.slice(5) });
  if (runner === "ort") return (await import("./runners/ort.mjs")).setup(w, config);
  throw new Error(`unknown --runner ${JSON.stringify(runner)} (nnspec, tfjs-cpu, tfjs-wasm, ort)`);
}

const time = (step, seconds) => timeSteps(step, seconds, batch, process.cpuUsage);

const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;
/** OS threads of this process (Linux), for the JSON: Node's own plus the runner's pools. */
const osThreads = () => {
  try {
    return readdirSync("/proc/self/task").length;
  } catch {
    return undefined;
  }
};
const base = { runner: a.runner, workload: a.workload, mode: a.mode, batch };
const send = (msg) => new Promise((resolve) => process.send(msg, resolve));

let r;
try {
  r = await load(a.runner);
  await time(r.step, Number(a.warmup));
} catch (e) {
  const error = classifyError(a.runner, a.mode, e);
  if (process.send) await send({ type: "error", ...base, error });
  else console.log(JSON.stringify({ ...base, error }));
  process.exit(process.send ? 0 : 1);
}

if (!process.send) {
  const m = await time(r.step, Number(a.seconds));
  await r.close?.();
  console.log(JSON.stringify({ ...base, ...m, maxRssMiB: maxRssMiB(), osThreads: osThreads(), ...r.info }));
  process.exit(0);
}
process.on("message", async (msg) => {
  if (msg.type === "measure") await send({ type: "result", ...base, ...(await time(r.step, msg.seconds)) });
  else if (msg.type === "quit") {
    await r.close?.();
    await send({ type: "done", ...base, maxRssMiB: maxRssMiB(), osThreads: osThreads(), ...r.info });
    process.exit(0);
  }
});
await send({ type: "ready", ...base, ...r.info });
