// Shared by run.mjs, peer.mjs and the runners: the workloads, where the
// compiled modules / weights / ONNX files go, and a deterministic input batch.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const BENCH = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = join(BENCH, "..");
export const TMP = join(BENCH, ".tmp");
const CLI = join(ROOT, "bin", "nnspec.js");

/**
 * The runners import `nnspec/runtime` through bench/node_modules/nnspec (a link to `..`): if
 * bench/node_modules is a symlink to another checkout's, that link leads there and this checkout's
 * benchmarks would time the other one's runtime. Say so instead.
 */
export function checkOwnRuntime(root = ROOT) {
  const link = join(root, "bench", "node_modules", "nnspec");
  if (existsSync(link) && realpathSync(link) !== realpathSync(root))
    throw new Error(`${root}/bench/node_modules/nnspec leads to ${realpathSync(link)}: the benchmark would run that checkout's runtime. Give this checkout its own bench/node_modules (node bench/setup.mjs, or cp -al of another's), not a symlink.`);
}
checkOwnRuntime();

/**
 * The benchmark's workloads; `layers` is what the TF.js runners build
 * (channels last), or "spec": the layers of the checked spec (specLayers).
 * Optional: `modes` (default train and infer), `batches` (default [32]),
 * `checkBatch` (the ONNX Runtime agreement check's batch, default 32),
 * `skip` (runner labels not run on it), `scaling: false` (no batch-size table).
 */
export const WORKLOADS = {
  L: {
    name: "lenet5",
    title: "LeNet-5",
    spec: join(BENCH, "lenet5.nnspec"),
    inputShape: [1, 28, 28],
    classes: 10,
    layers: [
      ["conv", { filters: 6, kernelSize: 5, padding: "same" }],
      ["pool"],
      ["conv", { filters: 16, kernelSize: 5, padding: "valid" }],
      ["pool"],
      ["flatten"],
      ["dense", { units: 120, activation: "relu" }],
      ["dense", { units: 84, activation: "relu" }],
      ["dense", { units: 10 }],
    ],
  },
  C: {
    name: "cifar_c",
    title: "CIFAR CNN",
    spec: join(BENCH, "cifar_c.nnspec"),
    inputShape: [3, 32, 32],
    classes: 10,
    layers: [
      ["conv", { filters: 32, kernelSize: 3, padding: "same" }],
      ["pool"],
      ["conv", { filters: 64, kernelSize: 3, padding: "same" }],
      ["pool"],
      ["flatten"],
      ["dense", { units: 256, activation: "relu" }],
      ["dense", { units: 10 }],
    ],
  },
  M: {
    name: "mobilenet_v2",
    title: "MobileNetV2 1.0",
    spec: join(ROOT, "specs", "mobilenet_v2.nnspec"),
    inputShape: [3, 224, 224],
    classes: 1000,
    layers: "spec",
    modes: ["infer"],
    batches: [1, 8],
    checkBatch: 2,
    // nnspec's TypeScript kernels and TF.js's CPU backend take seconds per batch-8 step here
    skip: ["nnspec js 1t", "tfjs-cpu"],
    scaling: false,
  },
};

/** Seed of every nnspec model in the benchmark (the ONNX file holds these weights). */
/** The items of a comma-separated option ("L, C" → ["L", "C"]). */
export const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);

export const SEED = 1;

export function workload(key) {
  const w = WORKLOADS[key];
  if (!w) throw new Error(`unknown workload ${JSON.stringify(key)} (${Object.keys(WORKLOADS).join(", ")})`);
  return w;
}

/** The workload's TF.js layer description: its own, or (layers "spec") the one specLayers reads from the spec. */
export async function tfLayers(w) {
  return w.layers === "spec" ? specLayers(w) : w.layers;
}

/**
 * The layers of the workload's spec as nnspec's checker expands them (blocks,
 * repeats, residuals), in the description runners/tfjs-model.mjs builds:
 * conv2d / depthwise (+ zeropad where the padding is not TF.js's "same"), bn,
 * relu, relu6, pool, gap, dropout, flatten, dense, and ["residual", body,
 * shortcut or undefined for the identity].
 */
export async function specLayers(w) {
  const { checkSource } = await import("nnspec");
  const out = checkSource(w.spec, readFileSync(w.spec, "utf8"));
  const model = out.models.find((m) => m.name === w.name);
  if (!model) throw new Error(`${w.spec}: no model ${w.name}`);
  return describeNodes(model.nodes);
}

