#!/usr/bin/env node
/**
 * Depthwise convolution against the machine's memory-bound limit:
 * `npm run bench:depthwise [-- --quick] [-- --json] [-- --threads 1,2]`.
 *
 * In one run, for each thread count, on one wasm engine (the kernel set and
 * worker threads generated models use):
 *  1. the limit: a STREAM-style pass of the engine's own WebAssembly SIMD
 *     elementwise kernels over arrays of 32M floats (128 MiB each, four times
 *     an L3 of 32 MiB, STREAM's rule), split over the same threads —
 *     `reluForward` (read n, write n:
 *     STREAM "copy") and `add` (read 2n, write n: STREAM "add"); bytes/s =
 *     bytes read + written ÷ time; the limit is the faster of the two, the best
 *     of samples taken at the start and before every layer;
 *  2. the compute bound, on one thread (bench/depthwise-compute.as.ts, compiled
 *     here): the most multiply-adds per second a loop of f32x4.mul + f32x4.add
 *     reaches with nothing else in it (eight independent accumulators), and the
 *     outputs per second of the 3x3 stride-1 inner loop (nine loads, mul and add
 *     per four outputs) over rows in L1. As bytes per CPU-second for a layer:
 *     its least traffic ÷ (its multiply-adds ÷ the peak), and ÷ (its outputs ÷
 *     the loop's rate) for 3x3 layers. A layer cannot beat the lower of the
 *     memory limit and these;
 *  3. each depthwise layer of specs/mobilenet_v2.nnspec (from `nnspec
 *     summary`: a conv whose parameters are C·KH·KW for C channels in and out)
 *     at batch 1 and 8, forward (`conv2dForward`, as the generated module
 *     calls it): achieved bytes/s = (input + output + weights, each read or
 *     written once: the least traffic the layer can have) ÷ time, and that as
 *     a percentage of the limit. The calls cycle through enough copies of
 *     their buffers (≥ 64 MiB in all) that each starts from memory, not
 *     from a cache the previous call warmed.
 * With --backward, the rows time conv2dBackward instead (dx, dw, db): its
 * least traffic is x, dy and w read, dx, dw and db written; against the
 * compute bounds it counts as two forwards (dx and dw each take the
 * forward's multiply-adds).
 * With --baseline DIR (the dist/runtime/ of an earlier build), every layer is
 * also timed on that build's kernels, alternating in the same run ("before").
 * --only 96x112x112/2,576x14x14/2 keeps the layers of those inputs and strides.
 * Times are medians of windows of ≥ 0.25 s (--quick: 0.1 s), each as wall
 * time and as CPU time of the process (all its threads): on a machine shared
 * with other work, wall time includes the moments the OS ran something else,
 * so GB per CPU-second (per busy core) against the limit in the same unit is
 * the steadier figure; on an idle machine the two agree.
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import asc from "assemblyscript/asc";

const { values: a } = parseArgs({
  options: { quick: { type: "boolean" }, json: { type: "boolean" }, threads: { type: "string", default: "1,2" }, baseline: { type: "string" }, backward: { type: "boolean" }, only: { type: "string" }, help: { type: "boolean", short: "h" } },
});
if (a.help) {
  process.stdout.write("usage: node bench/depthwise.mjs [--quick] [--json] [--threads 1,2] [--baseline DIST_RUNTIME_DIR] [--backward] [--only CxHxW/S,…]\n");
  process.exit(0);
}
const rt = await import(new URL("../dist/runtime/index.js", import.meta.url).href);
const before = a.baseline ? await import(pathToFileURL(join(resolve(a.baseline), "index.js")).href) : null;
const SPEC = new URL("../specs/mobilenet_v2.nnspec", import.meta.url).pathname;
const CLI = new URL("../bin/nnspec.js", import.meta.url).pathname;
const windows = a.quick ? 3 : 5;
const seconds = a.quick ? 0.1 : 0.25;
const BATCHES = [1, 8];
const STREAM_N = 32 << 20;
const COLD_BYTES = 64 << 20;
const POOL = 3 * STREAM_N; // floats of the engine's arena the runs take their buffers from (the stream's three arrays)
const SCRATCH = 1 << 19; // the conv scratch generated models give every conv (compiler/layers/conv.ts)

/** The depthwise convolutions of MobileNetV2, one per distinct geometry, with how often each occurs. */
function depthwiseLayers() {
  const s = JSON.parse(execFileSync(process.execPath, [CLI, "summary", SPEC, "--format", "json"], { encoding: "utf8" }));
  const m = s.models[0];
  const found = new Map();
  let shape = m.inputShape;
  for (const l of m.layers) {
    const [C, H, W] = shape;
    const [F, OH, OW] = l.outputShape;
    const taps = l.params / C;
    if (l.kind === "conv" && F === C && Number.isInteger(taps) && taps > 1) {
      const K = Math.round(Math.sqrt(taps)); // square filters, "same" padding: pad (K − 1) / 2
      const stride = Math.round(H / OH);
      const key = `${C}x${H}x${W}/${stride}`;
      const e = found.get(key) ?? { name: l.name, C, H, W, K, stride, pad: (K - 1) / 2, OH, OW, count: 0 };
      e.count++;
      found.set(key, e);
    }
    shape = l.outputShape;
  }
  return [...found.values()];
}

