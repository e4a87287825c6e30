#!/usr/bin/env node
// Training-step throughput of compiled models on each kernel path (WebAssembly
// on all cores and on one, TypeScript), without peers: `npm run bench:train [-- --json]`.
// Compiles each spec with `nnspec compile --js` into bench/.tmp, then times
// trainStep at batch 32 after a warm-up (median of several timed runs).
// `npm run bench` is the comparison with TF.js and ONNX Runtime.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { availableParallelism, cpus } from "node:os";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "bench", ".tmp");
mkdirSync(out, { recursive: true });
const rt = await import(
  pathToFileURL(join(root, "dist", "runtime", "index.js")).href
);
const json = process.argv.includes("--json");

const workloads = [
  { spec: "specs/lenet5.nnspec", model: "lenet5" },
  { spec: "bench/cifar_c.nnspec", model: "cifar_c" },
  { spec: "specs/cifar_cnn.nnspec", model: "cifar_cnn" },
];
const batch = 32;
const paths = [
  { kernels: "wasm", threads: availableParallelism() },
  { kernels: "wasm", threads: 1 },
  { kernels: "js", threads: 1 },
];
const results = [];
for (const w of workloads) {
  execFileSync(
    process.execPath,
    [
      join(root, "bin", "nnspec.js"),
      "compile",
      join(root, w.spec),
      "-o",
      out,
      "--js",
      "--model",
      w.model,
      // The repository's own built runtime: bench/node_modules (npm run bench's peers) need not exist.
      "--runtime",
      pathToFileURL(join(root, "dist", "runtime", "index.js")).href,
    ],
    { stdio: "ignore" },
  );
  const mod = await import(pathToFileURL(join(out, `${w.model}.js`)).href);
  for (const path of paths) {
    const m = mod.createModel({ batchSize: batch, seed: 1, ...path });
    const inSize = mod.info.inputShape.reduce((a, b) => a * b, 1);
    const classes = mod.info.outputShape[0];
    const rng = new rt.Rng(2);
    const x = new Float32Array(batch * inSize).map(() => rng.next());
    const y = Int32Array.from({ length: batch }, () => rng.int(classes));
    const opt = new rt.Momentum({ lr: 0.01 });
    for (let i = 0; i < 3; i++) m.trainStep(x, y, opt);
    const times = [];
    const steps =
      (w.model === "lenet5" ? 20 : 5) * (path.kernels === "wasm" ? 5 : 1);
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < steps; i++) m.trainStep(x, y, opt);
      times.push(Number(process.hrtime.bigint() - t0) / 1e9 / steps);
    }
    times.sort((a, b) => a - b);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) m.forward(x);
    const infer = Number(process.hrtime.bigint() - t0) / 1e9 / steps;
    m.dispose();
    results.push({
      model: w.model,
      spec: w.spec,
      kernels: `${path.kernels} ${path.threads}t`,
      batch,
      trainImagesPerSecond: Math.round(batch / times[2]),
      trainMinMax: [Math.round(batch / times[4]), Math.round(batch / times[0])],
      inferImagesPerSecond: Math.round(batch / infer),
    });
  }
}
if (json)
  console.log(
    JSON.stringify(
      { node: process.version, cpu: cpus()[0]?.model, results },
      null,
      2,
    ),
  );
else {
  console.log(
    `nnspec trainStep, batch ${batch}, float32 — ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
  );
  console.log(
    "model       kernels   train img/s (median, min–max of 5)   inference img/s",
  );
  for (const r of results)
    console.log(
      `${r.model.padEnd(11)} ${r.kernels.padEnd(8)} ${String(r.trainImagesPerSecond).padStart(8)} (${r.trainMinMax[0]}–${r.trainMinMax[1]})${" ".repeat(18)}${String(r.inferImagesPerSecond).padStart(8)}`,
    );
}
