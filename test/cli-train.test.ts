/**
 * `nnspec train`, `nnspec eval` and `nnspec predict` as a user runs them: real
 * processes of the built CLI (dist/), on a few hundred bundled MNIST digits or
 * small .npy data sets written by the test.
 *
 * Covered: the metrics JSON and its numbers; the safetensors weights file,
 * parsed by hand; eval agreeing with training's last held-out accuracy;
 * determinism; resume (between epochs, and mid-epoch after Ctrl-C) ending
 * bit-identical to an uninterrupted run; a synthetic regression; usage and
 * file errors (exit 2, a clear message, no stack trace, nothing overwritten);
 * predict's JSON and .npy output.
 *
 * Runs are processes started with spawn (async), so independent runs overlap
 * on the two cores. But the CLI caches the compiled model in
 * $TMPDIR/nnspec-UID/<hash of the generated code>.mjs and rewrites that file in
 * place on every run, so two concurrent runs that compile the same code can
 * import a half-written module (a CLI bug, reported separately; not what this
 * file tests). So the runs get their own TMPDIR (no clash with other test
 * runs), and as the generated code quotes the spec path as given, runs that
 * overlap name the spec by different path strings (`variant`); runs with the
 * same path string wait for each other.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMnist, loadNpySync, saveNpySync } from "../runtime/index.js";
import { BIN, ROOT } from "./helpers/cli.js";
import { requireBuilt } from "./helpers/build.js";

// This file runs the built CLI (dist/): stop at once, with the file to rebuild, when it is older than its sources.
beforeAll(() => requireBuilt("cli"));

const DIR = join(ROOT, "test", ".tmp", `cli-train-${process.pid}`);
const TMPDIR = join(DIR, "tmpdir");
rmSync(DIR, { recursive: true, force: true });
mkdirSync(TMPDIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const LENET = join(ROOT, "specs", "lenet5.nnspec");
const MLP = join(ROOT, "specs", "mlp.nnspec");
const REGRESSOR = join(ROOT, "specs", "regressor.nnspec");
const DIGITS_MOBILE = join(ROOT, "specs", "digits_mobile.nnspec");
const SLOW = 120_000;

/** A fresh folder under DIR. */
function folder(name: string): string {
  const d = join(DIR, name);
  mkdirSync(d, { recursive: true });
  return d;
}

// ------------------------------------------------------------------ running the CLI

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Started {
  child: ChildProcess;
  done: Promise<Run>;
  /** Resolves when stdout matches `re`; rejects if the process ends first. */
  waitForStdout(re: RegExp): Promise<void>;
}

function start(args: string[], cwd: string): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", TMPDIR };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const watchers: { re: RegExp; resolve: () => void }[] = [];
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    for (const w of watchers.splice(0)) {
      if (w.re.test(stdout)) w.resolve();
      else watchers.push(w);
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
  const waitForStdout = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (re.test(stdout)) return resolve();
      watchers.push({ re, resolve });
      void done.then((r) => reject(new Error(`process ended (status ${r.status}, signal ${r.signal}) before printing ${re}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)));
    });
  return { child, done, waitForStdout };
}

/** Per spec path string, the last run started: runs with one path string wait for each other (see the file comment). */
const lastRunOfSpec = new Map<string, Promise<unknown>>();

/** Run `nnspec ARGS` (args[1] is the spec) in `cwd`. */
function cli(args: string[], cwd: string): Promise<Run> {
  const key = args[1] ?? "";
  const before = lastRunOfSpec.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => start(args, cwd).done);
  lastRunOfSpec.set(key, run);
  return run;
}

/** Exit status, and stderr with no stack trace (a frame line is "    at …"). */
function expectExit(r: Run, status: number): void {
  const show = `exit ${r.status} (signal ${r.signal})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.stderr, show).not.toMatch(/^\s{4}at /m);
  expect(r.status, show).toBe(status);
}

/** A usage or file error: exit 2, stderr starting "nnspec: …", no stack trace; returns stderr. */
function usageError(r: Run): string {
  expectExit(r, 2);
  expect(r.stderr, r.stderr).toMatch(/^nnspec: \S/);
  return r.stderr;
}

/** The spec as a relative path from cwd, spelt differently for each k ("./" k times): same file, own compile cache entry. */
function variant(cwd: string, spec: string, k: number): string {
  return "./".repeat(k) + relative(cwd, spec);
}

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

// ------------------------------------------------------------------ safetensors, by hand

interface TensorEntry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

interface Safetensors {
  bytes: Buffer;
  headerLength: number;
  metadata: Record<string, string>;
  tensors: Record<string, TensorEntry>;
  /** The data section (everything after the header). */
  data: Buffer;
}

/** Parse and validate a safetensors file without the runtime's reader. */
function readSafetensors(path: string): Safetensors {
  const bytes = readFileSync(path);
  expect(bytes.length, `${path}: shorter than the 8-byte length prefix`).toBeGreaterThanOrEqual(8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  expect(n64 <= BigInt(bytes.length - 8), `${path}: header length ${n64} > ${bytes.length - 8} bytes after the prefix`).toBe(true);
  const headerLength = Number(n64);
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  expect(text.startsWith("{"), `${path}: header does not start with {`).toBe(true);
  expect(/^[^]*\}( *)$/.test(text), `${path}: header is not a JSON object padded with spaces`).toBe(true);
  const header = JSON.parse(text) as Record<string, unknown>;
  const data = bytes.subarray(8 + headerLength);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(metadata)) expect(typeof v, `${path}: __metadata__.${k} must be a string`).toBe("string");
  const tensors: Record<string, TensorEntry> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const t = raw as { dtype: string; shape: number[]; data_offsets: [number, number] };
    expect(t.dtype, `${path}: ${name}`).toBe("F32");
    expect(Array.isArray(t.shape) && t.shape.every((d) => Number.isSafeInteger(d) && d >= 0), `${path}: ${name} shape`).toBe(true);
    const [begin, end] = t.data_offsets;
    expect(end - begin, `${path}: ${name} data_offsets [${begin}, ${end}] vs shape [${t.shape}]`).toBe(4 * t.shape.reduce((a, b) => a * b, 1));
    tensors[name] = { dtype: t.dtype, shape: t.shape, begin, end };
  }
  // The offsets tile the data section exactly: from 0, no gaps, no overlaps, to the end of the file.
  const spans = Object.values(tensors).sort((a, b) => a.begin - b.begin);
  let at = 0;
  for (const s of spans) {
    expect(s.begin, `${path}: gap or overlap in data_offsets`).toBe(at);
    at = s.end;
  }
  expect(at, `${path}: data_offsets end at ${at}, the data section has ${data.length} bytes`).toBe(data.length);
  return { bytes, headerLength, metadata, tensors, data };
}