const median = (v) => v.sort((x, y) => x - y)[v.length >> 1];

/**
 * Median over `windows` windows of ≥ `seconds` of one call's wall time (ms)
 * and CPU time (ms, all the process's threads: the workers' too).
 */
function time(fn, count = windows) {
  fn();
  const ms = [];
  const cpuMs = [];
  for (let i = 0; i < count; i++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t = t0;
    do {
      fn();
      n++;
      t = performance.now();
    } while (t - t0 < seconds * 1000);
    const c = process.cpuUsage(c0);
    ms.push((t - t0) / n);
    cpuMs.push((c.user + c.system) / 1000 / n);
  }
  return { ms: median(ms), cpuMs: median(cpuMs) };
}

/**
 * The compute bound on one thread: a sampler that times both loops once more
 * and keeps the best rates so far — multiply-adds per second (peak) and 3x3
 * outputs per second from L1 (loop). On a shared machine (the other thread of
 * the core busy, or the OS running something else) one sample can be low, so
 * the run samples before every layer and the bound is the best of them.
 */
async function computeBound() {
  // with the kernels' own sliding lanes (runtime/wasm/src/lanes.as.ts) beside it, as ./lanes
  const read = (path) => readFileSync(new URL(path, import.meta.url), "utf8");
  const sources = { "depthwise-compute.ts": read("./depthwise-compute.as.ts"), "lanes.ts": read("../runtime/wasm/src/lanes.as.ts") };
  const r = await asc.compileString(sources, { optimizeLevel: 3, shrinkLevel: 0, runtime: "stub", enable: ["simd"], noAssert: true, initialMemory: 1 });
  if (r.error) throw new Error(`bench/depthwise-compute.as.ts: ${r.stderr.toString()}`);
  const m = (await WebAssembly.instantiate(r.binary)).instance.exports;
  const f = new Float32Array(m.memory.buffer);
  const X = 4096, Y = 8192, WC = 1024, ROW = 264, N = 256; // three rows of 264 floats at X, outputs at Y (floats); all in L1
  for (let i = 0; i < 3 * ROW + 8; i++) f[X + i] = ((i * 37) % 11) / 11 - 0.5;
  for (let i = 0; i < 9; i++) f[WC + i] = (i - 4) / 8;
  const ITER = 1 << 18, REPS = 250;
  const best = { maddPerSecond: 0, outputsPerSecond3x3: 0 };
  return () => {
    const peak = time(() => m.maddPeak(ITER), 2);
    const loop = time(() => m.taps3x3(4 * X, 4 * Y, 4 * WC, ROW, N, REPS), 2);
    best.maddPerSecond = Math.max(best.maddPerSecond, (32 * ITER) / (Math.min(peak.ms, peak.cpuMs) / 1000));
    best.outputsPerSecond3x3 = Math.max(best.outputsPerSecond3x3, (N * REPS) / (Math.min(loop.ms, loop.cpuMs) / 1000));
    return best;
  };
}

