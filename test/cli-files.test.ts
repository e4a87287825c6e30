/**
 * The CLI and the files it reads and writes (issue 12, "files"): inputs that
 * are not regular files, outputs that would clobber inputs or each other,
 * outputs onto special files, two runs on one --out, the compile cache, and
 * file names with control characters. Real processes of the built CLI, each
 * bounded in time so a hang fails the test instead of stalling the suite.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveNpySync } from "../runtime/index.js";
import { BIN, ROOT } from "./helpers/cli.js";
import { requireBuilt } from "./helpers/build.js";

beforeAll(() => requireBuilt("cli"));

const DIR = join(ROOT, "test", ".tmp", `cli-files-${process.pid}`);
const CACHE = join(DIR, "cache");
const SPEC = join(ROOT, "specs", "regressor.nnspec");
const SLOW = 120_000;
fs.rmSync(DIR, { recursive: true, force: true });
fs.mkdirSync(CACHE, { recursive: true, mode: 0o700 });
afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `nnspec ARGS` in `cwd`, killed after `timeoutMs` (then signal is SIGKILL). */
export function run(args: string[], cwd: string, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: CACHE, ...opts.env };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** The run ended by itself with exit 2 and exactly one `nnspec: …` line on stderr; that line. */
function refused(r: Run): string {
  expect(r.signal, `killed (hung?): ${r.stderr}`).toBeNull();
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^nnspec: /);
  return lines[0]!;
}

let n = 0;
/** A fresh folder under DIR. */
function folder(): string {
  const d = join(DIR, `case-${n++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** A small regression data set for regressor (8 → 1) in `dir`/data. */
function data(dir: string): string {
  const d = join(dir, "data");
  fs.mkdirSync(d, { recursive: true });
  const x = (k: number) => Float32Array.from({ length: 8 * k }, (_, i) => Math.sin(i));
  saveNpySync(join(d, "train_x.npy"), { dtype: "<f4", shape: [16, 8], data: x(16) });
  saveNpySync(join(d, "train_y.npy"), { dtype: "<f4", shape: [16, 1], data: new Float32Array(16) });
  saveNpySync(join(d, "test_x.npy"), { dtype: "<f4", shape: [4, 8], data: x(4) });
  saveNpySync(join(d, "test_y.npy"), { dtype: "<f4", shape: [4, 1], data: new Float32Array(4) });
  return d;
}

/** A trained regressor's weights in `dir` (w.safetensors), for eval/predict/export. */
async function weights(dir: string): Promise<string> {
  const r = await run(["train", SPEC, "--data", data(dir), "--epochs", "1", "--quiet", "--out", "w.safetensors"], dir);
  expect(r.status, r.stderr).toBe(0);
  return join(dir, "w.safetensors");
}

describe("inputs that are not regular files", () => {
  it("a FIFO as the spec, with no writer, is refused at once (no hang)", async () => {
    const dir = folder();
    execFileSync("mkfifo", [join(dir, "spec.nnspec")]);
    for (const cmd of [["check"], ["summary"], ["compile", "-o", "out"]]) {
      const line = refused(await run([...cmd, "spec.nnspec"], dir, { timeoutMs: 20_000 }));
      expect(line).toBe("nnspec: spec.nnspec: is a FIFO (named pipe), not a regular file");
    }
  }, SLOW);

  it("/dev/zero as --weights, --input, --resume and .npy data is refused at once (no endless read)", async () => {
    const dir = folder();
    const w = await weights(dir);
    const zeroData = join(dir, "zero-data");
    fs.cpSync(data(dir), zeroData, { recursive: true });
    fs.rmSync(join(zeroData, "train_x.npy"));
    fs.symlinkSync("/dev/zero", join(zeroData, "train_x.npy"));
    const bounded = { timeoutMs: 30_000 };
    const runs = await Promise.all([
      run(["eval", SPEC, "--weights", "/dev/zero", "--data", join(dir, "data")], dir, bounded),
      run(["predict", SPEC, "--weights", w, "--input", "/dev/zero"], dir, bounded),
      run(["train", SPEC, "--data", join(dir, "data"), "--resume", "/dev/zero", "--out", "r.safetensors", "--quiet"], dir, bounded),
      run(["train", SPEC, "--data", zeroData, "--out", "z.safetensors", "--quiet"], dir, bounded),
      run(["export", SPEC, "--weights", "/dev/zero", "--onnx", "m.onnx"], dir, bounded),
    ]);
    for (const r of runs) expect(refused(r)).toMatch(/\/dev\/zero|train_x\.npy/);
    for (const r of runs) expect(r.stderr).toMatch(/character device, not a regular file/);
  }, SLOW);
});

describe("file names with control characters", () => {
  it("reach the terminal quoted and escaped, in CLI errors and in the diagnostics' file header", async () => {
    const dir = folder();
    const missing = await run(["check", "no\x1b[2Jsuch.nnspec"], dir);
    expect(refused(missing)).toBe('nnspec: "no\\x1b[2Jsuch.nnspec": no such file');
    fs.writeFileSync(join(dir, "bad\x1b[31m.nnspec"), "model m {\n  input 4\n  bogus\n}\n");
    const diag = await run(["check", "bad\x1b[31m.nnspec"], dir);
    expect(diag.status).toBe(1);
    expect(diag.stderr).not.toContain("\x1b");
    expect(diag.stderr).toContain('--> "bad\\x1b[31m.nnspec":3:');
  }, SLOW);
});

describe("the compiled-model cache", () => {
  /** Every cached module under `base`, wherever the CLI keeps it. */
  function cachedModules(base: string): string[] {
    return (fs.readdirSync(base, { recursive: true }) as string[]).filter((f) => f.endsWith(".mjs")).map((f) => join(base, f));
  }
  const payload = (marker: string) => `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nthrow new Error("planted module ran");\n`;
  /** export needs the compiled model and no training: the quickest command that imports it. */
  const exportIn = (dir: string, base: string) => run(["export", SPEC, "--onnx", "m.onnx"], dir, { env: { XDG_CACHE_HOME: base, TMPDIR: base } });

  it("a cached module whose content was changed is never imported: it is rebuilt", async () => {
    const dir = folder();
    const base = join(dir, "cache");
    fs.mkdirSync(base, { mode: 0o700 });
    expect((await exportIn(dir, base)).status).toBe(0);
    const modules = cachedModules(base);
    expect(modules.length).toBeGreaterThan(0);
    const marker = join(dir, "ran");
    for (const m of modules) fs.writeFileSync(m, payload(marker));
    const r = await exportIn(dir, base);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(marker), "the tampered module ran").toBe(false);
    expect(fs.readFileSync(modules[0]!, "utf8")).toMatch(/^\/\/ nnspec-cache sha256=[0-9a-f]{64}\n/);
  }, SLOW);

  it("a cache folder others can write is not used: a warning, and nothing in it runs", async () => {
    const dir = folder();
    const base = join(dir, "cache");
    fs.mkdirSync(base, { mode: 0o700 });
    expect((await exportIn(dir, base)).status).toBe(0);
    const marker = join(dir, "ran");
    const modules = cachedModules(base);
    for (const m of modules) {
      fs.writeFileSync(m, payload(marker));
      fs.chmodSync(join(m, ".."), 0o777);
    }
    const r = await exportIn(dir, base);
    expect(fs.existsSync(marker), "a module from the shared folder ran").toBe(false);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*can be read or written by others \(mode 777; chmod 700 it\); compiled models are not cached$/m);
    for (const m of modules) expect(fs.readFileSync(m, "utf8"), "nothing written to the shared folder").toBe(payload(marker));
  }, SLOW);
});
