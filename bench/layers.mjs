#!/usr/bin/env node
/**
 * The WebAssembly layer kernels on 1 and 2 threads, on workload C's shapes at
 * batch 32: `npm run bench:layers [-- --json]`. Each kernel call is timed on
 * arena views of a wasm engine (as generated models call them); 1-thread and
 * 2-thread engines alternate, best of 5 windows each; GFLOP/s counts a
 * multiply-add as 2 FLOPs (backward: input and weight gradients, 4 per MAC).
 * Also the kinds of issue 14 without a workload yet (grouped and dilated
 * conv, deconv and its bias gradient, upsample, adaptive and global average
 * pooling, depthwise conv, shuffle, channel padding and selection). `--ts` adds, for each of those, the TypeScript kernel on the
 * same arena views (what the wasm set ran before it had them), in the same
 * run; `--quick`: best of 2 windows of 3 calls; `--only TEXT`: the rows whose name has TEXT (several
 * texts separated by commas). Each row also gives the best CPU time of the process per call (all its
 * threads, process.cpuUsage): on a machine shared with other work, wall time includes the moments
 * the OS ran something else, while 1-thread CPU time is the steadier figure of a kernel's cost.
 * `--split` (Linux): for each row, each thread's time on a CPU (/proc/self/task/<tid>/schedstat)
 * over ≥ 0.3 s of calls on each engine: the busiest thread's milliseconds per call on 2 threads,
 * and 1-thread CPU ÷ that: the speed-up two free cores would give, measurable on a loaded machine
 * (it counts a waiting thread's spinning, up to tens of µs per call, as work).
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

const rt = await import(new URL("../dist/runtime/index.js", import.meta.url).href);
const json = process.argv.includes("--json");
const ts = process.argv.includes("--ts");
const quick = process.argv.includes("--quick");
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1].split(",") : null;
const B = 32;

/** The layers of workload C (bench/cifar_c.nnspec) and their kernel calls on engine e. */
function layers(e) {
  const f = e.floats;
  const fill = (n, v) => f.take(n).fill(v);
  const s = f.take(1 << 19);
  const c1 = rt.conv2dParams({ batch: B, channels: 3, height: 32, width: 32, kernel: [3, 3], stride: [1, 1], pad: [1, 1], filters: 32 });
  const x1 = fill(B * 3 * 1024, 0.5), w1 = fill(32 * 27, 0.01), b1 = fill(32, 0), y1 = f.take(B * 32 * 1024), dw1 = f.take(32 * 27), db1 = f.take(32);
  const c2 = rt.conv2dParams({ batch: B, channels: 32, height: 16, width: 16, kernel: [3, 3], stride: [1, 1], pad: [1, 1], filters: 64 });
  const x2 = fill(B * 32 * 256, 0.3), w2 = fill(64 * 288, 0.01), b2 = fill(64, 0), y2 = f.take(B * 64 * 256), dx2 = f.take(B * 32 * 256), dw2 = f.take(64 * 288), db2 = f.take(64);
  const xf = fill(B * 4096, 0.1), wf = fill(256 * 4096, 0.01), bf = fill(256, 0), yf = f.take(B * 256), dxf = f.take(B * 4096), dwf = f.take(256 * 4096), dbf = f.take(256);
  const p1 = rt.pool2dParams({ batch: B, channels: 32, height: 32, width: 32, kernel: [2, 2] });
  const am = e.ints.take(B * 32 * 256);
  const k = e.kernels;
  const mac1 = B * 32 * 1024 * 27, mac2 = B * 64 * 256 * 288, macf = B * 4096 * 256;
  // Issue 14 kinds: a ResNeXt-style grouped 3x3 (4 groups), a dilated 3x3, a 4x4 stride-2 deconv (8x8 → 16x16).
  const cg = rt.conv2dParams({ batch: B, channels: 64, height: 16, width: 16, kernel: [3, 3], stride: [1, 1], pad: [1, 1], filters: 64, groups: 4 });
  const xg = fill(B * 64 * 256, 0.3), wg = fill(64 * 144, 0.01), bg = fill(64, 0), yg = f.take(B * 64 * 256), dxg = f.take(B * 64 * 256), dwg = f.take(64 * 144), dbg = f.take(64);
  const cd = rt.conv2dParams({ batch: B, channels: 32, height: 16, width: 16, kernel: [3, 3], stride: [1, 1], pad: [2, 2], filters: 32, dilation: [2, 2] });
  const xd = fill(B * 32 * 256, 0.3), wd = fill(32 * 288, 0.01), bd = fill(32, 0), yd = f.take(B * 32 * 256), dxd = f.take(B * 32 * 256), dwd = f.take(32 * 288), dbd = f.take(32);
  const cu = rt.conv2dParams({ batch: B, channels: 16, height: 16, width: 16, kernel: [4, 4], stride: [2, 2], pad: [1, 1], filters: 32 });
  const xu = fill(B * 32 * 64, 0.3), wu = fill(32 * 16 * 16, 0.01), bu = fill(16, 0), yu = f.take(B * 16 * 256);
  const macg = B * 64 * 256 * 144, macd = B * 32 * 256 * 288, macu = B * 32 * 64 * 256;
  // upsample 2 of 32x16x16, adaptive pooling 64x13x13 → 6x6 (AlexNet's), shuffle 2 of 64x16x16.
  const rows = rt.bilinearTaps(16, 2), cols = rt.bilinearTaps(16, 2);
  const yup = f.take(B * 32 * 1024);
  const xa = fill(B * 64 * 169, 0.2), ya = f.take(B * 64 * 36), dxa = f.take(B * 64 * 169), ama = e.ints.take(B * 64 * 36);
  // global average pooling of 64x16x16; the deconv's bias gradient (16 channels of 16x16); a depthwise 3x3 on 64x16x16.
  const yga = f.take(B * 64), dbu = f.take(16);
  const cw = rt.conv2dParams({ batch: B, channels: 64, height: 16, width: 16, kernel: [3, 3], stride: [1, 1], pad: [1, 1], filters: 64, groups: 64 });
  const ww = fill(64 * 9, 0.1), bw = fill(64, 0), dww = f.take(64 * 9), dbw = f.take(64);
  const issue14 = (kk, tag) => [
    [`grouped conv fwd${tag}`, 2 * macg, () => kk.conv2dForward(xg, wg, bg, yg, s, cg, rt.ACT_RELU)],
    [`grouped conv bwd${tag}`, 4 * macg, () => kk.conv2dBackward(xg, wg, yg, dxg, dwg, dbg, s, cg)],
    [`dilated conv fwd${tag}`, 2 * macd, () => kk.conv2dForward(xd, wd, bd, yd, s, cd, rt.ACT_RELU)],
    [`dilated conv bwd${tag}`, 4 * macd, () => kk.conv2dBackward(xd, wd, yd, dxd, dwd, dbd, s, cd)],
    [`deconv 4x4/2 fwd${tag}`, 2 * macu, () => kk.deconv2dForward(xu, wu, bu, yu, s, cu)],
    [`upsample near fwd${tag}`, 0, () => kk.upsampleNearestForward(xd, yup, B * 32, 16, 16, 2)],
    [`upsample near bwd${tag}`, 0, () => kk.upsampleNearestBackward(yup, dxd, B * 32, 16, 16, 2)],
    [`upsample bilin fwd${tag}`, 0, () => kk.upsampleBilinearForward(xd, yup, B * 32, rows, cols)],
    [`upsample bilin bwd${tag}`, 0, () => kk.upsampleBilinearBackward(yup, dxd, B * 32, rows, cols)],
    [`adaptiveavg fwd${tag}`, 0, () => kk.adaptiveAvgPoolForward(xa, ya, B * 64, 13, 13, 6, 6)],
    [`adaptiveavg bwd${tag}`, 0, () => kk.adaptiveAvgPoolBackward(ya, dxa, B * 64, 13, 13, 6, 6)],
    [`adaptivemax fwd${tag}`, 0, () => kk.adaptiveMaxPoolForward(xa, ya, ama, B * 64, 13, 13, 6, 6)],
    [`adaptivemax bwd${tag}`, 0, () => kk.adaptiveMaxPoolBackward(ya, ama, dxa, B * 64 * 169, B * 64 * 36)],
    [`shuffle 2 fwd${tag}`, 0, () => kk.channelShuffle(xg, yg, B, 64, 2, 256)],
    [`deconv bias grad${tag}`, 0, () => kk.channelSums(yu, dbu, B, 16, 256)],
    [`globalavgpool fwd${tag}`, 0, () => kk.globalAvgPoolForward(xg, yga, B, 64, 256)],
    [`globalavgpool bwd${tag}`, 0, () => kk.globalAvgPoolBackward(yga, dxg, B, 64, 256)],
    [`depthwise 3x3 fwd${tag}`, 2 * B * 64 * 256 * 9, () => kk.conv2dForward(xg, ww, bw, yg, s, cw, rt.ACT_RELU)],
    [`depthwise 3x3 bwd${tag}`, 4 * B * 64 * 256 * 9, () => kk.conv2dBackward(xg, ww, yg, dxg, dww, dbw, s, cw)],
    [`padchannels 32→64${tag}`, 0, () => kk.channelEmbed(xd, yg, B, 32, 64, 16, 256)],
    [`channels 16:48 of 64${tag}`, 0, () => kk.channelExtract(xg, yd, B, 64, 32, 16, 256)],
  ];
  return [
    ["conv1 forward (+relu)", 2 * mac1, () => k.conv2dForward(x1, w1, b1, y1, s, c1, rt.ACT_RELU)],
    ["conv1 backward (no dx)", 2 * mac1, () => k.conv2dBackward(x1, w1, y1, null, dw1, db1, s, c1)],
    ["conv2 forward (+relu)", 2 * mac2, () => k.conv2dForward(x2, w2, b2, y2, s, c2, rt.ACT_RELU)],
    ["conv2 backward", 4 * mac2, () => k.conv2dBackward(x2, w2, y2, dx2, dw2, db2, s, c2)],
    ["fc 4096→256 forward", 2 * macf, () => k.fcForward(xf, wf, bf, yf, B, 4096, 256, rt.ACT_RELU)],
    ["fc 4096→256 backward", 4 * macf, () => k.fcBackward(xf, wf, yf, dxf, dwf, dbf, B, 4096, 256)],
    ["maxpool 2 forward", 0, () => k.maxPoolForward(y1, x2, am, p1)],
    ["maxpool 2 backward", 0, () => k.maxPoolBackward(x2, am, y1, p1)],
    ...issue14(k, ""),
    ...(ts ? issue14(rt.jsKernels, " [TS]") : []),
  ];
}

