#!/usr/bin/env node
/**
 * Before/after: nnspec in this checkout against nnspec in another one (say,
 * main before a change), on the workloads of `npm run bench`:
 *   node bench/ab.mjs --base DIR [--workloads L,C] [--modes train,infer] [--threads 1,2] [--batch B] [--rounds 4] [--seconds 2]
 * (--batch: peer.mjs's default, 32, unless given; e.g. --workloads M --modes infer --batch 1)
 * Both checkouts must be built (`npm run build`) and have their own
 * bench/node_modules (`node bench/setup.mjs`, or `cp -al` of another's: a
 * symlink to another checkout's would make both sides run that one's runtime,
 * which this script refuses).
 *
 * Each round runs every configuration once in each checkout, alternating
 * (bench/peer.mjs, one process per run), so both sides see the same load.
 * Throughput is images per CPU-second of the process on one thread (wall time
 * on a shared machine counts the moments the OS ran something else) and per
 * wall second on more. Printed per configuration: the best and the median of
 * each side and the per-round ratios this ÷ base; on a loaded machine the
 * best of each side is the steadier figure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, checkOwnRuntime, list } from "./runners/common.mjs";
import { median } from "./runners/stats.mjs";

const { values: a } = parseArgs({
  options: {
    base: { type: "string" },
    workloads: { type: "string", default: "L,C" },
    modes: { type: "string", default: "train,infer" },
    threads: { type: "string", default: "1,2" },
    batch: { type: "string" },
    rounds: { type: "string", default: "4" },
    seconds: { type: "string", default: "2" },
  },
});
const fail = (msg) => {
  process.stderr.write(`bench/ab.mjs: ${msg}\n`);
  process.exit(2);
};
if (a.base === undefined) fail("--base DIR is required: the other checkout (built, with its own bench/node_modules)");
const trees = { base: resolve(a.base), this: ROOT };
for (const [side, dir] of Object.entries(trees)) {
  const pkg = join(dir, "bench", "node_modules", "nnspec");
  if (!existsSync(join(dir, "dist", "runtime", "index.js"))) fail(`${dir} is not built: run npm run build there`);
  if (!existsSync(pkg)) fail(`${dir}/bench has no node_modules: run node bench/setup.mjs there`);
  try {
    checkOwnRuntime(dir);
  } catch (e) {
    fail(`${side} checkout: ${e.message}`);
  }
}
if (realpathSync(trees.base) === realpathSync(trees.this)) fail("--base is this checkout");

const configs = [];
for (const w of list(a.workloads)) for (const mode of list(a.modes)) for (const t of list(a.threads)) configs.push({ w, mode, threads: Number(t) });

function run(dir, c) {
  const args = [join(dir, "bench", "peer.mjs"), "--runner", "nnspec", "--kernels", "wasm", "--workload", c.w, "--mode", c.mode];
  args.push("--threads", String(c.threads), "--seconds", a.seconds, "--warmup", "1");
  if (a.batch !== undefined) args.push("--batch", a.batch);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) fail(`${dir}: peer.mjs ${args.slice(1).join(" ")} exited with ${r.status}: ${r.stderr.trim().split("\n").pop()}`);
  const m = JSON.parse(r.stdout.trim().split("\n").pop());
  return c.threads === 1 ? m.imagesPerSecond / m.coresBusy : m.imagesPerSecond;
}

const results = configs.map(() => ({ base: [], this: [] }));
const loads = [];
for (let round = 0; round < Number(a.rounds); round++)
  configs.forEach((c, i) => {
    for (const side of ["base", "this"]) results[i][side].push(run(trees[side], c));
    loads.push(loadavg()[0]);
  });

const f = (x) => Math.round(x).toLocaleString("en-US").padStart(8);
console.log(`nnspec before/after: this = ${trees.this}, base = ${trees.base}; ${a.batch === undefined ? "" : `batch ${a.batch}; `}${a.rounds} rounds; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
console.log("img/s (1 thread: per CPU-second)       best base  best this  ratio │ median base  median this  per-round this ÷ base");
configs.forEach((c, i) => {
  const { base, this: now } = results[i];
  const per = now.map((x, k) => x / base[k]);
  const label = `${c.w} ${c.mode} ${c.threads}t`.padEnd(36);
  const best = Math.max(...now) / Math.max(...base);
  console.log(`${label} ${f(Math.max(...base))}   ${f(Math.max(...now))}  ${best.toFixed(3)} │    ${f(median(base))}     ${f(median(now))}  ${per.map((x) => x.toFixed(2)).join(" ")}`);
});
