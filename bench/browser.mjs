#!/usr/bin/env node
// The browser benchmark (`npm run bench:browser`): nnspec, TF.js and ONNX
// Runtime Web on workloads L and C in one cross-origin isolated page of
// headless Chromium, each contender in its own Web Worker, timed in turn round
// by round. See README.md ("In the browser") for what is timed.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { BENCH, ROOT, TMP, forwardFlops, makeBatch, prepare, toNHWC, workload } from "./runners/common.mjs";
import { goalsMarkdown, groupMarkdown } from "./runners/markdown.mjs";
import { summarise } from "./runners/stats.mjs";
import { writeDocsSection } from "./runners/docs-section.mjs";
import { descendantsCpuSeconds } from "./runners/proc-cpu.mjs";

const HELP = `usage: node bench/browser.mjs [options]   (npm run bench:browser [-- options] builds first)

Times nnspec (wasm kernels, 1 and 2 threads), TF.js (wasm backend 1 and 2 threads, cpu backend)
and ONNX Runtime Web (wasm, 1 and 2 threads) in headless Chromium (/usr/bin/chromium, or
NNSPEC_CHROMIUM), one cross-origin isolated page, contenders alternating round by round.
Prints Markdown tables on stdout.

  --quick            a short smoke run (2 rounds of 0.3 s)
  --rounds N         timed rounds per contender (default 5)
  --seconds S        length of each timed window (default 1)
  --workloads L,C    which workloads (default L,C)
  --modes infer,train  which modes (default infer,train)
  --write-docs       also write the tables into docs/performance.md ("In the browser")
  --help             this text`;

