#!/usr/bin/env node
// The comparative speed benchmark (`npm run bench [-- --quick] [-- --json]`):
// nnspec against TF.js (cpu, wasm) and ONNX Runtime on workloads L, C and M.
// Every runner is its own child process (peer.mjs). Per workload and mode all
// of them start and warm up one after another, then rounds A B C … A B C …
// time each in turn while the others wait, so every ratio is measured side by
// side within one round. See README.md for the columns.
import { fork } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { BENCH, ROOT, SEED, forwardFlops, makeBatch, prepare, workload } from "./runners/common.mjs";
import { openSession } from "./runners/ort.mjs";
import { printGroup, printScaling } from "./runners/report.mjs";
import { summarise } from "./runners/stats.mjs";

const { values: a } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    seconds: { type: "string" },
    workloads: { type: "string", default: "L,C,M" },
    modes: { type: "string", default: "train,infer" },
    "no-scaling": { type: "boolean", default: false },
  },
});
const quick = a.quick;
const rounds = Number(a.rounds ?? (quick ? 2 : 5));
const seconds = Number(a.seconds ?? (quick ? 0.5 : 2));
const warmup = quick ? 0.3 : 1;
const BATCH = 32;
const SCALING = [1, 8, 32, 128];
const log = (s) => process.stderr.write(s + "\n");
const out = a.json ? () => {} : (s = "") => console.log(s);

const NNSPEC = [
  { label: "nnspec wasm 1t", runner: "nnspec", kernels: "wasm", threads: 1 },
  { label: "nnspec wasm 2t", runner: "nnspec", kernels: "wasm", threads: 2 },
  { label: "nnspec js 1t", runner: "nnspec", kernels: "js", threads: 1 },
];
const PEERS = {
  train: [{ label: "tfjs-cpu", runner: "tfjs-cpu" }, { label: "tfjs-wasm", runner: "tfjs-wasm" }],
  infer: [
    { label: "tfjs-cpu", runner: "tfjs-cpu" },
    { label: "tfjs-wasm", runner: "tfjs-wasm" },
    { label: "ort 1t", runner: "ort", threads: 1 },
    { label: "ort 2t", runner: "ort", threads: 2 },
  ],
};