/** An engine of runtime module `mod` on `threads` threads, its arena filled; views into it. */
function engine(mod, threads) {
  const e = mod.createEngine(Float32Array, { floats: POOL + SCRATCH, ints: 16, scratch: SCRATCH, convParams: 16 }, { kernels: "wasm", threads }, "bench");
  const pool = e.floats.take(POOL);
  for (let i = 0; i < pool.length; i++) pool[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  return { k: e.kernels, view: (at, n) => pool.subarray(at, at + n), scratch: e.floats.take(SCRATCH) };
}

/** One forward of layer l at batch B, timed over cycling copies of its buffers. */
function timeLayer(mod, eng, l, B) {
  const p = mod.conv2dParams({ batch: B, channels: l.C, height: l.H, width: l.W, kernel: [l.K, l.K], stride: [l.stride, l.stride], pad: [l.pad, l.pad], filters: l.C, groups: l.C });
  const xN = B * l.C * l.H * l.W, yN = B * l.C * p.OH * p.OW, wN = l.C * l.K * l.K;
  // Backward: x, dy (in y's place), w, then dx, dw and db.
  const set = a.backward ? 2 * xN + yN + 2 * wN + l.C : xN + yN + wN;
  const copies = Math.max(1, Math.min(Math.floor(POOL / set), Math.ceil(COLD_BYTES / 4 / set)));
  const sets = Array.from({ length: copies }, (_, i) => {
    const o = i * set;
    return { x: eng.view(o, xN), y: eng.view(o + xN, yN), w: eng.view(o + xN + yN, wN), dx: eng.view(o + xN + yN + wN, xN), dw: eng.view(o + 2 * xN + yN + wN, wN), db: eng.view(o + 2 * xN + yN + 2 * wN, l.C) };
  });
  let next = 0;
  const t = time(() => {
    const s = sets[next];
    next = (next + 1) % copies;
    if (a.backward) eng.k.conv2dBackward(s.x, s.w, s.y, s.dx, s.dw, s.db, eng.scratch, p);
    else eng.k.conv2dForward(s.x, s.w, null, s.y, eng.scratch, p);
  });
  // Backward does the forward's multiply-adds twice (dx and dw): counted as two forwards against the compute bounds.
  const passes = a.backward ? 2 : 1;
  return { ...t, bytes: 4 * set, copies, outputs: passes * yN, madds: passes * yN * l.K * l.K };
}

function run(threads, layers, sample) {
  const cur = engine(rt, threads);
  const old = before ? engine(before, threads) : null;
  const { k, view } = cur;
  const n = STREAM_N;
  // GB/s of wall time, and GB per CPU-second (per busy core: robust to a machine shared with other work)
  const rate = (bytes, t) => ({ wall: bytes / t.ms / 1e6, cpu: bytes / t.cpuMs / 1e6 });
  // The stream limit is sampled like the compute bound, before every layer (one window each), and the best kept:
  // on a shared machine one sample can be low, and the yardstick is what the machine can stream.
  const copy = { wall: 0, cpu: 0 }, add = { wall: 0, cpu: 0 };
  const best = (into, r) => ((into.wall = Math.max(into.wall, r.wall)), (into.cpu = Math.max(into.cpu, r.cpu)));
  const stream = (count) => {
    best(copy, rate(8 * n, time(() => k.reluForward(view(0, n), view(n, n), n), count)));
    best(add, rate(12 * n, time(() => k.add(view(0, n), view(n, n), view(2 * n, n), n), count)));
  };
  stream(windows);
  const rows = [];
  for (const l of layers) {
    for (const B of BATCHES) {
      sample();
      stream(1);
      const t = timeLayer(rt, cur, l, B);
      const t0 = old ? timeLayer(before, old, l, B) : null;
      const r = rate(t.bytes, t);
      rows.push({
        layer: l.name, shape: `${l.C}x${l.H}x${l.W}`, stride: l.stride, count: l.count, batch: B, copies: t.copies, mib: t.bytes / 2 ** 20, K: l.K, madds: t.madds, outputs: t.outputs,
        ms: t.ms, cpuMs: t.cpuMs, gbs: r.wall, cpuGbs: r.cpu, ...(t0 ? { beforeCpuMs: t0.cpuMs, beforeCpuGbs: rate(t0.bytes, t0).cpu } : {}),
      });
    }
  }
  // Percentages against the best samples of the whole run: the stream limit, and the compute bounds in bytes per
  // CPU-second (the layer's bytes over the least time its multiply-adds, or its 3x3 loop, take on one core).
  const limit = { wall: Math.max(copy.wall, add.wall), cpu: Math.max(copy.cpu, add.cpu) };
  const compute = sample();
  for (const x of rows) {
    const bytes = x.mib * 2 ** 20;
    x.percent = (100 * x.gbs) / limit.wall;
    x.cpuPercent = (100 * x.cpuGbs) / limit.cpu;
    if (x.beforeCpuGbs !== undefined) x.beforeCpuPercent = (100 * x.beforeCpuGbs) / limit.cpu;
    x.maddBound = bytes / (x.madds / compute.maddPerSecond) / 1e9;
    x.loopBound = x.K === 3 ? bytes / (x.outputs / compute.outputsPerSecond3x3) / 1e9 : Infinity;
    const bound = Math.min(limit.cpu, x.maddBound, x.loopBound);
    x.binds = bound === limit.cpu ? "memory" : bound === x.loopBound ? "loop" : "madd";
    x.boundPercent = (100 * x.cpuGbs) / bound;
  }
  cur.k.dispose();
  old?.k.dispose();
  return { threads, copy, add, limit, rows };
}

const only = a.only?.split(",");
const layers = depthwiseLayers().filter((l) => !only || only.includes(`${l.C}x${l.H}x${l.W}/${l.stride}`));
if (layers.length === 0) throw new Error(`--only ${a.only}: no depthwise layer of specs/mobilenet_v2.nnspec has that input and stride (CxHxW/S)`);
const sample = await computeBound();
const results = a.threads.split(",").map((t) => run(Number(t), layers, sample));
const compute = sample();
if (a.json) {
  console.log(JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, compute, results }, null, 2));
} else {
  console.log(`Depthwise convolutions of MobileNetV2 (${a.backward ? "backward" : "forward"}, wasm) against the memory-bound limit — ${cpus()[0]?.model ?? "cpu"} (${cpus().length} cores), Node ${process.version}`);
  const g = (v) => v.toFixed(1);
  console.log(`compute, one thread: ${g(compute.maddPerSecond / 1e9)} G multiply-adds/s (f32x4 mul + add, nothing else); 3x3 stride-1 loop from L1: ${g(compute.outputsPerSecond3x3 / 1e9)} G outputs/s`);
  for (const r of results) {
    console.log(`\n${r.threads} thread(s): stream copy ${g(r.copy.wall)} GB/s (${g(r.copy.cpu)} per CPU-s), stream add ${g(r.add.wall)} GB/s (${g(r.add.cpu)}) → limit ${g(r.limit.wall)} GB/s (${g(r.limit.cpu)} per CPU-s)`);
    const head = [`${"input".padEnd(11)} s  ×  batch   MiB  wall ms   GB/s  % limit  CPU ms  GB/CPU-s  % limit  madd-bd  loop-bd  binds  % bound`];
    if (before) head.push("  before: CPU ms  % limit");
    console.log(head.join(""));
    for (const x of r.rows) {
      const cells = [x.shape.padEnd(11), ` ${x.stride}`, ` ${String(x.count).padEnd(2)}`, String(x.batch).padStart(5), x.mib.toFixed(1).padStart(5), x.ms.toFixed(3).padStart(8), g(x.gbs).padStart(6), `${x.percent.toFixed(0)}%`.padStart(8), x.cpuMs.toFixed(3).padStart(7), g(x.cpuGbs).padStart(9), `${x.cpuPercent.toFixed(0)}%`.padStart(8)];
      cells.push(g(x.maddBound).padStart(8), (Number.isFinite(x.loopBound) ? g(x.loopBound) : "-").padStart(8), x.binds.padStart(6), `${x.boundPercent.toFixed(0)}%`.padStart(8));
      if (x.beforeCpuMs !== undefined) cells.push(x.beforeCpuMs.toFixed(3).padStart(16), `${x.beforeCpuPercent.toFixed(0)}%`.padStart(8));
      console.log(cells.join(" "));
    }
  }
}