const { values: a } = (() => {
  try {
    return parseArgs({
      options: {
        help: { type: "boolean", default: false },
        quick: { type: "boolean", default: false },
        rounds: { type: "string" },
        seconds: { type: "string" },
        workloads: { type: "string", default: "L,C" },
        modes: { type: "string", default: "infer,train" },
        "write-docs": { type: "boolean", default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`bench/browser.mjs: ${e.message} (try --help)\n`);
    process.exit(2);
  }
})();
if (a.help) {
  console.log(HELP);
  process.exit(0);
}
const rounds = Number(a.rounds ?? (a.quick ? 2 : 5));
const seconds = Number(a.seconds ?? (a.quick ? 0.3 : 1));
const warmup = a.quick ? 0.3 : 1;
const BATCH = 32;
const modes = a.modes.split(",");
for (const m of modes) if (m !== "infer" && m !== "train") fail(`--modes: ${JSON.stringify(m)} is not infer or train`);
if (!(rounds >= 1) || !(seconds > 0)) fail("--rounds must be ≥ 1 and --seconds > 0");
const keys = a.workloads.split(",");
for (const k of keys) if (!["L", "C"].includes(k)) fail(`--workloads: ${JSON.stringify(k)} is not L or C`);
const log = (s) => process.stderr.write(s + "\n");

function fail(message) {
  process.stderr.write(`bench/browser.mjs: ${message}\n`);
  process.exit(1);
}

/** The contenders: runner, label, requested threads. ORT Web has no training here (the ONNX export is inference only). */
const CONTENDERS = {
  infer: [
    { label: "nnspec 1t", runner: "nnspec", threads: 1 },
    { label: "nnspec 2t", runner: "nnspec", threads: 2 },
    { label: "tfjs-wasm 1t", runner: "tfjs-wasm", threads: 1 },
    { label: "tfjs-wasm asked 2t", runner: "tfjs-wasm", threads: 2 },
    { label: "tfjs-cpu", runner: "tfjs-cpu", threads: 1 },
    { label: "ort-web 1t", runner: "ort", threads: 1 },
    { label: "ort-web 2t", runner: "ort", threads: 2 },
  ],
  train: [
    { label: "nnspec 1t", runner: "nnspec", threads: 1 },
    { label: "nnspec 2t", runner: "nnspec", threads: 2 },
    { label: "tfjs-wasm 1t", runner: "tfjs-wasm", threads: 1 },
    { label: "tfjs-cpu", runner: "tfjs-cpu", threads: 1 },
  ],
};

const APP = join(TMP, "browser");
const MOD = join(BENCH, "node_modules");

/** The test suite's Chromium helpers (test/helpers/chromium.ts: launch, COOP/COEP server), compiled for this script. */
async function loadChromiumHelpers() {
  const { build } = await import("esbuild");
  const out = join(TMP, "chromium-helpers.mjs"); // two levels below the root, like test/helpers/, so its ROOT stays right
  await build({ entryPoints: [join(ROOT, "test", "helpers", "chromium.ts")], outfile: out, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "error" });
  return import(pathToFileURL(out).href);
}

/** Bundles the page and the contender worker with esbuild and lays out every file the page loads. */
async function buildApp() {
  const { build } = await import("esbuild");
  rmSync(APP, { recursive: true, force: true });
  for (const d of ["app", "wasm", "tfjs", "ort", "data"]) mkdirSync(join(APP, d), { recursive: true });
  const common = { bundle: true, platform: "browser", format: "esm", target: "es2022", logLevel: "error" };
  // ORT Web's "extern wasm" build loads ort-wasm-simd-threaded.mjs/.wasm from env.wasm.wasmPaths (../ort/).
  await build({ ...common, entryPoints: { page: join(BENCH, "browser", "page.mjs"), contender: join(BENCH, "browser", "contender.mjs") }, outdir: join(APP, "app"), splitting: true, conditions: ["onnxruntime-web-use-extern-wasm"] });
  // nnspec's runtime finds its kernels and kernel worker at ../wasm/ from the bundle (new URL(…, import.meta.url)).
  await build({ ...common, entryPoints: [join(ROOT, "dist", "runtime", "wasm", "worker.js")], outfile: join(APP, "wasm", "worker.js") });
  copyFileSync(join(ROOT, "dist", "runtime", "wasm", "kernels.wasm"), join(APP, "wasm", "kernels.wasm"));
  const tfjsDist = join(MOD, "@tensorflow", "tfjs-backend-wasm", "dist");
  for (const f of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"]) copyFileSync(join(tfjsDist, f), join(APP, "tfjs", f));
  const ortDist = join(MOD, "onnxruntime-web", "dist");
  for (const f of ["ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"]) copyFileSync(join(ortDist, f), join(APP, "ort", f));
  writeFileSync(join(APP, "index.html"), '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title></head><body><p>nnspec browser benchmark</p><script type="module" src="app/page.js"></script></body></html>');
}

/** Compiles, saves and exports each workload (bench/.tmp), and puts its weights and ONNX file in the page's data/. */
async function prepareData() {
  for (const key of keys) {
    const w = workload(key);
    const p = await prepare(w);
    copyFileSync(p.weights, join(APP, "data", `${w.name}.safetensors`));
    copyFileSync(p.onnx, join(APP, "data", `${w.name}.onnx`));
  }
}

/** What the page's workers need to know about a workload (no paths: they fetch data/NAME). */
const workloadForPage = (w) => ({ name: w.name, inputShape: w.inputShape, classes: w.classes, layers: w.layers });

/** Agreement of a contender's first output with nnspec 1t's: logits (max |diff|) or the first training loss. */
function agreement(mode, ref, out) {
  if (mode === "train") {
    const diff = Math.abs(ref - out);
    return { diff, ok: diff <= 1e-3 * Math.max(1, Math.abs(ref)), text: `first loss ${out.toFixed(5)}, \\|diff\\| ${diff.toExponential(1)}` };
  }
  let diff = out.length === ref.length ? 0 : Infinity;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i] - out[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return { diff, ok: diff <= 1e-3 * Math.max(1, scale), text: `max \\|diff\\| ${diff.toExponential(1)}` };
}

/** Starts each contender in its worker (it runs one step for the check, then warms up). */
async function startContenders(page, key, mode, w) {
  const rows = [];
  for (const c of CONTENDERS[mode]) {
    log(`  starting ${c.label} (${key} ${mode})`);
    const config = { runner: c.runner, threads: c.threads, mode, batch: BATCH, warmup, w: workloadForPage(w) };
    const r = await page.evaluate(([id, cfg]) => globalThis.bench.start(id, cfg, 600_000), [c.label, config]);
    rows.push({ ...c, info: r.info, output: r.output, error: r.type === "error" ? r.error : undefined, threadsUsed: r.info?.threads, rounds: [] });
    log(`    ${r.type === "error" ? r.error : JSON.stringify(r.info)}`);
  }
  return rows;
}

/** Compares every contender's first output with nnspec 1t's (the first row); one that disagrees is not timed. */
function checkOutputs(rows, mode) {
  const ref = rows[0].output;
  for (const r of rows.filter((x) => !x.error)) {
    r.check = ref === undefined ? { ok: false, text: "no reference" } : agreement(mode, ref, r.output);
    log(`  check ${r.label}: ${r.check.text.replaceAll("\\", "")}${r.check.ok ? "" : " — DISAGREES with nnspec 1t: not timed"}`);
    if (!r.check.ok) r.error = `failed: output differs from nnspec 1t's (${r.check.text})`;
    delete r.output;
  }
}

/** Rounds: each live contender in turn times a window of ≥ `seconds` while the others wait. */
async function timeRounds(page, rows) {
  const live = rows.filter((r) => !r.error);
  for (let i = 0; i < rounds; i++) {
    log(`  round ${i + 1}/${rounds}: ${live.map((r) => r.label).join(" → ")}`);
    for (const r of live) {
      const cpu0 = descendantsCpuSeconds();
      const t0 = performance.now();
      const m = await page.evaluate(([id, s]) => globalThis.bench.measure(id, s, 600_000), [r.label, seconds]);
      // Cores Chromium kept busy (all its processes, so the idle contenders' and the page's share is included).
      if (cpu0 !== undefined) m.coresBusy = (descendantsCpuSeconds() - cpu0) / ((performance.now() - t0) / 1000);
      if (m.type === "result") r.rounds.push(m);
      else r.error ??= m.error;
    }
  }
}

/** One workload and mode: start, check, time, stop; medians and ratios. */
async function runGroup(page, key, mode) {
  const w = workload(key);
  const { x, labels } = makeBatch(w, BATCH);
  await page.evaluate((b) => globalThis.bench.setBatch(b), { x: Array.from(x), xNHWC: Array.from(toNHWC(x, BATCH, w.inputShape)), labels: Array.from(labels) });
  const rows = await startContenders(page, key, mode, w);
  checkOutputs(rows, mode);
  await timeRounds(page, rows);
  for (const r of rows) await page.evaluate((id) => globalThis.bench.stop(id), r.label);
  const flops = forwardFlops(w) * (mode === "train" ? 3 : 1);
  const ratios = summarise(rows, flops);
  return { workload: key, title: w.title, mode, batch: BATCH, flopsPerImage: flops, runners: rows, ratios };
}

async function main() {
  const { CHROMIUM, launchChromium, recordConsole, serveStatic } = await loadChromiumHelpers();
  if (!existsSync(CHROMIUM)) fail(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (or set NNSPEC_CHROMIUM to its path)`);
  if (!existsSync(join(ROOT, "dist", "runtime", "wasm", "kernels.wasm"))) fail("dist/ is missing: run `npm run build` first (npm run bench:browser does)");
  if (!existsSync(join(MOD, "onnxruntime-web"))) fail("bench/node_modules is missing or stale: run `node bench/setup.mjs` (npm run bench:browser does)");
  log("preparing the workloads and bundling the page…");
  await buildApp();
  await prepareData();
  const server = await serveStatic(APP);
  const browser = await launchChromium();
  const page = await browser.newPage();
  const consoleLog = recordConsole(page);
  const load0 = loadavg()[0];
  const groups = [];
  let env;
  let error;
  try {
    await page.goto(`${server.url}/iso/index.html`);
    await page.waitForFunction(() => document.title === "ready", undefined, { timeout: 30_000 });
    env = await page.evaluate(() => globalThis.bench.env());
    if (!env.crossOriginIsolated) throw new Error("the page is not cross-origin isolated (COOP/COEP headers missing): threads would not work");
    for (const key of keys)
      for (const mode of modes) {
        log(`${key} ${mode}:`);
        groups.push(await runGroup(page, key, mode));
      }
  } catch (e) {
    error = `${e.message.split("\n")[0]}\npage console (last lines):\n${consoleLog.slice(-20).join("\n")}`;
  } finally {
    await browser.close();
    await server.close();
  }
  if (error) fail(error);
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    chromium: browser.version(),
    cpu: cpus()[0]?.model ?? "cpu",
    cores: availableParallelism(),
    hardwareConcurrency: env.hardwareConcurrency,
    loadStart: load0,
    loadEnd: loadavg()[0],
    rounds,
    seconds,
    quick: a.quick,
  };
  const markdown = report(meta, groups);
  console.log(markdown);
  if (a["write-docs"]) writeDocsSection(join(ROOT, "docs", "performance.md"), markdown);
  const failed = groups.some((g) => g.runners.some((r) => r.error?.startsWith("failed:")));
  if (failed) log("bench/browser.mjs: some contenders failed (see the tables); exit status 1");
  process.exit(failed ? 1 : 0);
}

function report(m, groups) {
  const lines = [
    `Measured on ${m.date}${m.quick ? " (--quick smoke run: too short to quote)" : ""}: headless Chromium ${m.chromium} (Debian), ${m.cpu}, ${m.cores} cores (navigator.hardwareConcurrency ${m.hardwareConcurrency}), load average ${m.loadStart.toFixed(2)} at the start and ${m.loadEnd.toFixed(2)} at the end (other work shares these cores).`,
    `Batch ${BATCH}; each contender in its own Web Worker of one cross-origin isolated page; ${m.rounds} round${m.rounds > 1 ? "s" : ""} of ≥ ${m.seconds} s per contender after warm-up, contenders in turn within each round; ratios are medians of per-round ratios.`,
    "",
  ];
  for (const g of groups) lines.push(groupMarkdown(g), "");
  lines.push(goalsMarkdown(groups));
  return lines.join("\n");
}

await main();
