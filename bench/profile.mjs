#!/usr/bin/env node
/**
 * Where nnspec's forward pass spends its time, by layer kind:
 * `node bench/profile.mjs [--workload M] [--batches 1,8] [--threads 1,2] [--seconds 2] [--json]`
 * (after `npm run build`; compiles the workload like `npm run bench`).
 *
 * It copies the compiled module (bench/.tmp/nnspec/<model>.js) with every
 * kernel call of `forward` wrapped in a timer, the call's kind read from the
 * comment the generator writes above it (`// name: conv 3x3 … groups t …`):
 * 1x1 conv (a GEMM), depthwise conv, other conv, batchnorm, relu6, residual
 * add, … Then it runs forward (wasm kernels) for ≥ --seconds per
 * configuration and prints each kind's share of the time, ms per forward,
 * and the sum of the wrapped calls against the unwrapped forward's time.
 * A `conv …, batchnorm[, relu6]` folded into one kernel at inference
 * (compiler/emit/fold.ts) counts as its conv's kind; "unfolded" is the same
 * forward with the fold turned off (the module's `unfold` set: the layers one
 * by one, as before the fold), timed alternately with the folded one (CPU
 * time of the process with one thread, wall time with more).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { SEED, makeBatch, paths, prepare, workload } from "./runners/common.mjs";

const { values: a } = parseArgs({
  options: {
    workload: { type: "string", default: "M" },
    batches: { type: "string", default: "1,8" },
    threads: { type: "string", default: "1,2" },
    seconds: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
  },
});
const w = workload(a.workload);
const p = await prepare(w);

/** The layer kind of a generated statement's comment ("conv 1x1 x t nobias" → "1x1 conv (GEMM)"). */
function kindOf(comment) {
  const text = comment.replace(/^\s*\/\/ [^:]+: /, "");
  const word = text.split(/[\s({]/)[0];
  if (word === "conv") return / groups /.test(text) ? "depthwise conv" : /^conv 1x1\b/.test(text) ? "1x1 conv (GEMM)" : "other conv";
  if (word === "residual") return "residual add";
  return word;
}

/** The module with each call statement in forward() timed into globalThis.__profile under its kind. */
function instrument(source) {
  const lines = source.split("\n");
  // The layers are in `function layers()` when some batchnorm folds (called by forward), else in forward itself.
  let start = lines.findIndex((l) => /^\s*function layers\(/.test(l));
  if (start < 0) start = lines.findIndex((l) => /^\s*function forward\(/.test(l));
  if (start < 0) throw new Error(`${paths(w).module}: no function forward`);
  let kind = "input";
  let conv = "";
  for (let i = start + 1; i < lines.length && !/^ {4}}/.test(lines[i]); i++) {
    const l = lines[i];
    if (/^\s*\/\/ inference: /.test(l)) kind = conv; // the folded kernel: its conv's kind
    else if (/^\s*\/\/ /.test(l)) {
      kind = kindOf(l);
      if (/conv/.test(kind)) conv = kind;
    }
    else if (/^\s*(k|rt)\.\w+\(.*\);$/.test(l) || /^\s*n = rt\.loadInput/.test(l))
      lines[i] = `{ const __t = performance.now(); ${l.trim()} globalThis.__profile.add(${JSON.stringify(kind)}, performance.now() - __t); }`;
  }
  return lines.join("\n");
}

const profiled = p.module.replace(/\.js$/, ".profile.js");
const unfolded = p.module.replace(/\.js$/, ".unfolded.js");
const source = readFileSync(p.module, "utf8");
writeFileSync(profiled, instrument(source));
writeFileSync(unfolded, source.replace(/let unfold = false;/, "let unfold = true;"));
const plain = await import(pathToFileURL(p.module).href);
const timed = await import(pathToFileURL(profiled).href);
const folds = /let unfold = false;/.test(source);
const unfoldedModule = folds ? await import(pathToFileURL(unfolded).href) : null;

/** Calls fn until it has used ≥ seconds of this process's CPU time; CPU ms per call (steadier than wall time on a shared machine). */
function runCpu(fn, seconds) {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  fn();
  let n = 0;
  const c0 = cpu();
  while (cpu() - c0 < seconds * 1000 || n === 0) {
    fn();
    n++;
  }
  return (cpu() - c0) / n;
}

/** Calls fn for ≥ seconds; ms per call. */
function run(fn, seconds) {
  fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || n === 0) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

const results = [];
for (const threads of a.threads.split(",").map(Number)) {
  for (const batch of a.batches.split(",").map(Number)) {
    const { x } = makeBatch(w, batch);
    const options = { batchSize: batch, seed: SEED, threads, kernels: "wasm" };
    const m0 = await plain.createModel(options);
    let forwardMs;
    let unfoldedMs = null;
    if (unfoldedModule) {
      // Folded and unfolded alternately, 4 rounds each, the median of each (CPU time with 1 thread): a busy moment hits both.
      const m2 = await unfoldedModule.createModel(options);
      const time = threads === 1 ? runCpu : run;
      const f = [], u = [];
      for (let r = 0; r < 4; r++) {
        f.push(time(() => m0.forward(x), Number(a.seconds) / 4));
        u.push(time(() => m2.forward(x), Number(a.seconds) / 4));
      }
      m2.dispose();
      const median = (v) => v.sort((p, q) => p - q)[v.length >> 1];
      forwardMs = median(f);
      unfoldedMs = median(u);
    } else forwardMs = run(() => m0.forward(x), Number(a.seconds));
    m0.dispose();
    const m1 = await timed.createModel(options);
    const totals = new Map();
    globalThis.__profile = { add: (k, ms) => totals.set(k, (totals.get(k) ?? 0) + ms) };
    m1.forward(x);
    totals.clear();
    let calls = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < Number(a.seconds) * 1000 || calls === 0) {
      m1.forward(x);
      calls++;
    }
    m1.dispose();
    const kinds = [...totals].map(([kind, ms]) => ({ kind, ms: ms / calls })).sort((u, v) => v.ms - u.ms);
    const sum = kinds.reduce((s, k) => s + k.ms, 0);
    results.push({ threads, batch, forwardMs, unfoldedMs, timedSumMs: sum, kinds: kinds.map((k) => ({ ...k, percent: (100 * k.ms) / sum })) });
  }
}
if (a.json) console.log(JSON.stringify({ workload: a.workload, model: w.name, results }, null, 2));
else
  for (const r of results) {
    const unit = r.threads === 1 ? "CPU ms" : "ms";
    const unfolded = r.unfoldedMs === null ? "" : ` (${unit}: ${r.forwardMs.toFixed(1)} folded, ${r.unfoldedMs.toFixed(1)} unfolded, ${(r.unfoldedMs / r.forwardMs).toFixed(2)}x)`;
    console.log(`\n${w.title} forward, batch ${r.batch}, ${r.threads} thread(s): ${r.unfoldedMs === null ? `${r.forwardMs.toFixed(1)} ms per forward unwrapped` : `per forward unwrapped${unfolded}`}, ${r.timedSumMs.toFixed(1)} ms in the timed calls`);
    for (const k of r.kinds) console.log(`  ${k.kind.padEnd(18)} ${k.ms.toFixed(2).padStart(8)} ms ${k.percent.toFixed(1).padStart(5)}%`);
  }
