#!/usr/bin/env node
/**
 * How fast could nnspec's engine run MobileNetV2's forward, and how far is
 * that from ONNX Runtime? `node bench/roofline.mjs [--batches 1,8]
 * [--seconds 1] [--rounds 4] [--threads 2] [--json]` (after `npm run build`;
 * ONNX Runtime from bench/node_modules, see bench/README.md).
 *
 * All in one process, one thread, CPU time of the process:
 *  1. each layer of the compiled forward, timed call by call (the module
 *     instrumented like profile.mjs);
 *  2. the WebAssembly SGEMM alone (`sgemm`, the kernel every 1x1 conv and fc
 *     runs on, on the helpers' instance) at each 1x1 conv's shape: M = filters,
 *     K = channels, N = H·W (one image: what a layer calls per image) and
 *     N = B·H·W (the whole batch in one GEMM), and the fc's; plus a large
 *     shape for the kernel's peak;
 *  3. ONNX Runtime (1 thread) and the plain compiled forward, alternately.
 * The roofline is the forward with every 1x1 conv and the fc at the GEMM's
 * own throughput for the layer's batch-wide shape, and every other layer
 * (depthwise and the stem conv, residual adds, pooling) at its measured
 * time: what the engine reaches if nothing but the GEMM's arithmetic is left
 * in the GEMM layers. "At peak" puts the 1x1 convs at the peak instead.
 * With --threads 2 (default), ONNX Runtime and nnspec also run on 2 threads
 * (wall time) against the roofline halved (a perfect split).
 */
import { cpus, loadavg } from "node:os";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { SEED, makeBatch, prepare, workload } from "./runners/common.mjs";
import { cpuMs, importInstrumented, layerTimes, timeCalls, wallMs } from "./runners/instrument.mjs";
import { median } from "./runners/stats.mjs";
import { openSession } from "./runners/ort.mjs";

const { values: a } = parseArgs({
  options: {
    batches: { type: "string", default: "1,8" },
    seconds: { type: "string", default: "1" },
    rounds: { type: "string", default: "4" },
    threads: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
  },
});
const seconds = Number(a.seconds);
const rounds = Number(a.rounds);
const multi = Number(a.threads);
const w = workload("M");
const p = await prepare(w);
const load0 = loadavg()[0];

/** The checked model's layers (residual bodies included), by name. */
async function layerNodes() {
  const { checkSource } = await import("nnspec");
  const out = checkSource(w.spec, readFileSync(w.spec, "utf8"));
  const byName = new Map();
  const walk = (nodes) => {
    for (const n of nodes) {
      if (n.type === "layer") byName.set(n.name, n);
      if (n.body) walk(n.body);
      if (n.shortcut) walk(n.shortcut);
    }
  };
  walk(out.models.find((m) => m.name === w.name).nodes);
  return byName;
}
const nodes = await layerNodes();

const wasm = await import(new URL("../dist/runtime/wasm/index.js", import.meta.url).href);
const gemmCache = new Map();

/** GFLOP/s of the helpers' sgemm for C[M×N] = A[M×K]·op(B) (transB: B stored N×K), CPU time, median of 5 windows. */
function gemmRate(M, N, K, transB = 0) {
  const key = `${M}x${N}x${K}${transB ? "T" : ""}`;
  if (gemmCache.has(key)) return gemmCache.get(key);
  const mark = wasm.wasmMark();
  const ap = wasm.wasmAlloc(M * K), bp = wasm.wasmAlloc(K * N), cp = wasm.wasmAlloc(M * N);
  wasm.wasmF32(ap, M * K).fill(0.5);
  wasm.wasmF32(bp, K * N).fill(0.25);
  const k = wasm.wasmKernels();
  const run = () => k.sgemm(0, transB, M, N, K, 1, ap, K, bp, transB ? K : N, 0, cp, N);
  const ms = [];
  for (let r = 0; r < 5; r++) ms.push(timeCalls(run, Math.min(0.2, seconds / 4)));
  wasm.wasmRelease(mark);
  const rate = (2 * M * N * K) / median(ms) / 1e6;
  gemmCache.set(key, rate);
  return rate;
}