/** A runner child: starts, warms up, then answers "measure" requests over IPC. */
function start(cfg, w, mode, batch) {
  const args = ["--runner", cfg.runner, "--workload", w, "--mode", mode, "--batch", String(batch), "--warmup", String(warmup)];
  if (cfg.threads !== undefined) args.push("--threads", String(cfg.threads));
  if (cfg.kernels !== undefined) args.push("--kernels", cfg.kernels);
  const child = fork(join(BENCH, "peer.mjs"), args, { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const waiting = [];
  child.on("message", (m) => waiting.shift()?.resolve(m));
  child.on("exit", (code) => {
    for (const p of waiting.splice(0)) p.resolve({ type: "error", error: `failed: runner exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}` });
  });
  const next = () => new Promise((resolve) => waiting.push({ resolve }));
  return {
    ready: next(),
    ask(msg) {
      if (!child.connected) return Promise.resolve({ type: "error", error: `failed: runner exited: ${stderr.trim().split("\n").slice(-3).join(" | ")}` });
      const p = next();
      child.send(msg);
      return p;
    },
  };
}

/** Starts and warms up each config in turn, then alternates them for `rounds` timed windows. */
async function runGroup(configs, w, mode, batchOf, roundCount, secs) {
  const rows = [];
  for (const cfg of configs) {
    const batch = batchOf(cfg);
    log(`  starting ${cfg.label} (${w} ${mode}, batch ${batch})`);
    const child = start(cfg, w, mode, batch);
    const first = await child.ready;
    rows.push({ ...cfg, batch, child, info: first, error: first.type === "error" ? first.error : undefined, rounds: [] });
  }
  const live = rows.filter((r) => !r.error);
  for (let i = 0; i < roundCount; i++) {
    log(`  round ${i + 1}/${roundCount}: ${live.map((r) => r.label).join(" → ")}`);
    for (const r of live) {
      const m = await r.child.ask({ type: "measure", seconds: secs });
      if (m.type === "result") r.rounds.push(m);
      else r.error ??= m.error;
    }
  }
  for (const r of live) {
    const done = await r.child.ask({ type: "quit" });
    if (done.type === "done") r.info = done;
    else r.error ??= done.error;
  }
  for (const r of rows) delete r.child;
  return rows;
}

/** ORT's logits from the exported file must match nnspec's forward on the same weights and input. */
async function checkAgreement(key) {
  const w = workload(key);
  const p = await prepare(w);
  const batch = w.checkBatch ?? BATCH;
  const { x } = makeBatch(w, batch);
  const { ort, session } = await openSession(p.onnx, 1);
  const res = await session.run({ input: new ort.Tensor("float32", x, [batch, ...w.inputShape]) }, ["logits"]);
  const ref = res.logits.data;
  await session.release();
  const mod = await import(pathToFileURL(p.module).href);
  const checks = [];
  for (const kernels of ["wasm", "js"]) {
    const model = await mod.createModel({ batchSize: batch, seed: SEED, threads: 1, kernels });
    const got = model.forward(x);
    model.dispose?.();
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < ref.length; i++) {
      diff = Math.max(diff, Math.abs(ref[i] - got[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    const tolerance = 1e-3 * Math.max(1, scale);
    const c = { workload: key, kernels, batch, maxAbsDiff: diff, scale, tolerance, ok: got.length === ref.length && diff <= tolerance };
    checks.push(c);
    log(`check ${key}: ONNX Runtime vs nnspec forward (${kernels} kernels), batch ${batch}: max |diff| ${diff.toExponential(2)}, logit scale ${scale.toFixed(3)} → ${c.ok ? "ok" : "MISMATCH"}`);
    if (!c.ok) throw new Error(`ONNX Runtime and nnspec disagree on workload ${key} (${kernels} kernels): max |diff| ${diff} > ${tolerance} (or ${got.length} vs ${ref.length} values); not timing anything`);
  }
  return checks;
}

const keys = a.workloads.split(",");
/** The --modes the workload has (M: inference only). */
const modesOf = (w) => a.modes.split(",").filter((m) => !w.modes || w.modes.includes(m));
const result = {
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: availableParallelism(),
  loadAverageAtStart: loadavg()[0],
  quick,
  rounds,
  secondsPerRound: seconds,
  batch: BATCH,
  flopConvention: "forward FLOPs per image from `nnspec summary` (multiply-add = 2 FLOPs, plus bias adds, ReLU and pooling); a training step counts 3 × forward",
  checks: [],
  groups: [],
  scaling: [],
};
out(`nnspec comparative benchmark — ${result.cpu ?? "cpu"}, ${result.cores} cores (load average ${loadavg()[0].toFixed(2)} at start), Node ${process.version}${quick ? " (--quick)" : ""}`);
out(`batch ${keys.map((k) => `${k} ${(workload(k).batches ?? [BATCH]).join(" and ")}`).join(", ")}; ${rounds} rounds of ≥${seconds} s per runner after warm-up, alternating runners each round; FLOPs: ${result.flopConvention}`);

for (const key of keys) result.checks.push(...(await checkAgreement(key)));
out(`ONNX Runtime (1 thread) vs nnspec forward on the same weights: ${result.checks.map((c) => `${c.workload} ${c.kernels} batch ${c.batch} max |diff| ${c.maxAbsDiff.toExponential(1)}`).join(", ")} — all within 1e-3 × max(1, |logits|)`);
let failed = false;
for (const key of keys) {
  const w = workload(key);
  const flops = forwardFlops(w);
  for (const mode of modesOf(w)) {
    for (const batch of w.batches ?? [BATCH]) {
      log(`${key} ${mode} batch ${batch}:`);
      const perImage = mode === "train" ? 3 * flops : flops;
      const rows = await runGroup([...NNSPEC, ...PEERS[mode]].filter((c) => !w.skip?.includes(c.label)), key, mode, () => batch, rounds, seconds);
      const ratios = summarise(rows, perImage);
      failed ||= rows.some((r) => r.error?.startsWith("failed:"));
      const group = { workload: key, model: w.name, spec: relative(ROOT, w.spec), title: w.title, mode, batch, flopsPerImage: perImage, runners: rows, ratios };
      result.groups.push(group);
      if (!a.json) printGroup(group, rounds);
    }
  }
}
if (!a["no-scaling"]) {
  const sRounds = quick ? 1 : 3;
  for (const key of keys.filter((k) => workload(k).scaling !== false))
    for (const mode of modesOf(workload(key))) {
      log(`scaling ${key} ${mode}:`);
      const configs = SCALING.map((b) => ({ label: `batch ${b}`, runner: "nnspec", kernels: "wasm", batchSize: b }));
      const rows = await runGroup(configs, key, mode, (c) => c.batchSize, sRounds, quick ? 0.3 : 1);
      summarise(rows, 0);
      failed ||= rows.some((r) => r.error);
      result.scaling.push({ workload: key, mode, runners: rows.map(({ label, batchSize, stepMs, imagesPerSecond, error }) => ({ label, batch: batchSize, stepMs, imagesPerSecond, error })) });
    }
  if (!a.json && result.scaling.length) printScaling(result.scaling, sRounds);
}
result.loadAverageAtEnd = loadavg()[0];
out(`\nload average at the end: ${result.loadAverageAtEnd.toFixed(2)} (other processes on the machine share its ${result.cores} cores)`);
if (a.json) console.log(JSON.stringify(result, null, 2));
if (failed) log("bench: some runners failed (see the tables); exit status 1");
process.exit(failed ? 1 : 0);
