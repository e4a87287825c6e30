#!/usr/bin/env node
// Concat branches writing straight into their slices against copying them (the code generator's
// `inPlaceConcat: false`, the path before): forward + loss + backward of the same spec compiled both ways,
// same runtime, same weights, timed in alternating rounds. `npm run build` first, then
//   node bench/concat.mjs [--quick] [--json] [--only TEXT]   (--only: the workloads whose name has TEXT)
// Workloads: SqueezeNet 1.1 (specs/squeezenet1_1.nnspec, 3x224x224) at batch 2, one fire module
// (fire(16, 64) on 64x55x55, as SqueezeNet's first) at batch 8, and an Inception-style module whose branches
// end in batchnorm, max pooling and average pooling (64x28x28) at batch 8; WebAssembly on 1 and 2 threads.
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "bench", ".tmp", "concat");
mkdirSync(out, { recursive: true });
const dist = (p) => pathToFileURL(join(root, "dist", p)).href;
const rt = await import(dist("runtime/index.js"));
const { checkSource } = await import(dist("compiler/index.js"));
const { compileModel, toJavaScript } = await import(dist("compiler/emit/index.js"));
const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : null;
const rounds = quick ? 3 : 7;
const seconds = quick ? 0.5 : 1.5;

const FIRE = `
model fire {
  input 64x55x55
  conv 1x1 x16, relu
  concat {
    branch { conv 1x1 x64, relu }
    branch { conv 3x3 x64 pad 1, relu }
  }
  globalavgpool
  fc 10
  loss softmax
}`;
const MIXED = `
model mixed_endings {
  input 64x28x28
  concat {
    branch { conv 1x1 x64 nobias, batchnorm }
    branch { conv 1x1 x48, relu, conv 3x3 x64 pad 1 nobias, batchnorm }
    branch { maxpool 3 stride 1 pad 1 }
    branch { avgpool 3 stride 1 pad 1 }
  }
  globalavgpool
  fc 10
  loss softmax
}`;
const workloads = [
  { name: "squeezenet1_1", text: readFileSync(join(root, "specs", "squeezenet1_1.nnspec"), "utf8"), batch: 2 },
  { name: "fire(16, 64) 64x55x55", text: FIRE, batch: 8 },
  { name: "bn/pool endings 64x28x28", text: MIXED, batch: 8 },
];

async function load(w, inPlaceConcat) {
  const model = checkSource(`${w.name}.nnspec`, w.text).models[0];
  const c = await compileModel(model, { runtime: dist("runtime/index.js"), specPath: `${model.name}.nnspec`, inPlaceConcat });
  const file = join(out, `${model.name}-${inPlaceConcat ? "inplace" : "copy"}.js`);
  writeFileSync(file, toJavaScript(c.fileName, c.typescript, { declarations: false }).js);
  return import(pathToFileURL(file).href);
}

/** Milliseconds per forward + loss + backward: the median of `rounds` windows. */
function timer(m, x, y) {
  const step = () => {
    m.forward(x, { training: true });
    m.loss(y);
    m.backward();
  };
  for (let i = 0; i < 2; i++) step();
  return () => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < seconds * 1000) {
      step();
      n++;
      t = performance.now();
    }
    return (t - t0) / n;
  };
}

const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const results = [];
for (const w of workloads.filter((w) => only === null || w.name.includes(only))) {
  const [inPlace, copying] = [await load(w, true), await load(w, false)];
  const inSize = inPlace.info.inputShape.reduce((a, b) => a * b, 1);
  const rng = new rt.Rng(1);
  const x = new Float32Array(w.batch * inSize).map(() => rng.next());
  const y = Int32Array.from({ length: w.batch }, () => rng.int(inPlace.info.outputShape[0]));
  for (const threads of [1, 2]) {
    const models = [inPlace, copying].map((mod) => mod.createModel({ batchSize: w.batch, seed: 1, kernels: "wasm", threads }));
    const timers = models.map((m) => timer(m, x, y));
    const times = [[], []];
    // Alternating rounds, so that a change in the machine's load hits both alike.
    for (let r = 0; r < rounds; r++) timers.forEach((t, i) => times[i].push(t()));
    const [a, b] = times.map(median);
    results.push({ workload: w.name, batch: w.batch, threads, inPlaceMs: a, copyMs: b, speedup: b / a, memoryBytes: { inPlace: models[0].memoryBytes, copy: models[1].memoryBytes } });
    models.forEach((m) => m.dispose());
  }
}
if (json) console.log(JSON.stringify(results, null, 2));
else {
  console.log(`forward + loss + backward, WebAssembly; median of ${rounds} windows of ${seconds} s`);
  for (const r of results) {
    console.log(
      `${`${r.workload}, batch ${r.batch}, ${r.threads} thread(s)`.padEnd(42)} in place ${r.inPlaceMs.toFixed(2)} ms, copying ${r.copyMs.toFixed(2)} ms (×${r.speedup.toFixed(3)}); memory ${(r.memoryBytes.inPlace / 1e6).toFixed(1)} MB vs ${(r.memoryBytes.copy / 1e6).toFixed(1)} MB`,
    );
  }
}
