/**
 * A compiled model in steady state, in a fresh Node process (so that nothing
 * else allocates): trainStep and forward allocate no JavaScript heap memory on
 * any kernel path (beyond the number trainStep returns), and the process exits by itself while a model's worker
 * threads are still running (they are unref'd).
 *
 * Method: V8's young generation only grows between garbage collections, so the
 * growth over N steps, minus the growth over 0 steps (the measurement's own
 * cost), is what the steps allocated; a collection in between shows up as a
 * drop and that sample is taken again.
 *
 * The probe runs with --no-concurrent-recompilation: V8 then optimizes a hot
 * function on the main thread when it is marked, so the warm-up ends with
 * optimized code. With the default background compiler, a loaded machine can
 * delay it past the warm-up, and the measured steps then run unoptimized code
 * that boxes its doubles (reproduced with --concurrent-recompilation-delay=10000:
 * 4,448 bytes per adam step instead of 16).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { nnspec, ROOT } from "../helpers/cli.js";

const DIR = join(ROOT, "test", ".tmp", `steady-state-${process.pid}`);

const PROBE = `
import v8 from "node:v8";
const rt = await import(${JSON.stringify(pathToFileURL(join(ROOT, "dist", "runtime", "index.js")).href)});
const mod = await import(process.argv[2]);
const [kernels, threads, what, B] = [process.argv[3], Number(process.argv[4]), process.argv[5], Number(process.argv[6])];
// steps per measured window: fewer on the (slower) TypeScript kernels
const STEPS = kernels === "js" ? 100 : 400;
const x = new Float32Array(B * mod.info.inputShape.reduce((a, b) => a * b, 1)).map((_, i) => (i % 13) / 13);
const y = Int32Array.from({ length: B }, (_, i) => i % 10);
const m = mod.createModel({ batchSize: B, seed: 1, kernels, threads });
const opt = what === "adam" ? new rt.Adam({ lr: 1e-4 }) : new rt.Momentum({ lr: 1e-3 });
const step = what === "forward" ? () => m.forward(x) : () => m.trainStep(x, y, opt);
for (let i = 0; i < 1500; i++) step(); // warm-up: every function optimized
// What JavaScript allocates goes to the young generation (new space, and new large-object space);
// V8's own background work (optimized code, feedback) lands elsewhere and is not counted.
const young = () => v8.getHeapSpaceStatistics().filter((s) => s.space_name.startsWith("new_")).reduce((a, s) => a + s.space_used_size, 0);
function grown(n) {
  for (;;) {
    const before = young();
    for (let i = 0; i < n; i++) step();
    const d = young() - before;
    if (d >= 0) return d; // else a collection ran in between: measure again
  }
}
const base = Math.min(grown(0), grown(0), grown(0));
const perStep = Math.min(grown(STEPS), grown(STEPS), grown(STEPS)) - base;
console.log(JSON.stringify({ kernels: m.kernels, threads: m.threads, bytes: perStep / STEPS }));
// no dispose(): the process must still exit on its own
`;

// lenet5; separable (depthwise and grouped convs, batchnorm folded at inference, relu6) for the forward
const SPECS = ["lenet5", "separable"] as const;
beforeAll(() => {
  mkdirSync(DIR, { recursive: true });
  for (const spec of SPECS) {
    const r = nnspec(["compile", join(ROOT, "specs", `${spec}.nnspec`), "--js", "-o", DIR, "--runtime", pathToFileURL(join(ROOT, "dist", "runtime", "index.js")).href]);
    expect(r.status, r.stderr).toBe(0);
  }
  writeFileSync(join(DIR, "probe.mjs"), PROBE);
});

function probe(spec: string, kernels: string, threads: number, what: string, batch: number): { kernels: string; threads: number; bytes: number } {
  const moduleUrl = pathToFileURL(join(DIR, `${spec}.js`)).href;
  const r = spawnSync(process.execPath, ["--no-concurrent-recompilation", join(DIR, "probe.mjs"), moduleUrl, kernels, String(threads), what, String(batch)], { encoding: "utf8", timeout: 120_000 });
  expect(r.status, `probe exited with ${r.status} (signal ${r.signal}): ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout.trim()) as { kernels: string; threads: number; bytes: number };
}

describe("steady state (batch 8, or 1 where noted; fresh process)", () => {
  const cases = [
    ["lenet5", "wasm", 2, "momentum", 8],
    ["lenet5", "wasm", 2, "forward", 8],
    ["lenet5", "wasm", 1, "adam", 8],
    ["lenet5", "js", 1, "momentum", 8],
    // inference batchnorm computed its per-channel scale and shift as a pair (an array per channel per forward: 37 KB
    // for ResNet-20), and the TypeScript depthwise kernel its tap ranges
    ["separable", "wasm", 1, "forward", 8],
    ["separable", "js", 1, "forward", 1],
  ] as const;
  for (const [spec, kernels, threads, what, batch] of cases) {
    it(`${spec} ${what} on ${kernels} kernels, ${threads} thread(s), batch ${batch}: no heap allocation per call but the returned loss, and the process exits by itself`, () => {
      const r = probe(spec, kernels, threads, what, batch);
      expect(r).toMatchObject({ kernels, threads });
      // forward returns a cached view: nothing at all. trainStep returns its loss, a double, which
      // V8 boxes as one 16-byte heap number when the call is not inlined: that and nothing more.
      expect(r.bytes).toBeLessThan(what === "forward" ? 4 : 20);
    });
  }
});
