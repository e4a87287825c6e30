#!/usr/bin/env node
/**
 * GEMM throughput: the JS kernel (runtime/gemm.ts, from dist/) against the
 * WebAssembly SIMD kernel (runtime/wasm, dist/runtime/wasm/kernels.wasm), float32,
 * single thread, on the GEMM shapes of LeNet-5 and workload C (bench/cifar_c.nnspec).
 *
 *   npm run build && node scripts/build-wasm.mjs && node bench/gemm.mjs
 *   node bench/gemm.mjs --json     the same as JSON
 *   node bench/gemm.mjs --quick    fewer, shorter runs
 *
 * Shapes are the calls runtime/conv.ts (per image) and runtime/fc.ts (per
 * batch) make: forward (NN), weight gradient (NT), input gradient (TN/NN).
 * The JS kernel works on Float32Arrays; the wasm kernel on operands already in
 * its linear memory (where the runtime will keep its arena), so no copies are
 * timed. After a warm-up, JS and wasm batches alternate; each figure is the
 * median over the batches. Aim from the issue: >= 30 GFLOP/s single thread.
 */
import { cpus } from "node:os";

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!["--json", "--quick", "--help", "-h"].includes(a)) {
    process.stderr.write(`bench/gemm.mjs: unknown argument ${a} (try --help)\n`);
    process.exit(2);
  }
}
if (args.has("--help") || args.has("-h")) {
  process.stdout.write("usage: node bench/gemm.mjs [--json] [--quick]\n");
  process.exit(0);
}
const quick = args.has("--quick");

let gemm, wasm;
try {
  ({ gemm } = await import(new URL("../dist/runtime/index.js", import.meta.url).href));
  wasm = await import(new URL("../dist/runtime/wasm/index.js", import.meta.url).href);
  wasm.wasmKernels();
} catch (e) {
  process.stderr.write(
    "bench/gemm.mjs: cannot load dist/runtime (run `npm run build` and `node scripts/build-wasm.mjs` first): " +
      `${e instanceof Error ? e.message : e}\n`,
  );
  process.exit(2);
}

const AIM = 30; // GFLOP/s

/** [label, transA, transB, M, N, K] */
const SHAPES = [
  ["lenet5 conv1 fwd", false, false, 6, 784, 25],
  ["lenet5 conv2 fwd", false, false, 16, 100, 150],
  ["lenet5 conv1 dW", false, true, 6, 25, 784],
  ["lenet5 conv2 dW", false, true, 16, 150, 100],
  ["lenet5 conv2 dcols", true, false, 150, 100, 16],
  ["lenet5 fc1 fwd (b16)", false, true, 16, 120, 400],
  ["C conv1 fwd", false, false, 32, 1024, 27],
  ["C conv2 fwd", false, false, 64, 256, 288],
  ["C conv1 dW", false, true, 32, 27, 1024],
  ["C conv2 dW", false, true, 64, 288, 256],
  ["C conv2 dcols", true, false, 288, 256, 64],
  ["C fc1 fwd (b32)", false, true, 32, 256, 4096],
  ["C fc1 dW (b32)", true, false, 256, 4096, 32],
  ["C fc1 dx (b32)", false, false, 32, 4096, 256],
  ["conv 64x1024x576", false, false, 64, 1024, 576],
  ["M fc fwd (b1)", false, true, 1, 1000, 1280],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function fill(arr, seed) {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < arr.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    arr[i] = x / 4294967296 - 0.5;
  }
}

/** Runs fn `reps` times, returns ms per call. */
function timeReps(fn, reps) {
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) fn();
  return (performance.now() - t0) / reps;
}