gemmRate(128, 4096, 256);
gemmRate(256, 1024, 512);

const mod = await import(pathToFileURL(p.module).href);
const timed = await importInstrumented(p.module);
const results = [];
for (const batch of a.batches.split(",").map(Number)) {
  const { x } = makeBatch(w, batch);
  const options = (threads) => ({ batchSize: batch, seed: SEED, threads, kernels: "wasm" });
  // Per layer, one thread.
  const mt = await timed.createModel(options(1));
  const layers = layerTimes(() => mt.forward(x), seconds * 2, cpuMs);
  mt.dispose();
  // The plain forward and ONNX Runtime, alternately; 1 thread in CPU time, `multi` threads in wall time.
  const m1 = await mod.createModel(options(1));
  const mN = multi > 1 ? await mod.createModel(options(multi)) : null;
  const feeds = async (threads) => {
    const { ort, session } = await openSession(p.onnx, threads);
    const input = { input: new ort.Tensor("float32", x, [batch, ...w.inputShape]) };
    return { session, input };
  };
  const o1 = await feeds(1);
  const oN = multi > 1 ? await feeds(multi) : null;
  const ortMs = async (o, clock) => {
    await o.session.run(o.input, ["logits"]);
    let n = 0;
    const t0 = clock();
    while (clock() - t0 < seconds * 1000 || n === 0) {
      await o.session.run(o.input, ["logits"]);
      n++;
    }
    return (clock() - t0) / n;
  };
  const t = { nnspec1: [], ort1: [], nnspecN: [], ortN: [] };
  for (let r = 0; r < rounds; r++) {
    t.nnspec1.push(timeCalls(() => m1.forward(x), seconds, cpuMs));
    t.ort1.push(await ortMs(o1, cpuMs));
    if (mN) {
      t.nnspecN.push(timeCalls(() => mN.forward(x), seconds, wallMs));
      t.ortN.push(await ortMs(oN, wallMs));
    }
  }
  m1.dispose();
  mN?.dispose();
  await o1.session.release();
  await oN?.session.release();

  // The roofline, layer by layer.
  const rows = [];
  let roof = 0, measured = 0;
  for (const l of layers) {
    const n = nodes.get(l.name);
    measured += l.ms;
    let row = { ...l };
    if (l.kind === "1x1 conv (GEMM)") {
      const [C, H, W] = n.input;
      const F = n.output[0];
      const flops = 2 * F * C * H * W * batch;
      const perImage = gemmRate(F, H * W, C);
      const joined = gemmRate(F, batch * H * W, C);
      const best = Math.max(perImage, joined);
      row = { ...row, M: F, N: H * W, K: C, flops, gflops: flops / l.ms / 1e6, gemmPerImage: perImage, gemmJoined: joined, roofMs: flops / best / 1e6 };
    } else if (l.kind === "fc") {
      const [K] = n.input;
      const M = n.output[0];
      const flops = 2 * M * K * batch;
      const rate = gemmRate(batch, M, K, 1);
      row = { ...row, M: batch, N: M, K, flops, gflops: flops / l.ms / 1e6, gemmJoined: rate, roofMs: flops / rate / 1e6 };
    } else {
      row.roofMs = l.ms;
    }
    roof += row.roofMs;
    rows.push(row);
  }
  results.push({
    batch,
    layers: rows,
    measuredLayersMs: measured,
    rooflineMs: roof,
    forward1tMs: median(t.nnspec1),
    ort1tMs: median(t.ort1),
    forwardNtMs: mN ? median(t.nnspecN) : null,
    ortNtMs: mN ? median(t.ortN) : null,
  });
}
const load1 = loadavg()[0];
// The SGEMM's peak: the fastest shape measured in this process (the two large ones, or a layer's).
const peak = Math.max(...gemmCache.values());
// "At peak": the 1x1 convs at the peak, everything else as in the roofline.
for (const r of results) r.rooflineAtPeakMs = r.layers.reduce((s, l) => s + (l.kind === "1x1 conv (GEMM)" ? l.flops / peak / 1e6 : l.roofMs), 0);

