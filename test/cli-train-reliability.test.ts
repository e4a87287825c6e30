/**
 * Training runs under stress (issue 12): Ctrl-C and SIGTERM honoured after the
 * step in progress, a second Ctrl-C ending the process at once, the --metrics
 * file after every epoch (so a kill keeps it), divergence ending in one line
 * with the last good weights saved, checkpoints whose size does not grow with
 * the epochs, damaged checkpoint metadata refused naming the checkpoint, and
 * runtime errors (batch limits, non-finite or flat inputs) as one line.
 *
 * Real processes of the built CLI, each with its own TMPDIR (compile cache).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSafetensorsSync, saveNpySync, saveSafetensorsSync } from "../runtime/index.js";
import { requireBuilt } from "./helpers/build.js";
import { BIN, ROOT } from "./helpers/cli.js";

beforeAll(() => requireBuilt("cli"));

const DIR = join(ROOT, "test", ".tmp", `cli-train-reliability-${process.pid}`);
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const MLP = join(ROOT, "specs", "mlp.nnspec");
const LENET = join(ROOT, "specs", "lenet5.nnspec");
const SLOW = 120_000;

/** About a second per step of 1,000 digits on two cores: 8 steps an epoch with --limit 8000 --batch 1000. */
const SLOW_SPEC = `model slow {
  input 1x28x28
  conv 3x3 x16 pad 1
  relu
  conv 3x3 x16 pad 1
  relu
  maxpool 2
  flatten
  fc 10
  loss softmax
}
`;

/** 23.5 million parameters (94 MB of float32): its checkpoints take a while to write. */
const WIDE_SPEC = "model wide { input 1x28x28, flatten, fc 30000, relu, fc 10, loss softmax }\n";

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** performance.now() when the process ended. */
  ended: number;
}

interface Started {
  child: ChildProcess;
  done: Promise<Run>;
  /** Resolves when stdout matches `re`. */
  waitForStdout(re: RegExp): Promise<void>;
  /** Resolves when stderr matches `re`. */
  waitForStderr(re: RegExp): Promise<void>;
}

let runs = 0;

function start(args: string[], cwd: string): Started {
  const tmp = join(DIR, `tmpdir-${runs++}`);
  mkdirSync(tmp, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", TMPDIR: tmp };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const text = { stdout: "", stderr: "" };
  const watchers: { stream: "stdout" | "stderr"; re: RegExp; resolve: () => void }[] = [];
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]!.setEncoding("utf8").on("data", (d: string) => {
      text[stream] += d;
      for (const w of watchers.splice(0)) (w.stream === stream && w.re.test(text[stream]) ? w.resolve : () => watchers.push(w))();
    });
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, ...text, ended: performance.now() });
    });
  });
  const waitFor = (stream: "stdout" | "stderr") => (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (re.test(text[stream])) return resolve();
      watchers.push({ stream, re, resolve });
      void done.then((r) => reject(new Error(`ended (status ${r.status}, signal ${r.signal}) before printing ${re}\n${r.stdout}\n${r.stderr}`)));
    });
  const waitForStdout = waitFor("stdout");
  const waitForStderr = waitFor("stderr");
  return { child, done, waitForStdout, waitForStderr };
}

const cli = (args: string[], cwd: string) => start(args, cwd).done;