function values(st: Safetensors, name: string): Float32Array {
  const t = st.tensors[name]!;
  const out = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
  const view = new DataView(st.data.buffer, st.data.byteOffset + t.begin, t.end - t.begin);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** name → bytes of every tensor, for comparing two files' weights independently of their metadata. */
function tensorBytes(st: Safetensors): Record<string, string> {
  return Object.fromEntries(Object.entries(st.tensors).map(([k, t]) => [k, createHash("sha256").update(st.data.subarray(t.begin, t.end)).digest("hex")]));
}

/** Metadata keys whose values differ between two files. */
function metadataDiff(a: Safetensors, b: Safetensors): string[] {
  const keys = new Set([...Object.keys(a.metadata), ...Object.keys(b.metadata)]);
  return [...keys].filter((k) => a.metadata[k] !== b.metadata[k]).map((k) => `${k}: ${String(a.metadata[k]).slice(0, 300)} ≠ ${String(b.metadata[k]).slice(0, 300)}`);
}

const specSha256 = (path: string) => createHash("sha256").update(readFileSync(path, "utf8").replace(/\r\n/g, "\n")).digest("hex");

// ------------------------------------------------------------------ metrics

/** The metrics file's epoch entries, as train.ts writes them. */
type EpochMetrics = import("../cli/checkpoint.js").EpochMetrics;

interface Metrics {
  model: string;
  epochs: EpochMetrics[];
  testAccuracy: number | null;
  imagesPerSecond: number;
}

const EPOCH_KEYS = ["epoch", "seconds", "testAccuracy", "testLoss", "trainAccuracy", "trainLoss"];

/** A metrics file; with `restored`, the first that many epochs came from an earlier run (an old checkpoint's history has no timing). */
function readMetrics(path: string, restored = 0): Metrics {
  const m = JSON.parse(readFileSync(path, "utf8")) as Metrics;
  expect(Object.keys(m)).toEqual(expect.arrayContaining(["model", "epochs", "testAccuracy", "imagesPerSecond"]));
  expect(Array.isArray(m.epochs)).toBe(true);
  m.epochs.forEach((e, i) => {
    expect(Object.keys(e).sort()).toEqual(EPOCH_KEYS);
    for (const k of ["trainLoss", "testLoss"] as const) expect(Number.isFinite(e[k]), `${k} = ${e[k]}`).toBe(true);
    if (i < restored && e.seconds === null) return;
    expect(Number.isFinite(e.seconds), `seconds = ${e.seconds}`).toBe(true);
    expect(e.seconds).toBeGreaterThanOrEqual(0);
  });
  expect(m.epochs.map((e) => e.epoch)).toEqual(m.epochs.map((_, i) => i + 1));
  expect(typeof m.imagesPerSecond).toBe("number");
  expect(m.imagesPerSecond).toBeGreaterThan(0);
  return m;
}

/** An epoch's numbers without its wall-clock time. */
const numbers = ({ seconds: _, ...rest }: EpochMetrics) => rest;

// ------------------------------------------------------------------ shared runs

const MNIST_ARGS = ["--data", "mnist", "--limit", "300", "--quiet"];

/** lenet5 on 300 digits for 2 epochs, seed 0, momentum (the defaults). */
const lenetRun = once(async () => {
  const cwd = folder("lenet");
  const r = await cli(["train", LENET, ...MNIST_ARGS, "--epochs", "2", "--out", "w.safetensors", "--metrics", "m.json"], cwd);
  return { cwd, r, weights: join(cwd, "w.safetensors"), metrics: join(cwd, "m.json") };
});

/** lenet5's parameters, from specs/lenet5.nnspec (61,706 in all). */
const LENET_PARAMS: Record<string, number[]> = {
  "conv1.weight": [6, 1, 5, 5],
  "conv1.bias": [6],
  "conv2.weight": [16, 6, 5, 5],
  "conv2.bias": [16],
  "fc1.weight": [120, 400],
  "fc1.bias": [120],
  "fc2.weight": [84, 120],
  "fc2.bias": [84],
  "fc3.weight": [10, 84],
  "fc3.bias": [10],
};

/** Seeded uniform [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * y = a·x + 0.2 + noise, x uniform in [-1, 1]^8, noise uniform in [-0.1, 0.1]
 * (variance 0.0033); var(y) ≈ 0.93. 600 training rows, 200 held out, float32.
 */
const regressionData = once(async () => {
  const dir = folder("regression-data");
  const a = [0.5, -1, 0.25, 0.8, -0.3, 0.1, 0.6, -0.7];
  const rand = uniform(12345);
  const make = (split: string, n: number) => {
    const x = new Float32Array(n * 8);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let v = 0.2;
      for (let j = 0; j < 8; j++) {
        const xi = rand() * 2 - 1;
        x[i * 8 + j] = xi;
        v += a[j]! * xi;
      }
      y[i] = v + (rand() - 0.5) * 0.2;
    }
    saveNpySync(join(dir, `${split}_x.npy`), { dtype: "<f4", shape: [n, 8], data: x });
    saveNpySync(join(dir, `${split}_y.npy`), { dtype: "<f4", shape: [n, 1], data: y });
  };
  make("train", 600);
  make("test", 200);
  return dir;
});