if (a.json) {
  console.log(JSON.stringify({ cpu: cpus()[0]?.model, node: process.version, load: [load0, load1], gemmPeakGflops: peak, threads: multi, results }, null, 2));
} else {
  const f = (v, d = 2) => (v === undefined || v === null ? "" : v.toFixed(d));
  console.log(`MobileNetV2 roofline — ${cpus()[0]?.model ?? "?"}, Node ${process.version}, load average ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end`);
  console.log(`one thread, CPU time; SGEMM peak in this process ${peak.toFixed(1)} GFLOP/s (the fastest shape measured: 128x4096x256, 256x1024x512 and the layers')`);
  for (const r of results) {
    console.log(`\nbatch ${r.batch}: 1x1 convs and fc (GEMM GF/s: the sgemm alone at M x N x K per image, and at N = batch·H·W)`);
    console.log(`${"layer".padEnd(40)} ${"M".padStart(5)} ${"N".padStart(6)} ${"K".padStart(4)} ${"ms".padStart(7)} ${"GF/s".padStart(6)} ${"gemm 1".padStart(7)} ${"gemm B".padStart(7)} ${"eff".padStart(5)}`);
    for (const l of r.layers.filter((l) => l.flops)) {
      const best = Math.max(l.gemmPerImage ?? 0, l.gemmJoined);
      console.log(`${l.name.padEnd(40)} ${String(l.M).padStart(5)} ${String(l.N).padStart(6)} ${String(l.K).padStart(4)} ${f(l.ms, 3).padStart(7)} ${f(l.gflops, 1).padStart(6)} ${f(l.gemmPerImage, 1).padStart(7)} ${f(l.gemmJoined, 1).padStart(7)} ${(Math.round((100 * l.gflops) / best) + "%").padStart(5)}`);
    }
    const byKind = new Map();
    for (const l of r.layers) {
      const k = byKind.get(l.kind) ?? { ms: 0, roofMs: 0 };
      k.ms += l.ms;
      k.roofMs += l.roofMs;
      byKind.set(l.kind, k);
    }
    console.log(`by kind (measured → roofline ms):`);
    for (const [kind, k] of [...byKind].sort((u, v) => v[1].ms - u[1].ms)) console.log(`  ${kind.padEnd(18)} ${f(k.ms).padStart(8)} → ${f(k.roofMs).padStart(8)}`);
    console.log(
      `batch ${r.batch}, ms per forward, 1 thread: layers measured ${f(r.measuredLayersMs)} (plain forward ${f(r.forward1tMs)}); roofline ${f(r.rooflineMs)} (1x1 convs at peak: ${f(r.rooflineAtPeakMs)}); ` +
        `ONNX Runtime ${f(r.ort1tMs)} → roofline ÷ ORT ${f(r.rooflineMs / r.ort1tMs)}× (at peak ${f(r.rooflineAtPeakMs / r.ort1tMs)}×), nnspec ÷ ORT ${f(r.forward1tMs / r.ort1tMs)}×`,
    );
    if (r.forwardNtMs !== null)
      console.log(`batch ${r.batch}, ${multi} threads, wall ms: nnspec ${f(r.forwardNtMs)}, ONNX Runtime ${f(r.ortNtMs)}; roofline ÷ ${multi} = ${f(r.rooflineMs / multi)} → ${f(r.rooflineMs / multi / r.ortNtMs)}× ORT`);
  }
}
