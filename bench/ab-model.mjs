#!/usr/bin/env node
/**
 * Before/after in one process: the same compiled model on this checkout's
 * runtime and on another checkout's (say, main before a change), alternating
 * call by call in rounds, so both sides see the same load:
 *   node bench/ab-model.mjs --base DIR [--workloads M] [--modes infer] [--batch 1] [--threads 1]
 *                           [--rounds 8] [--seconds 1]
 * The module is compiled once, by this checkout, and imported twice, its
 * `@nnspec/runtime` import pointed at each checkout's dist/runtime/ (both
 * built): for changes to the runtime, not to the generated code. Both models
 * get the same weights; the outputs' largest difference is printed. Time per
 * forward (infer) or trainStep (train, SGD): CPU time on one thread, wall
 * time on more. Within a process the two runtimes share the machine's caches
 * and the JIT, unlike bench/ab.mjs's one process per run, and the spread of
 * the per-round ratios is several times smaller on a loaded machine.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { ROOT, SEED, TMP, list, makeBatch, prepare, workload } from "./runners/common.mjs";
import { clockFor, timeCalls } from "./runners/instrument.mjs";
import { median } from "./runners/stats.mjs";

const { values: a } = parseArgs({
  options: {
    base: { type: "string" },
    workloads: { type: "string", default: "M" },
    modes: { type: "string", default: "infer" },
    batch: { type: "string", default: "1" },
    threads: { type: "string", default: "1" },
    rounds: { type: "string", default: "8" },
    seconds: { type: "string", default: "1" },
  },
});
if (a.base === undefined) {
  process.stderr.write("bench/ab-model.mjs: --base DIR is required: the other checkout, built (npm run build)\n");
  process.exit(2);
}
const trees = { base: resolve(a.base), this: ROOT };
const batch = Number(a.batch), rounds = Number(a.rounds), seconds = Number(a.seconds);

/** The compiled module of workload w on the runtime of checkout dir, and that runtime. */
async function load(w, side, dir) {
  const p = await prepare(w, { onlyIfMissing: true });
  const runtime = pathToFileURL(join(dir, "dist", "runtime", "index.js")).href;
  const file = join(TMP, "nnspec", `${w.name}.ab-${side}.js`);
  writeFileSync(file, readFileSync(p.module, "utf8").replace(/from "@nnspec\/runtime"/g, `from ${JSON.stringify(runtime)}`));
  return { mod: await import(pathToFileURL(file).href), rt: await import(runtime) };
}

const loads = [loadavg()[0]];
for (const key of list(a.workloads)) {
  const w = workload(key);
  const sides = { base: await load(w, "base", trees.base), this: await load(w, "this", trees.this) };
  for (const mode of list(a.modes)) {
    for (const threads of list(a.threads).map(Number)) {
      const { x, labels } = makeBatch(w, batch);
      const models = {};
      for (const [side, s] of Object.entries(sides)) models[side] = await s.mod.createModel({ batchSize: batch, seed: SEED, threads, kernels: "wasm" });
      for (const [name, t] of Object.entries(models.base.params)) models.this.params[name].set(t);
      for (const [name, t] of Object.entries(models.base.buffers)) models.this.buffers[name].set(t);
      const out = Object.fromEntries(Object.entries(models).map(([side, m]) => [side, Float64Array.from(m.forward(x))]));
      const diff = out.base.reduce((d, v, i) => Math.max(d, Math.abs(v - out.this[i])), 0);
      const step = Object.fromEntries(
        Object.entries(models).map(([side, m]) => {
          const opt = new sides[side].rt.SGD({ lr: 1e-4 });
          return [side, mode === "train" ? () => m.trainStep(x, labels, opt) : () => m.forward(x)];
        }),
      );
      const clock = clockFor(threads);
      const ms = { base: [], this: [] };
      for (let r = 0; r < rounds; r++) {
        for (const side of r % 2 ? ["this", "base"] : ["base", "this"]) ms[side].push(timeCalls(step[side], seconds, clock));
        loads.push(loadavg()[0]);
      }
      const per = ms.base.map((b, i) => b / ms.this[i]);
      console.log(
        `${w.name} ${mode} batch ${batch}, ${threads} thread(s), ${threads === 1 ? "CPU" : "wall"} ms per call: base ${median(ms.base).toFixed(2)}, this ${median(ms.this).toFixed(2)}; ` +
          `base ÷ this per round: median ${median(per).toFixed(3)} (${Math.min(...per).toFixed(3)}–${Math.max(...per).toFixed(3)}); outputs max |diff| ${diff.toExponential(1)}`,
      );
      for (const m of Object.values(models)) m.dispose();
    }
  }
}
console.log(`this = ${trees.this}, base = ${trees.base}; ${rounds} rounds of ${seconds} s per side; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