const REG_ARGS = ["--optimizer", "adam", "--lr", "0.01", "--seed", "0", "--quiet"];

/** regressor on the synthetic data: 20 epochs of adam, lr 0.01. */
const regressionRun = once(async () => {
  const data = await regressionData();
  const cwd = folder("regression");
  const r = await cli(["train", REGRESSOR, "--data", data, ...REG_ARGS, "--epochs", "20", "--out", "reg.safetensors", "--metrics", "reg.json"], cwd);
  return { cwd, data, r, weights: join(cwd, "reg.safetensors"), metrics: join(cwd, "reg.json") };
});

// ------------------------------------------------------------------ tests

describe("nnspec train / eval / predict", () => {
  // Start the two shared training runs at once; the tests that need them wait for them.
  beforeAll(() => {
    void lenetRun().catch(() => undefined);
    void regressionRun().catch(() => undefined);
  });

  it("trains lenet5 on 300 MNIST digits: metrics, a valid safetensors file, and eval agrees", { timeout: SLOW }, async () => {
    const { cwd, r, weights, metrics } = await lenetRun();
    expectExit(r, 0);
    expect(r.stderr, "--quiet prints nothing on stderr").toBe("");
    expect(r.stdout).toMatch(/^epoch 1\/2: /m);
    expect(r.stdout).toMatch(/^epoch 2\/2: /m);

    const m = readMetrics(metrics);
    expect(m.model).toBe("lenet5");
    expect(m.epochs).toHaveLength(2);
    const [e1, e2] = m.epochs as [EpochMetrics, EpochMetrics];
    expect(e2.trainLoss, "training loss falls").toBeLessThan(e1.trainLoss);
    expect(e2.testLoss, "held-out loss falls").toBeLessThan(e1.testLoss);
    expect(e2.trainAccuracy!).toBeGreaterThan(e1.trainAccuracy!);
    for (const e of m.epochs) for (const a of [e.trainAccuracy, e.testAccuracy]) expect(a! >= 0 && a! <= 1, `accuracy ${a}`).toBe(true);
    expect(e2.testAccuracy!, "well above chance (0.1); measured 0.53").toBeGreaterThan(0.3);
    expect(m.testAccuracy).toBe(e2.testAccuracy);
    // 75 held-out examples (300/4): accuracies are multiples of 1/75.
    expect(Math.abs(e2.testAccuracy! * 75 - Math.round(e2.testAccuracy! * 75))).toBeLessThan(1e-9);

    // The weights file, by hand.
    const st = readSafetensors(weights);
    expect(st.metadata.format).toBe("pt");
    expect(st.metadata["nnspec.model"]).toBe("lenet5");
    expect(st.metadata["nnspec.spec_sha256"]).toBe(specSha256(LENET));
    expect(Object.keys(st.tensors).sort()).toEqual(Object.keys(LENET_PARAMS).sort());
    for (const [name, shape] of Object.entries(LENET_PARAMS)) expect(st.tensors[name]!.shape, name).toEqual(shape);
    expect(st.data.length).toBe(4 * 61_706);
    for (const name of Object.keys(LENET_PARAMS)) {
      const v = values(st, name);
      expect(v.every(Number.isFinite), name).toBe(true);
      if (name.endsWith(".weight")) expect(v.some((x) => x !== 0), `${name} is all zeros`).toBe(true);
    }
    // The optimizer state beside it is a safetensors file too.
    const optim = readSafetensors(join(cwd, "w.optim.safetensors"));
    expect(Object.keys(optim.tensors).length).toBeGreaterThan(0);

    // eval loads it back and reproduces the last epoch's held-out numbers.
    const ev = await cli(["eval", LENET, "--weights", "w.safetensors", "--data", "mnist", "--limit", "300", "--format", "json"], cwd);
    expectExit(ev, 0);
    const ej = JSON.parse(ev.stdout) as { model: string; split: string; examples: number; loss: number; accuracy: number; confusion: number[][] };
    expect(ej.model).toBe("lenet5");
    expect(ej.split).toBe("test");
    expect(ej.examples).toBe(75);
    expect(ej.accuracy).toBe(e2.testAccuracy);
    expect(ej.loss).toBeCloseTo(e2.testLoss, 6);
    expect(ej.confusion.flat().reduce((a, b) => a + b, 0)).toBe(75);
    expect(ej.confusion.reduce((s, row, i) => s + row[i]!, 0)).toBe(Math.round(ej.accuracy * 75));
  });

  it("is deterministic: the same seed gives the same weights file byte for byte, another seed different weights", { timeout: SLOW }, async () => {
    const first = await lenetRun();
    const cwd = folder("determinism");
    const [again, other] = await Promise.all([
      cli(["train", LENET, ...MNIST_ARGS, "--epochs", "2", "--out", "again.safetensors", "--metrics", "again.json"], cwd),
      cli(["train", variant(cwd, LENET, 1), ...MNIST_ARGS, "--epochs", "2", "--seed", "1", "--out", "other.safetensors", "--metrics", "other.json"], cwd),
    ]);
    expectExit(again, 0);
    expectExit(other, 0);
    const a = readSafetensors(first.weights);
    const b = readSafetensors(join(cwd, "again.safetensors"));
    const c = readSafetensors(join(cwd, "other.safetensors"));

    // Same seed: same losses and accuracies, same tensors, same file.
    expect(readMetrics(join(cwd, "again.json")).epochs.map(numbers)).toEqual(readMetrics(first.metrics).epochs.map(numbers));
    expect.soft(tensorBytes(b), "tensors of two runs with the same seed").toEqual(tensorBytes(a));
    expect.soft(b.bytes.equals(a.bytes), `weights files of two identical runs differ; metadata differences:\n${metadataDiff(a, b).join("\n")}`).toBe(true);
    expect.soft(readFileSync(join(cwd, "again.optim.safetensors")).equals(readFileSync(join(first.cwd, "w.optim.safetensors"))), "optimizer state files differ").toBe(true);

    // Another seed: other weights and other losses.
    for (const name of Object.keys(LENET_PARAMS)) expect(tensorBytes(c)[name], `${name} is the same with seed 1 as with seed 0`).not.toBe(tensorBytes(a)[name]);
    expect(readMetrics(join(cwd, "other.json")).epochs[0]!.trainLoss).not.toBe(readMetrics(first.metrics).epochs[0]!.trainLoss);
  });

  /**
   * 1 epoch, then --resume to --epochs 2, against 2 epochs in one go: the
   * tensors, the optimizer state and every epoch's numbers must be identical,
   * and the weights file byte for byte.
   */
  async function expectResumeMatches(what: string, cwd: string, r: Run, done: string, ref: string): Promise<void> {
    expectExit(r, 0);
    expect(r.stderr, `${what}: no warnings (the optimizer state must be found and used)`).toBe("");
    expect(r.stdout, what).not.toMatch(/^epoch 1\/2/m);
    expect(r.stdout, what).toMatch(/^epoch 2\/2: /m);
    const a = readSafetensors(join(cwd, `${ref}.safetensors`));
    const b = readSafetensors(join(cwd, `${done}.safetensors`));
    expect(b.metadata["nnspec.epoch"], what).toBe("3");
    expect.soft(tensorBytes(b), `${what}: resumed tensors vs uninterrupted`).toEqual(tensorBytes(a));
    expect.soft(readFileSync(join(cwd, `${done}.optim.safetensors`)).equals(readFileSync(join(cwd, `${ref}.optim.safetensors`))), `${what}: optimizer state differs`).toBe(true);
    expect.soft(readMetrics(join(cwd, `${done}.json`), 1).epochs.map(numbers), `${what}: epoch metrics`).toEqual(readMetrics(join(cwd, `${ref}.json`)).epochs.map(numbers));
    expect.soft(b.bytes.equals(a.bytes), `${what}: resumed weights file differs from the uninterrupted one; metadata differences:\n${metadataDiff(a, b).join("\n")}`).toBe(true);
  }

  it("resumes with the default options: lenet5 for 1 epoch + --resume to 2 ends bit-identical to 2 epochs in one go", { timeout: SLOW }, async () => {
    const full = await lenetRun();
    expectExit(full.r, 0);
    const cwd = folder("resume-default");
    for (const f of ["w.safetensors", "w.optim.safetensors", "m.json"]) copyFileSync(join(full.cwd, f), join(cwd, f));
    // The metrics of finished epochs live in the --metrics file (not the checkpoint); the resumed run continues it.
    expectExit(await cli(["train", LENET, ...MNIST_ARGS, "--epochs", "1", "--out", "half.safetensors", "--metrics", "half.json"], cwd), 0);
    expect(readSafetensors(join(cwd, "half.safetensors")).metadata["nnspec.epoch"]).toBe("2"); // the next epoch to train
    const resumed = await cli(["train", LENET, ...MNIST_ARGS, "--epochs", "2", "--resume", "half.safetensors", "--out", "half.safetensors", "--metrics", "half.json"], cwd);
    renameSync(join(cwd, "m.json"), join(cwd, "w.json"));
    await expectResumeMatches("lenet5, momentum, default schedule", cwd, resumed, "half", "w");
  });

  it("--kernels js --threads 1 trains on the TypeScript kernels, the checkpoint records the kernels, --resume keeps them; bad values exit 2", { timeout: SLOW }, async () => {
    const full = await lenetRun();
    const defaults = readSafetensors(full.weights).metadata;
    expect(defaults["nnspec.kernels"]).toBe("wasm");
    expect(defaults["nnspec.threads"]).toBe(String(availableParallelism()));
    const cwd = folder("kernels");
    expectExit(await cli(["train", LENET, ...MNIST_ARGS, "--epochs", "1", "--kernels", "js", "--threads", "1", "--out", "k.safetensors"], cwd), 0);
    expect(readSafetensors(join(cwd, "k.safetensors")).metadata).toMatchObject({ "nnspec.kernels": "js", "nnspec.threads": "1" });
    const resumed = await cli(["train", LENET, ...MNIST_ARGS, "--epochs", "2", "--resume", "k.safetensors", "--out", "k.safetensors"], cwd);
    expectExit(resumed, 0);
    expect(resumed.stderr, "no warnings: the checkpoint's kernels are used").toBe("");
    expect(readSafetensors(join(cwd, "k.safetensors")).metadata).toMatchObject({ "nnspec.kernels": "js", "nnspec.threads": "1", "nnspec.epoch": "3" });
    for (const [flag, value, message] of [
      ["--threads", "0", "--threads must be a whole number from 1 to 64, not 0"],
      ["--threads", "two", "--threads must be a whole number from 1 to 64, not two"],
      ["--kernels", "gpu", "--kernels must be wasm or js, not gpu"],
    ] as const) {
      const bad = await cli(["train", LENET, ...MNIST_ARGS, flag, value, "--out", "bad.safetensors"], cwd);
      expectExit(bad, 2);
      expect(bad.stderr).toContain(message);
    }
    expect(existsSync(join(cwd, "bad.safetensors"))).toBe(false);
  });

  it("resumes with --optimizer adam --schedule constant, on a model with batchnorm buffers and dropout", { timeout: SLOW }, async () => {
    const cwd = folder("resume-adam");
    writeFileSync(join(cwd, "bn.nnspec"), "model bn {\n  input 1x28x28\n  conv 3x3 x4 pad 1\n  batchnorm\n  relu\n  maxpool 2\n  flatten\n  dropout 0.1\n  fc 10\n  loss softmax\n}\n");
    const o = [...MNIST_ARGS, "--optimizer", "adam", "--schedule", "constant"];
    const [full, half] = await Promise.all([
      cli(["train", variant(cwd, join(cwd, "bn.nnspec"), 1), ...o, "--epochs", "2", "--out", "full.safetensors", "--metrics", "full.json"], cwd),
      cli(["train", "bn.nnspec", ...o, "--epochs", "1", "--out", "half.safetensors", "--metrics", "half.json"], cwd),
    ]);
    expectExit(full, 0);
    expectExit(half, 0);
    const resumed = await cli(["train", "bn.nnspec", ...o, "--epochs", "2", "--resume", "half.safetensors", "--out", "half.safetensors", "--metrics", "half.json"], cwd);
    await expectResumeMatches("bn, adam, constant rate", cwd, resumed, "half", "full");
    expect(readSafetensors(join(cwd, "half.optim.safetensors")).metadata["nnspec.t"], "adam's step count").toBe(String(2 * Math.ceil(300 / 32)));

    // The batchnorm running statistics are saved (as buffers), and eval uses them: same accuracy as training's last evaluation.
    const bn = readSafetensors(join(cwd, "full.safetensors"));
    expect(Object.keys(bn.tensors).sort()).toEqual(["batchnorm1.beta", "batchnorm1.gamma", "batchnorm1.mean", "batchnorm1.var", "conv1.bias", "conv1.weight", "fc1.bias", "fc1.weight"]);
    expect(values(bn, "batchnorm1.var").every((v) => v > 0 && v !== 1), "running variance was updated").toBe(true);
    expect(values(bn, "batchnorm1.mean").some((v) => v !== 0), "running mean was updated").toBe(true);
    const ev = await cli(["eval", "bn.nnspec", "--weights", "full.safetensors", "--data", "mnist", "--limit", "300", "--format", "json"], cwd);
    expectExit(ev, 0);
    expect((JSON.parse(ev.stdout) as { accuracy: number }).accuracy).toBe(readMetrics(join(cwd, "full.json")).testAccuracy);
  });

  it("trains specs/digits_mobile.nnspec (depthwise convs, concat branches, batchnorm) on 300 digits: losses fall, held-out accuracy well above chance", { timeout: SLOW }, async () => {
    // The README's 98% run is 15 epochs on all 8,000 digits; here 3 short epochs of the same network.
    const cwd = folder("digits-mobile");
    const r = await cli(["train", DIGITS_MOBILE, ...MNIST_ARGS, "--epochs", "3", "--batch", "16", "--optimizer", "adam", "--lr", "0.003", "--metrics", "m.json"], cwd);
    expectExit(r, 0);
    const m = readMetrics(join(cwd, "m.json"));
    expect(m.model).toBe("digits_mobile");
    const [e1, e2, e3] = m.epochs as [EpochMetrics, EpochMetrics, EpochMetrics];
    expect(e2.trainLoss, "training loss falls").toBeLessThan(e1.trainLoss);
    expect(e3.trainLoss, "training loss falls").toBeLessThan(e2.trainLoss);
    expect(e3.testLoss, "held-out loss falls").toBeLessThan(e1.testLoss);
    expect(e3.testAccuracy!, "well above chance (0.1); measured 0.59").toBeGreaterThan(0.35);

    // The branches' weights are saved under their summary names: the depthwise 3x3 of the second branch, the 1x1 of the first.
    const st = readSafetensors(join(cwd, "digits_mobile.safetensors"));
    expect(st.tensors["fire1.concat1.branch2.conv1.weight"]!.shape).toEqual([16, 1, 3, 3]);
    expect(st.tensors["fire1.concat1.branch1.conv1.weight"]!.shape).toEqual([48, 16, 1, 1]);
    expect(st.data.length).toBe(4 * 21_266 + 4 * 2 * 688); // the parameters, and the running mean and variance of its 688 batchnorm channels
  });
  it("Ctrl-C saves a complete checkpoint, exits 130, leaves no temporary files, and --resume finishes bit-identical to an uninterrupted run", { timeout: SLOW }, async () => {
    const cwd = folder("interrupt");
    const refDir = folder("interrupt-ref");
    // mlp has dropout, so this also checks that the masks are seeded from (seed, epoch, step).
    const options = ["--data", "mnist", "--limit", "2000", "--epochs", "3", "--quiet"];
    const args = ["train", MLP, ...options];
    const reference = start(["train", variant(refDir, MLP, 1), ...options, "--out", "u.safetensors", "--metrics", "u.json"], refDir);
    const run = start([...args, "--out", "i.safetensors", "--metrics", "i.json"], cwd);
    await run.waitForStdout(/^epoch 1\/3: .*\n/m);
    run.child.kill("SIGINT");
    const [r, ref] = await Promise.all([run.done, reference.done]);
    expectExit(ref, 0);
    expect(r.signal, `killed by the signal instead of handling it\n${r.stderr}`).toBe(null);
    expectExit(r, 130);
    expect(r.stderr).toContain("i.safetensors");
    expect(r.stderr).toMatch(/--resume i\.safetensors/);
    expect(r.stdout).not.toMatch(/^epoch 2\/3/m);

    // Only the two checkpoint files and the metrics of epoch 1: no temporary files left behind.
    expect(readdirSync(cwd).sort()).toEqual(["i.json", "i.optim.safetensors", "i.safetensors"]);
    expect(readMetrics(join(cwd, "i.json")).epochs.map((e) => e.epoch)).toEqual([1]);
    const st = readSafetensors(join(cwd, "i.safetensors"));
    expect(Object.keys(st.tensors).sort()).toEqual(["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight"]);
    expect(st.data.length).toBe(4 * 235_146);
    readSafetensors(join(cwd, "i.optim.safetensors"));
    // Saved mid-epoch ("the last finished step"), where the message says.
    const epoch = Number(st.metadata["nnspec.epoch"]);
    const step = Number(st.metadata["nnspec.step"]);
    expect(epoch).toBe(2);
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(Math.ceil(2000 / 32));
    expect(r.stderr).toContain(`epoch ${epoch}, step ${step}`);

    // Loadable by eval (a copy, so the resumed run can overwrite the original meanwhile).
    copyFileSync(join(cwd, "i.safetensors"), join(refDir, "interrupted.safetensors"));
    const [ev, resumed] = await Promise.all([
      cli(["eval", variant(refDir, MLP, 1), "--weights", "interrupted.safetensors", "--data", "mnist", "--limit", "2000", "--format", "json"], refDir),
      cli([...args, "--out", "i.safetensors", "--resume", "i.safetensors", "--metrics", "i.json"], cwd),
    ]);
    expectExit(ev, 0);
    expect((JSON.parse(ev.stdout) as { accuracy: number }).accuracy).toBeGreaterThan(0.3);
    expectExit(resumed, 0);
    expect(resumed.stderr, "no warnings on resume").toBe("");
    expect(resumed.stdout).toMatch(/^epoch 2\/3: /m);
    expect(resumed.stdout).toMatch(/^epoch 3\/3: /m);
    expect(readdirSync(cwd).sort()).toEqual(["i.json", "i.optim.safetensors", "i.safetensors"]);

    const a = readSafetensors(join(refDir, "u.safetensors"));
    const b = readSafetensors(join(cwd, "i.safetensors"));
    expect(tensorBytes(b), "weights after Ctrl-C + --resume vs uninterrupted").toEqual(tensorBytes(a));
    expect(readMetrics(join(cwd, "i.json"), 3).epochs.map(numbers)).toEqual(readMetrics(join(refDir, "u.json")).epochs.map(numbers));
  });

  it("learns a synthetic linear regression (.npy data, adam): held-out MSE < 0.05 and below the first epoch's", { timeout: SLOW }, async () => {
    const { cwd, data, r, weights, metrics } = await regressionRun();
    expectExit(r, 0);
    const m = readMetrics(metrics);
    expect(m.model).toBe("regressor");
    expect(m.epochs).toHaveLength(20);
    expect(m.testAccuracy).toBe(null);
    for (const e of m.epochs) {
      expect(e.trainAccuracy).toBe(null);
      expect(e.testAccuracy).toBe(null);
    }
    const first = m.epochs[0]!;
    const last = m.epochs[19]!;
    // Reported held-out loss = MSE + the L2 term. Measured (default cosine schedule):
    // 0.070 after epoch 1, 0.0207 after epoch 20 (0.018–0.022 for seeds 0–3); var(y) ≈ 0.93.
    expect(last.testLoss).toBeLessThan(0.05);
    expect(last.testLoss).toBeLessThan(first.testLoss / 2);
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(readSafetensors(weights).metadata["nnspec.model"]).toBe("regressor");

    // The plain MSE of predict's outputs on test_x (no L2 term): measured 0.012 (0.009–0.012 for seeds 0–3); the noise alone is 0.0033.
    const [pr, ev] = await Promise.all([
      cli(["predict", REGRESSOR, "--weights", "reg.safetensors", "--input", join(data, "test_x.npy"), "--output", "pred.npy"], cwd),
      cli(["eval", variant(cwd, REGRESSOR, 1), "--weights", "reg.safetensors", "--data", data, "--format", "json"], cwd),
    ]);
    expectExit(pr, 0);
    expectExit(ev, 0);
    const pred = loadNpySync(join(cwd, "pred.npy"));
    expect(pred.shape).toEqual([200, 1]);
    const y = loadNpySync(join(data, "test_y.npy")).data as Float32Array;
    let sse = 0;
    for (let i = 0; i < 200; i++) sse += (Number(pred.data[i]) - y[i]!) ** 2;
    const mse = sse / 200;
    expect(mse).toBeLessThan(0.03);
    const ej = JSON.parse(ev.stdout) as { examples: number; mse: number; accuracy: null };
    expect(ej.examples).toBe(200);
    expect(ej.accuracy).toBe(null);
    expect(ej.mse).toBeCloseTo(last.testLoss, 6);
    expect(ej.mse, "eval's MSE includes the L2 term, so it is at least the plain MSE").toBeGreaterThanOrEqual(mse - 1e-6);
  });

  it("rejects bad input with exit 2, a clear message and no stack trace, and overwrites nothing", { timeout: SLOW }, async () => {
    const reg = await regressionRun();
    const cwd = folder("bad");

    // x of the wrong shape: [20, 7] for a model that takes 8 values.
    const wrong = join(cwd, "wrong-shape");
    mkdirSync(wrong);
    saveNpySync(join(wrong, "train_x.npy"), { dtype: "<f4", shape: [20, 7], data: new Float32Array(140) });
    saveNpySync(join(wrong, "train_y.npy"), { dtype: "<f4", shape: [20, 1], data: new Float32Array(20) });
    saveNpySync(join(wrong, "test_x.npy"), { dtype: "<f4", shape: [5, 8], data: new Float32Array(40) });
    saveNpySync(join(wrong, "test_y.npy"), { dtype: "<f4", shape: [5, 1], data: new Float32Array(5) });

    // Checkpoints to resume from: a truncated one, and an intact one (for a spec whose text differs).
    const good = readFileSync(reg.weights);
    const goodOptim = readFileSync(join(reg.cwd, "reg.optim.safetensors"));
    const files: Record<string, Buffer> = {
      "truncated.safetensors": good.subarray(0, 1000),
      "truncated.optim.safetensors": goodOptim,
      "other.safetensors": good,
      "other.optim.safetensors": goodOptim,
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(cwd, name), bytes);
    // The same tensors, but another spec (tanh for the first relu), so both its hashes differ (a comment edit would keep the words hash).
    const edited = "edited.nnspec";
    writeFileSync(join(cwd, edited), readFileSync(REGRESSOR, "utf8").replace("relu", "tanh"));
    const listing = readdirSync(cwd).sort();

    // Each run names the spec its own way, so they can overlap (see the file comment).
    const spec = (k: number) => variant(cwd, REGRESSOR, k);
    const train = (k: number, ...rest: string[]) => cli(["train", spec(k), "--epochs", "21", "--quiet", ...rest], cwd);
    const resume = (specPath: string, file: string, ...rest: string[]) =>
      cli(["train", specPath, "--data", reg.data, ...REG_ARGS, "--epochs", "21", "--resume", file, "--out", file, ...rest], cwd);
    const [wrongShape, noData, badOptimizer, truncated, otherSpec, noWeights] = await Promise.all([
      train(0, "--data", wrong),
      train(1),
      train(2, "--data", reg.data, "--optimizer", "rmsprop"),
      resume(spec(3), "truncated.safetensors"),
      resume(edited, "other.safetensors"),
      cli(["eval", variant(cwd, LENET, 0), "--data", "mnist", "--limit", "300"], cwd),
    ]);

    expect(usageError(wrongShape)).toMatch(/train_x\.npy/);
    expect(wrongShape.stderr).toContain("[20, 7]");
    expect(wrongShape.stderr).toMatch(/\[N, 8\]/);
    expect(usageError(noData)).toMatch(/--data/);
    expect(usageError(badOptimizer)).toMatch(/rmsprop/);
    expect(badOptimizer.stderr).toMatch(/sgd.*momentum.*adam/);
    expect(usageError(truncated)).toContain("truncated.safetensors");
    expect(truncated.stderr).toMatch(/invalid safetensors|truncated|corrupt/i);
    expect(truncated.stdout, "nothing trained").not.toMatch(/^epoch/m);
    expect(usageError(otherSpec)).toContain("other.safetensors");
    expect(otherSpec.stderr).toMatch(/different spec/);
    expect(otherSpec.stderr).toContain("--force");
    expect(usageError(noWeights)).toMatch(/--weights/);

    // Nothing was written or overwritten.
    expect(readdirSync(cwd).sort()).toEqual(listing);
    for (const [name, bytes] of Object.entries(files)) expect(readFileSync(join(cwd, name)).equals(bytes), `${name} was modified`).toBe(true);

    // --force accepts the edited spec's checkpoint, with a warning.
    const forced = await resume(edited, "other.safetensors", "--force");
    expectExit(forced, 0);
    expect(forced.stderr).toMatch(/^warning: .*different spec/m);
    expect(forced.stdout).toMatch(/^epoch 21\/21: /m);
    expect(readSafetensors(join(cwd, "other.safetensors")).metadata["nnspec.spec_sha256"]).toBe(specSha256(join(cwd, edited)));
  });

  it("eval and predict reject an unknown --format", { timeout: SLOW }, async () => {
    const reg = await regressionRun();
    const [ev, pr] = await Promise.all([
      cli(["eval", REGRESSOR, "--weights", "reg.safetensors", "--data", reg.data, "--format", "xml"], reg.cwd),
      cli(["predict", variant(reg.cwd, REGRESSOR, 2), "--weights", "reg.safetensors", "--input", join(reg.data, "test_x.npy"), "--format", "xml"], reg.cwd),
    ]);
    expect(usageError(ev)).toMatch(/--format/);
    expect(usageError(pr)).toMatch(/--format/);
  });

  it("predicts: JSON with one probability row per input summing to 1, an [N, 10] .npy, and a clear error for a wrong shape", { timeout: SLOW }, async () => {
    const { cwd, weights, r } = await lenetRun();
    expectExit(r, 0);
    const dir = folder("predict");
    copyFileSync(weights, join(dir, "w.safetensors"));
    // The 75 held-out digits that training evaluated on (--limit 300).
    const test = loadMnist().test;
    const n = 75;
    saveNpySync(join(dir, "x.npy"), { dtype: "<f4", shape: [n, 1, 28, 28], data: test.x.slice(0, n * 784) });
    saveNpySync(join(dir, "bad.npy"), { dtype: "<f4", shape: [3, 28, 28], data: new Float32Array(3 * 784) });

    const [json, toFile, wrong] = await Promise.all([
      cli(["predict", variant(dir, LENET, 0), "--weights", "w.safetensors", "--input", "x.npy", "--format", "json"], dir),
      cli(["predict", variant(dir, LENET, 1), "--weights", "w.safetensors", "--input", "x.npy", "--output", "y.npy"], dir),
      cli(["predict", variant(dir, LENET, 2), "--weights", "w.safetensors", "--input", "bad.npy"], dir),
    ]);

    expectExit(json, 0);
    const out = JSON.parse(json.stdout) as { model: string; predictions: { index: number; class: number; probability: number; probabilities: number[] }[] };
    expect(out.model).toBe("lenet5");
    expect(out.predictions).toHaveLength(n);
    let correct = 0;
    out.predictions.forEach((p, i) => {
      expect(p.index).toBe(i);
      expect(p.probabilities).toHaveLength(10);
      expect(p.probabilities.every((q) => q >= 0 && q <= 1)).toBe(true);
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.probability).toBe(Math.max(...p.probabilities));
      expect(p.class).toBe(p.probabilities.indexOf(p.probability));
      if (p.class === test.y[i]) correct++;
    });
    // Same count of right answers as training's last held-out accuracy on these digits.
    const m = readMetrics(join(cwd, "m.json"));
    expect(correct).toBe(Math.round(m.testAccuracy! * n));

    expectExit(toFile, 0);
    const y = loadNpySync(join(dir, "y.npy"));
    expect(y.dtype).toBe("<f4");
    expect(y.shape).toEqual([n, 10]);
    for (let i = 0; i < n; i++) {
      const row = Array.from(y.data.subarray(i * 10, i * 10 + 10) as Float32Array);
      expect(row).toEqual(out.predictions[i]!.probabilities);
    }

    expect(usageError(wrong)).toContain("[3, 28, 28]");
    expect(wrong.stderr).toMatch(/1x28x28|\[N, 1, 28, 28\]/);
    expect(wrong.stderr).toContain("bad.npy");
  });
});