function folder(name: string): string {
  const d = join(DIR, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Exit status, and stderr with no stack trace. */
function expectExit(r: Run, status: number): void {
  const show = `exit ${r.status} (signal ${r.signal})\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.stderr, show).not.toMatch(/^\s{4}at /m);
  expect(r.stderr, show).not.toMatch(/internal error/);
  expect(r.status, show).toBe(status);
}

/** One line on stderr, "nnspec: …" (after any warnings), and the exit status. */
function oneLine(r: Run, status: number): string {
  expectExit(r, status);
  const lines = r.stderr.trimEnd().split("\n").filter((l) => !l.startsWith("warning: "));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^nnspec: \S/);
  return lines[0]!;
}

function metadata(path: string): Record<string, string> {
  return loadSafetensorsSync(path).metadata;
}

/** Rewrite a checkpoint's metadata (what a user or a bad tool might do). */
function tamper(from: string, to: string, edit: (m: Record<string, string>) => void): void {
  const st = loadSafetensorsSync(from);
  const meta = { ...st.metadata };
  edit(meta);
  const tensors = Object.fromEntries(Object.entries(st.tensors).map(([k, t]) => [k, { dtype: t.dtype as "F32", shape: t.shape, data: t.data }]));
  saveSafetensorsSync(to, tensors, meta);
}

const epochsIn = (path: string) => (JSON.parse(readFileSync(path, "utf8")) as { epochs: { epoch: number }[] }).epochs.map((e) => e.epoch);

describe("interrupts", () => {
  it("Ctrl-C during a long epoch stops after the step in progress: checkpoint at step 1 or 2, exit 130, epoch 1's metrics kept", { timeout: SLOW }, async () => {
    const cwd = folder("sigint");
    writeFileSync(join(cwd, "slow.nnspec"), SLOW_SPEC);
    const run = start(["train", "slow.nnspec", "--data", "mnist", "--limit", "8000", "--batch", "1000", "--epochs", "3", "--out", "s.safetensors", "--metrics", "s.json"], cwd);
    await run.waitForStdout(/^epoch 1\/3: .*\n/m);
    const sent = performance.now();
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.signal, r.stderr).toBe(null);
    expectExit(r, 130);
    // Before the fix the flag was read every 8 steps: the whole of epoch 2 ran (step 8).
    const meta = metadata(join(cwd, "s.safetensors"));
    expect(meta["nnspec.epoch"]).toBe("2");
    expect(Number(meta["nnspec.step"])).toBeGreaterThanOrEqual(1);
    expect(Number(meta["nnspec.step"]), r.stderr).toBeLessThanOrEqual(2);
    expect(r.stderr).toMatch(/interrupted: saved s\.safetensors at epoch 2, step [12]; continue with --resume s\.safetensors/);
    expect(r.ended - sent, "a bound for a hang, not a speed test").toBeLessThan(30_000);
    expect(epochsIn(join(cwd, "s.json"))).toEqual([1]);
  });

  it("a second Ctrl-C, once the first was seen, ends the process at once (by the signal), leaving the checkpoint whole", { timeout: SLOW }, async () => {
    // A model of 94 MB of weights, so saving its checkpoint takes a while: the second Ctrl-C comes during that save.
    const cwd = folder("sigint-twice");
    writeFileSync(join(cwd, "wide.nnspec"), WIDE_SPEC);
    const run = start(["train", "wide.nnspec", "--data", "mnist", "--limit", "40", "--batch", "8", "--epochs", "20", "--out", "w.safetensors"], cwd);
    await run.waitForStdout(/^epoch 1\/20: /m);
    run.child.kill("SIGINT");
    await run.waitForStderr(/stopping after this step/);
    run.child.kill("SIGINT");
    const r = await run.done;
    // Before the fix the second Ctrl-C did nothing: the process saved and exited 130 by itself.
    expect(r.signal, `status ${r.status}\n${r.stderr}`).toBe("SIGINT");
    expect(r.stderr).not.toMatch(/interrupted: saved/);
    // The checkpoint written when training began (or the new one, had it been renamed in time) is whole.
    const ev = await cli(["eval", "wide.nnspec", "--weights", "w.safetensors", "--data", "mnist", "--limit", "40", "--format", "json"], cwd);
    expectExit(ev, 0);
  });

  it("SIGTERM is honoured like Ctrl-C: a checkpoint and exit 130", { timeout: SLOW }, async () => {
    const cwd = folder("sigterm");
    const run = start(["train", MLP, "--data", "mnist", "--limit", "2000", "--epochs", "50", "--quiet", "--out", "t.safetensors"], cwd);
    await run.waitForStdout(/^epoch 1\/50: .*\n/m);
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.signal, r.stderr).toBe(null);
    expectExit(r, 130);
    expect(r.stderr).toMatch(/--resume t\.safetensors/);
    expect(Number(metadata(join(cwd, "t.safetensors"))["nnspec.epoch"])).toBeGreaterThanOrEqual(2);
  });

  it("SIGKILL after epoch 2: --metrics already lists the finished epochs", { timeout: SLOW }, async () => {
    const cwd = folder("sigkill");
    const run = start(["train", MLP, "--data", "mnist", "--limit", "2000", "--epochs", "50", "--quiet", "--out", "k.safetensors", "--metrics", "k.json"], cwd);
    await run.waitForStdout(/^epoch 2\/50: .*\n/m);
    run.child.kill("SIGKILL");
    await run.done;
    const epochs = epochsIn(join(cwd, "k.json"));
    expect(epochs.slice(0, 2)).toEqual([1, 2]);
  });
});

describe("divergence", () => {
  it("a NaN loss ends with one line (where, what to try), exit 1, and the last good weights saved, loadable", { timeout: SLOW }, async () => {
    const cwd = folder("diverge");
    const r = await cli(["train", MLP, "--data", "mnist", "--limit", "500", "--epochs", "2", "--lr", "1e30", "--quiet", "--out", "d.safetensors", "--metrics", "d.json"], cwd);
    const line = oneLine(r, 1);
    expect(line).toMatch(/^nnspec: training diverged: the loss is (NaN|-?Infinity) in step \d+ of 16 of epoch 1; try a lower --lr \(it is 1e\+30\) or normalise the inputs; d\.safetensors holds the last good weights \((after step \d+ of epoch 1|the initial weights)\)$/);
    expect(existsSync(join(cwd, "d.safetensors"))).toBe(true);
    const ev = await cli(["eval", MLP, "--weights", "d.safetensors", "--data", "mnist", "--limit", "100", "--format", "json"], cwd);
    expectExit(ev, 0);
  });
});

describe("checkpoints", () => {
  it("hold no history: the weights file is the same size after 1 and after 6 epochs", { timeout: SLOW }, async () => {
    const cwd = folder("no-history");
    const [one, six] = await Promise.all([
      cli(["train", MLP, "--data", "mnist", "--limit", "200", "--epochs", "1", "--quiet", "--out", "one.safetensors"], cwd),
      cli(["train", MLP, "--data", "mnist", "--limit", "200", "--epochs", "6", "--quiet", "--out", "six.safetensors", "--metrics", "six.json"], cwd),
    ]);
    expectExit(one, 0);
    expectExit(six, 0);
    expect(metadata(join(cwd, "six.safetensors"))["nnspec.history"]).toBeUndefined();
    expect(readFileSync(join(cwd, "six.safetensors")).length).toBe(readFileSync(join(cwd, "one.safetensors")).length);
    expect(epochsIn(join(cwd, "six.json"))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("--resume continues the --metrics file; an old checkpoint's history is read when there is none; damaged history is a warning", { timeout: SLOW }, async () => {
    const cwd = folder("history");
    const base = ["train", MLP, "--data", "mnist", "--limit", "200", "--quiet"];
    expectExit(await cli([...base, "--epochs", "2", "--out", "h.safetensors", "--metrics", "h.json"], cwd), 0);
    const resumed = await cli([...base, "--epochs", "3", "--out", "h.safetensors", "--metrics", "h.json", "--resume", "h.safetensors"], cwd);
    expectExit(resumed, 0);
    expect(resumed.stderr).toBe("");
    expect(epochsIn(join(cwd, "h.json"))).toEqual([1, 2, 3]);
    // An old checkpoint (history in its metadata), without a metrics file: its history is used.
    const { epochs } = JSON.parse(readFileSync(join(cwd, "h.json"), "utf8")) as { epochs: unknown[] };
    tamper(join(cwd, "h.safetensors"), join(cwd, "old.safetensors"), (m) => (m["nnspec.history"] = JSON.stringify(epochs.map((e) => ({ ...(e as object), seconds: null })))));
    const old = await cli([...base, "--epochs", "4", "--out", "old.safetensors", "--metrics", "old.json", "--resume", "old.safetensors"], cwd);
    expectExit(old, 0);
    expect(epochsIn(join(cwd, "old.json"))).toEqual([1, 2, 3, 4]);
    // Damaged history: not a list, or 200,000 entries (a stack overflow before): a warning, and training goes on.
    for (const [name, history] of [["notlist", "{}"], ["huge", JSON.stringify(Array.from({ length: 200_000 }, () => 0))]] as const) {
      tamper(join(cwd, "h.safetensors"), join(cwd, `${name}.safetensors`), (m) => (m["nnspec.history"] = history));
      const r = await cli([...base, "--epochs", "4", "--out", `${name}.safetensors`, "--metrics", `${name}.json`, "--resume", `${name}.safetensors`], cwd);
      expectExit(r, 0);
      expect(r.stderr).toMatch(/^warning: the checkpoint's nnspec\.history: .*; the metrics list starts at epoch 4$/m);
      expect(epochsIn(join(cwd, `${name}.json`))).toEqual([4]);
    }
  });

  it("damaged metadata is refused naming the checkpoint and the key, never a flag the user did not give", { timeout: SLOW }, async () => {
    const cwd = folder("damaged");
    const base = ["train", MLP, "--data", "mnist", "--limit", "200", "--quiet", "--epochs", "3"];
    expectExit(await cli([...base.slice(0, -2), "--epochs", "1", "--out", "c.safetensors"], cwd), 0); // a flag is given once
    const cases: [string, (m: Record<string, string>) => void, RegExp][] = [
      ["batch", (m) => (m["nnspec.batch"] = "1e8"), /c-batch\.safetensors: the checkpoint's metadata is damaged: nnspec\.batch is "1e8" \(.*too large.*65,536.*\); give --batch to override it/],
      ["optimizer", (m) => (m["nnspec.optimizer"] = "rmsprop"), /c-optimizer\.safetensors: the checkpoint's metadata is damaged: nnspec\.optimizer is "rmsprop" \(must be one of sgd, momentum, adam/],
      ["progress", (m) => (m["nnspec.progress"] = "[1,2"), /c-progress\.safetensors: the checkpoint's metadata is damaged: nnspec\.progress .*not JSON/],
      ["counts", (m) => (m["nnspec.progress"] = '{"sumLoss":1,"correct":5,"seen":2}'), /nnspec\.progress .*correct ≤ seen/],
      ["epoch", (m) => (m["nnspec.epoch"] = "-3"), /c-epoch\.safetensors: the checkpoint's metadata is damaged: nnspec\.epoch is "-3"/],
      ["step", (m) => (m["nnspec.step"] = "99999"), /c-step\.safetensors: the checkpoint is at step 99999 of epoch 2, but an epoch has 7 steps/],
      ["schedule", (m) => (m["nnspec.schedule"] = "warp:3"), /nnspec\.schedule is "warp:3" \(not cosine or constant\); give --schedule/],
    ];
    for (const [name, edit] of cases) tamper(join(cwd, "c.safetensors"), join(cwd, `c-${name}.safetensors`), edit);
    const results = await Promise.all(cases.map(([name]) => cli([...base, "--out", `o-${name}.safetensors`, "--resume", `c-${name}.safetensors`], cwd)));
    results.forEach((r, i) => {
      const line = oneLine(r, 2);
      expect(line).toMatch(cases[i]![2]);
      expect(line).not.toContain("undefined");
    });
  });
});

describe("runtime errors as one line", () => {
  it("batch sizes over the runtime's limit name the limit: train --batch 65537, --batch 1e9, eval --batch 100000", { timeout: SLOW }, async () => {
    const cwd = folder("batch");
    const [a, b, c] = await Promise.all([
      cli(["train", MLP, "--data", "mnist", "--limit", "100", "--batch", "65537"], cwd),
      cli(["train", MLP, "--data", "mnist", "--limit", "100", "--batch", "1e9"], cwd),
      cli(["eval", MLP, "--data", "mnist", "--limit", "100", "--batch", "100000", "--weights", "none.safetensors"], cwd),
    ]);
    expect(oneLine(a, 2)).toBe("nnspec: --batch 65537 is too large: at most 65,536 examples per batch");
    expect(oneLine(b, 2)).toBe("nnspec: --batch 1e9 is too large: at most 65,536 examples per batch");
    expect(oneLine(c, 2)).toBe("nnspec: --batch 100000 is too large: at most 65,536 examples per batch");
  });

  it("a batch too large for a WebAssembly memory with --kernels wasm names --kernels js", { timeout: SLOW }, async () => {
    const cwd = folder("wasm-limit");
    const r = await cli(["train", LENET, "--data", "mnist", "--limit", "100", "--batch", "65536", "--kernels", "wasm"], cwd);
    expect(oneLine(r, 2)).toMatch(/^nnspec: model lenet5 needs [0-9.]+ GiB at batch 65536, more than a WebAssembly memory holds \(4 GiB\); use --kernels js or a smaller --batch$/);
  });

  it("predict: a NaN input is one line naming the file and the example; flat [N, 784] inputs work like [N, 1, 28, 28]", { timeout: SLOW }, async () => {
    const cwd = folder("predict");
    expectExit(await cli(["train", LENET, "--data", "mnist", "--limit", "100", "--epochs", "1", "--quiet", "--out", "w.safetensors"], cwd), 0);
    const x = Float32Array.from({ length: 3 * 784 }, (_, i) => (i % 7) / 7);
    saveNpySync(join(cwd, "flat.npy"), { dtype: "<f4", shape: [3, 784], data: x });
    saveNpySync(join(cwd, "img.npy"), { dtype: "<f4", shape: [3, 1, 28, 28], data: x });
    const bad = x.slice();
    bad[784 + 5] = NaN;
    saveNpySync(join(cwd, "nan.npy"), { dtype: "<f4", shape: [3, 784], data: bad });
    saveNpySync(join(cwd, "big.npy"), { dtype: "<f4", shape: [1, 1, 56, 56], data: new Float32Array(56 * 56) });
    const [flat, img, nan, big] = await Promise.all(["flat", "img", "nan", "big"].map((f) => cli(["predict", LENET, "--weights", "w.safetensors", "--input", `${f}.npy`, "--format", "json"], cwd)));
    expectExit(flat, 0);
    expectExit(img, 0);
    expect(flat.stdout).toBe(img.stdout);
    expect(oneLine(nan, 2)).toBe("nnspec: nan.npy: value NaN in example 1 (at index 789); inputs must be finite numbers");
    expect(oneLine(big, 2)).toMatch(/big\.npy has shape \[1, 1, 56, 56\]; 3136 values per example = 1x56x56, but model lenet5 takes 1x28x28/);
  });
});
