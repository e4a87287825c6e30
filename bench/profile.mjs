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
import { SEED, makeBatch, prepare, workload } from "./runners/common.mjs";
import { clockFor, importInstrumented, layerTimes, timeCalls, wallMs } from "./runners/instrument.mjs";
import { median } from "./runners/stats.mjs";

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

const unfolded = p.module.replace(/\.js$/, ".unfolded.js");
const source = readFileSync(p.module, "utf8");
writeFileSync(unfolded, source.replace(/let unfold = false;/, "let unfold = true;"));
const plain = await import(pathToFileURL(p.module).href);
const timed = await importInstrumented(p.module);
const folds = /let unfold = false;/.test(source);
const unfoldedModule = folds ? await import(pathToFileURL(unfolded).href) : null;

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
      const clock = clockFor(threads);
      const f = [], u = [];
      for (let r = 0; r < 4; r++) {
        f.push(timeCalls(() => m0.forward(x), Number(a.seconds) / 4, clock));
        u.push(timeCalls(() => m2.forward(x), Number(a.seconds) / 4, clock));
      }
      m2.dispose();
      forwardMs = median(f);
      unfoldedMs = median(u);
    } else forwardMs = timeCalls(() => m0.forward(x), Number(a.seconds), wallMs);
    m0.dispose();
    const m1 = await timed.createModel(options);
    const totals = new Map();
    for (const l of layerTimes(() => m1.forward(x), Number(a.seconds), wallMs)) totals.set(l.kind, (totals.get(l.kind) ?? 0) + l.ms);
    m1.dispose();
    const kinds = [...totals].map(([kind, ms]) => ({ kind, ms })).sort((u, v) => v.ms - u.ms);
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
