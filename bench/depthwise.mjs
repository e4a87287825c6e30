#!/usr/bin/env node
/**
 * Depthwise convolution against the machine's memory-bound limit:
 * `npm run bench:depthwise [-- --quick] [-- --json] [-- --threads 1,2]`.
 *
 * In one run, for each thread count, on one wasm engine (the kernel set and
 * worker threads generated models use):
 *  1. the limit: a STREAM-style pass of the engine's own WebAssembly SIMD
 *     elementwise kernels over arrays of 8M floats (32 MiB each, far above the
 *     caches), split over the same threads — `reluForward` (read n, write n:
 *     STREAM "copy") and `add` (read 2n, write n: STREAM "add"); bytes/s =
 *     bytes read + written ÷ time; the limit is the faster of the two;
 *  2. each depthwise layer of specs/mobilenet_v2.nnspec (from `nnspec
 *     summary`: a conv whose parameters are C·KH·KW for C channels in and out)
 *     at batch 1 and 8, forward (`conv2dForward`, as the generated module
 *     calls it): achieved bytes/s = (input + output + weights, each read or
 *     written once: the least traffic the layer can have) ÷ time, and that as
 *     a percentage of the limit. The calls cycle through enough copies of
 *     their buffers (≥ 64 MiB in all) that each starts from memory, not
 *     from a cache the previous call warmed.
 * Times are medians of windows of ≥ 0.25 s (--quick: 0.1 s), each as wall
 * time and as CPU time of the process (all its threads): on a machine shared
 * with other work, wall time includes the moments the OS ran something else,
 * so GB per CPU-second (per busy core) against the limit in the same unit is
 * the steadier figure; on an idle machine the two agree.
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: { quick: { type: "boolean" }, json: { type: "boolean" }, threads: { type: "string", default: "1,2" }, help: { type: "boolean", short: "h" } },
});
if (a.help) {
  process.stdout.write("usage: node bench/depthwise.mjs [--quick] [--json] [--threads 1,2]\n");
  process.exit(0);
}
const rt = await import(new URL("../dist/runtime/index.js", import.meta.url).href);
const SPEC = new URL("../specs/mobilenet_v2.nnspec", import.meta.url).pathname;
const CLI = new URL("../bin/nnspec.js", import.meta.url).pathname;
const windows = a.quick ? 3 : 5;
const seconds = a.quick ? 0.1 : 0.25;
const BATCHES = [1, 8];
const STREAM_N = 8 << 20;
const COLD_BYTES = 64 << 20;
const POOL = 40 << 20; // floats of the engine's arena the runs take their buffers from

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
function time(fn) {
  fn();
  const ms = [];
  const cpuMs = [];
  for (let i = 0; i < windows; i++) {
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

function run(threads, layers) {
  const e = rt.createEngine(Float32Array, { floats: POOL, ints: 16, scratch: 16, convParams: 16 }, { kernels: "wasm", threads }, "bench");
  const pool = e.floats.take(POOL);
  for (let i = 0; i < pool.length; i++) pool[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  const view = (at, n) => pool.subarray(at, at + n);
  const k = e.kernels;
  const n = STREAM_N;
  // GB/s of wall time, and GB per CPU-second (per busy core: robust to a machine shared with other work)
  const rate = (bytes, t) => ({ wall: bytes / t.ms / 1e6, cpu: bytes / t.cpuMs / 1e6 });
  const copy = rate(8 * n, time(() => k.reluForward(view(0, n), view(n, n), n)));
  const add = rate(12 * n, time(() => k.add(view(0, n), view(n, n), view(2 * n, n), n)));
  const limit = { wall: Math.max(copy.wall, add.wall), cpu: Math.max(copy.cpu, add.cpu) };
  const rows = [];
  const scratch = view(0, 1);
  for (const l of layers) {
    for (const B of BATCHES) {
      const p = rt.conv2dParams({ batch: B, channels: l.C, height: l.H, width: l.W, kernel: [l.K, l.K], stride: [l.stride, l.stride], pad: [l.pad, l.pad], filters: l.C, groups: l.C });
      const xN = B * l.C * l.H * l.W, yN = B * l.C * p.OH * p.OW, wN = l.C * l.K * l.K;
      const set = xN + yN + wN;
      const copies = Math.max(1, Math.min(Math.floor(POOL / set), Math.ceil(COLD_BYTES / 4 / set)));
      const sets = Array.from({ length: copies }, (_, i) => ({ x: view(i * set, xN), y: view(i * set + xN, yN), w: view(i * set + xN + yN, wN) }));
      let next = 0;
      const t = time(() => {
        const s = sets[next];
        next = (next + 1) % copies;
        k.conv2dForward(s.x, s.w, null, s.y, scratch, p);
      });
      const r = rate(4 * set, t);
      rows.push({ layer: l.name, shape: `${l.C}x${l.H}x${l.W}`, stride: l.stride, count: l.count, batch: B, copies, mib: (4 * set) / 2 ** 20, ...t, gbs: r.wall, cpuGbs: r.cpu, percent: (100 * r.wall) / limit.wall, cpuPercent: (100 * r.cpu) / limit.cpu });
    }
  }
  k.dispose();
  return { threads, copy, add, limit, rows };
}

const layers = depthwiseLayers();
const results = a.threads.split(",").map((t) => run(Number(t), layers));
if (a.json) {
  console.log(JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, results }, null, 2));
} else {
  console.log(`Depthwise convolutions of MobileNetV2 (forward, wasm) against the memory-bound limit — ${cpus()[0]?.model ?? "cpu"} (${cpus().length} cores), Node ${process.version}`);
  for (const r of results) {
    const gb = (v) => v.toFixed(1);
    console.log(`\n${r.threads} thread(s): stream copy ${gb(r.copy.wall)} GB/s (${gb(r.copy.cpu)} per CPU-s), stream add ${gb(r.add.wall)} GB/s (${gb(r.add.cpu)}) → limit ${gb(r.limit.wall)} GB/s (${gb(r.limit.cpu)} per CPU-s)`);
    console.log(`${"input".padEnd(11)} s  ×  batch   MiB  wall ms   GB/s  % limit  CPU ms  GB/CPU-s  % limit`);
    for (const x of r.rows)
      console.log(
        [x.shape.padEnd(11), ` ${x.stride}`, ` ${String(x.count).padEnd(2)}`, String(x.batch).padStart(5), x.mib.toFixed(1).padStart(5), x.ms.toFixed(3).padStart(8), gb(x.gbs).padStart(6), `${x.percent.toFixed(0)}%`.padStart(8), x.cpuMs.toFixed(3).padStart(7), gb(x.cpuGbs).padStart(9), `${x.cpuPercent.toFixed(0)}%`.padStart(8)].join(" "),
      );
  }
}