const sizes = { floats: 10_000_000, ints: 400_000, scratch: 1 << 19, convParams: 64 * 288 };
const engines = [1, 2].map((threads) => rt.createEngine(Float32Array, sizes, { kernels: "wasm", threads }, "bench"));
const sets = engines.map((e) => layers(e).filter(([name]) => only === null || only.some((o) => name.includes(o))));
const best = sets.map((set) => set.map(() => Infinity));
const bestCpu = sets.map((set) => set.map(() => Infinity));
const rounds = quick ? 2 : 5;
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < sets[0].length; i++) {
    for (let t = 0; t < sets.length; t++) {
      const fn = sets[t][i][2];
      fn();
      const reps = quick ? 3 : 10;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) fn();
      best[t][i] = Math.min(best[t][i], (performance.now() - t0) / reps);
      const c = process.cpuUsage(c0);
      bestCpu[t][i] = Math.min(bestCpu[t][i], (c.user + c.system) / 1000 / reps);
    }
  }
}
/** Nanoseconds each of this process's threads has spent on a CPU, by thread id. */
function threadTimes() {
  const t = new Map();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      t.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]));
    } catch {
      // the thread ended
    }
  }
  return t;
}

/** Calls fn for ≥ 0.3 s: per call, the busiest thread's and all threads' CPU milliseconds. */
function split(fn) {
  fn();
  const before = threadTimes();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 300 || n < 3) {
    fn();
    n++;
  }
  const after = threadTimes();
  const used = [...after].map(([tid, ns]) => ns - (before.get(tid) ?? 0));
  return { busiest: Math.max(...used) / 1e6 / n, total: used.reduce((a, b) => a + b, 0) / 1e6 / n };
}
const splits = process.argv.includes("--split") ? sets[0].map((_, i) => sets.map((set) => split(set[i][2]))) : null;
engines.forEach((e) => e.kernels.dispose());
const rows = sets[0].map(([name, flops], i) => ({
  layer: name,
  ms1: best[0][i],
  ms2: best[1][i],
  cpuMs1: bestCpu[0][i],
  cpuMs2: bestCpu[1][i],
  gflops1: flops ? flops / best[0][i] / 1e6 : null,
  gflops2: flops ? flops / best[1][i] / 1e6 : null,
  speedup: best[0][i] / best[1][i],
  ...(splits ? { splitCpuMs1: splits[i][0].total, busiestMs2: splits[i][1].busiest, cpuSpeedup: splits[i][0].total / splits[i][1].busiest } : {}),
}));
if (json) console.log(JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, batch: B, rows }, null, 2));
else {
  console.log(`WebAssembly layer kernels, workload C shapes, batch ${B}, best of ${rounds} — ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`);
  console.log(`${"layer".padEnd(24)} ${"1 thread".padStart(20)} ${"2 threads".padStart(20)} ${"speed-up".padStart(9)}   ${"CPU ms, 1 thread".padStart(16)} ${"2 threads".padStart(10)}`);
  const cell = (ms, g) => `${ms.toFixed(3)} ms${g === null ? "" : ` ${g.toFixed(1)} GF/s`}`.padStart(20);
  if (splits) console.log(`(--split: 1-thread CPU ms per call, over ≥ 0.3 s; the busiest of the 2-thread engine's threads; their ratio)`);
  for (const r of rows) {
    const extra = splits ? `   ${r.splitCpuMs1.toFixed(3).padStart(8)} ${r.busiestMs2.toFixed(3).padStart(8)} ${`${r.cpuSpeedup.toFixed(2)}×`.padStart(7)}` : "";
    console.log(`${r.layer.padEnd(24)} ${cell(r.ms1, r.gflops1)} ${cell(r.ms2, r.gflops2)} ${`${r.speedup.toFixed(2)}×`.padStart(9)}   ${r.cpuMs1.toFixed(3).padStart(16)} ${r.cpuMs2.toFixed(3).padStart(10)}${extra}`);
  }
}