function describeNodes(nodes) {
  return nodes.flatMap((n) => {
    if (n.type === "residual") return [["residual", describeNodes(n.body), n.shortcut ? describeNodes(n.shortcut) : undefined]];
    if (n.type !== "layer") throw new Error(`TF.js description: no mapping for ${n.type} (${n.name})`);
    return describeLayer(n);
  });
}

function describeLayer(n) {
  const a = n.attrs;
  switch (n.kind) {
    case "conv": {
      const [C, H, W] = n.input;
      const [F, OH, OW] = n.output;
      const depthwise = a.groups > 1 && a.groups === C && F === C;
      if (a.groups > 1 && !depthwise) throw new Error(`TF.js description: grouped conv ${n.name} has no TF.js layer`);
      const extent = a.kernel.map((k, i) => (k - 1) * a.dilation[i]);
      const same = a.pad.every((p, i) => 2 * p === extent[i]) && OH === Math.ceil(H / a.stride[0]) && OW === Math.ceil(W / a.stride[1]);
      const valid = a.pad.every((p) => p === 0);
      const opts = { kernelSize: a.kernel, strides: a.stride, dilationRate: a.dilation, useBias: a.bias, padding: same ? "same" : "valid" };
      const pad = same || valid ? [] : [["zeropad", { padding: [[a.pad[0], a.pad[0]], [a.pad[1], a.pad[1]]] }]];
      return [...pad, depthwise ? ["depthwise", opts] : ["conv2d", { ...opts, filters: F }]];
    }
    case "batchnorm":
      return [["bn", { epsilon: a.eps, momentum: 1 - a.momentum }]];
    case "relu":
    case "relu6":
    case "globalavgpool":
    case "flatten":
      return [[{ globalavgpool: "gap" }[n.kind] ?? n.kind]];
    case "maxpool":
      if (a.pad.some((p) => p > 0)) throw new Error(`TF.js description: padded maxpool ${n.name}`);
      return [["pool", { poolSize: a.kernel, strides: a.stride }]];
    case "dropout":
      return [["dropout", { rate: a.value }]];
    case "fc":
      return [["dense", { units: a.units, useBias: a.bias }]];
    default:
      throw new Error(`TF.js description: no mapping for layer kind ${n.kind} (${n.name})`);
  }
}

export const paths = (w) => ({
  module: join(TMP, "nnspec", `${w.name}.js`),
  weights: join(TMP, `${w.name}.safetensors`),
  onnx: join(TMP, `${w.name}.onnx`),
});

const nnspec = (...args) => execFileSync(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

/**
 * Compiles the workload's spec into bench/.tmp/nnspec, saves the weights of
 * createModel({ seed: SEED }) and exports them as ONNX. With `onlyIfMissing`
 * nothing is redone when the files are there (standalone peer.mjs runs).
 */
export async function prepare(w, { onlyIfMissing = false } = {}) {
  const p = paths(w);
  if (onlyIfMissing && existsSync(p.module) && existsSync(p.onnx)) return p;
  mkdirSync(join(TMP, "nnspec"), { recursive: true });
  nnspec("compile", w.spec, "--js", "-o", join(TMP, "nnspec"), "--model", w.name);
  const rt = await import("nnspec/runtime");
  const mod = await import(`${pathToFileURL(p.module).href}?t=${Date.now()}`);
  const model = await mod.createModel({ batchSize: 1, seed: SEED, threads: 1 });
  rt.saveWeightsSync(p.weights, model, mod.info, { model: w.name, specHash: rt.specHash(readFileSync(w.spec, "utf8")) });
  model.dispose?.();
  nnspec("export", w.spec, "--onnx", p.onnx, "--weights", p.weights, "--model", w.name);
  return p;
}

/** Forward FLOPs per image from `nnspec summary` (multiply-add = 2 FLOPs, plus bias, ReLU and pooling). */
export function forwardFlops(w) {
  const s = JSON.parse(nnspec("summary", w.spec, "--format", "json", "--model", w.name));
  return s.models[0].flops;
}

/** Deterministic batch: n images (values in [0, 1), NCHW) and labels. */
export function makeBatch(w, n, seed = 7) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const size = w.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size);
  for (let i = 0; i < x.length; i++) x[i] = next();
  const labels = Int32Array.from({ length: n }, () => Math.floor(next() * w.classes));
  return { x, labels };
}

/** NCHW → NHWC copy, for the channels-last TF.js models. */
export function toNHWC(x, n, [c, h, wd]) {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < h * wd; i++) out[(b * h * wd + i) * c + ch] = x[(b * c + ch) * h * wd + i];
  return out;
}