function benchShape([label, tA, tB, M, N, K]) {
  const flops = 2 * M * N * K;
  const lda = tA ? M : K, ldb = tB ? K : N, ldc = N;
  const aLen = M * K, bLen = K * N, cLen = M * N;
  const A = new Float32Array(aLen), B = new Float32Array(bLen), C = new Float32Array(cLen);
  fill(A, 1); fill(B, 2);
  const mark = wasm.wasmMark();
  const aPtr = wasm.wasmAlloc(aLen), bPtr = wasm.wasmAlloc(bLen), cPtr = wasm.wasmAlloc(cLen);
  wasm.wasmF32(aPtr, aLen).set(A);
  wasm.wasmF32(bPtr, bLen).set(B);
  const k = wasm.wasmKernels();
  const runJs = () => gemm(tA, tB, M, N, K, 1, A, 0, lda, B, 0, ldb, 0, C, 0, ldc);
  // The raw export, as generated code will call it (wasmGemm adds argument checks).
  const runWasm = () => k.sgemm(tA ? 1 : 0, tB ? 1 : 0, M, N, K, 1, aPtr, lda, bPtr, ldb, 0, cPtr, ldc);

  // Calls per timed batch: ~20 ms of JS work at ~4 GFLOP/s, ~10 ms in quick mode.
  const batchMs = quick ? 10 : 20;
  const reps = Math.max(1, Math.round((batchMs * 4e6) / flops));
  // Warm-up: lets V8 tier both kernels up (TurboFan for JS, Liftoff -> TurboFan for wasm).
  const warmUntil = performance.now() + (quick ? 150 : 400);
  while (performance.now() < warmUntil) { timeReps(runJs, reps); timeReps(runWasm, reps); }
  const js = [], wa = [];
  const rounds = quick ? 5 : 15;
  for (let r = 0; r < rounds; r++) {
    js.push(timeReps(runJs, reps));
    wa.push(timeReps(runWasm, reps * 4));
  }
  // Same result? (float32 vs float64 accumulation: compare loosely.)
  runJs(); runWasm();
  const W = wasm.wasmF32(cPtr, cLen);
  let maxDiff = 0;
  for (let i = 0; i < cLen; i++) maxDiff = Math.max(maxDiff, Math.abs(W[i] - C[i]));
  wasm.wasmRelease(mark);
  const jsG = flops / median(js) / 1e6, waG = flops / median(wa) / 1e6;
  return { label, trans: `${tA ? "T" : "N"}${tB ? "T" : "N"}`, M, N, K, jsGflops: jsG, wasmGflops: waG, ratio: waG / jsG, maxDiff };
}

const results = SHAPES.map(benchShape);

if (args.has("--json")) {
  process.stdout.write(JSON.stringify({ cpu: cpus()[0]?.model, node: process.version, aimGflops: AIM, results }, null, 2) + "\n");
} else {
  const rows = [["shape", "op", "M", "N", "K", "JS GFLOP/s", "wasm GFLOP/s", "wasm/JS", "max |diff|"]];
  for (const r of results) {
    rows.push([r.label, r.trans, String(r.M), String(r.N), String(r.K), r.jsGflops.toFixed(2), r.wasmGflops.toFixed(2), `${r.ratio.toFixed(2)}x`, r.maxDiff.toExponential(1)]);
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row) => row.map((s, c) => (c === 0 || c === 1 ? s.padEnd(w[c]) : s.padStart(w[c]))).join("  ");
  process.stdout.write(`GEMM float32, single thread — ${cpus()[0]?.model ?? "?"}, Node ${process.version}\n\n`);
  process.stdout.write(line(rows[0]) + "\n");
  for (const row of rows.slice(1)) process.stdout.write(line(row) + "\n");
  const flopsJs = results.map((r) => r.jsGflops), flopsWa = results.map((r) => r.wasmGflops);
  const geo = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
  process.stdout.write(
    `\ngeometric mean: JS ${geo(flopsJs).toFixed(2)}, wasm ${geo(flopsWa).toFixed(2)} GFLOP/s (${(geo(flopsWa) / geo(flopsJs)).toFixed(2)}x); ` +
      `aim ${AIM} GFLOP/s: ${results.filter((r) => r.wasmGflops >= AIM).length}/${results.length} shapes reach it\n`,
  );
}
