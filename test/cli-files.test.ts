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

/**
 * A null character device to write to: as root, a private one made with mknod
 * (so a regression, which would replace the device with a regular file, never
 * touches the machine's /dev/null); otherwise /dev/null, which only root could replace.
 */
export function nullDevice(dir: string): string {
  if (process.getuid?.() !== 0) return "/dev/null";
  const path = join(dir, "null");
  execFileSync("mknod", ["-m", "666", path, "c", "1", "3"]);
  return path;
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

describe("outputs never overwrite inputs, each other, or files nnspec did not write", () => {
  it("train refuses --out/--metrics equal to the spec, a data file or each other (./x, symlinks and hard links included), before training", async () => {
    const dir = folder();
    const d = data(dir);
    fs.copyFileSync(SPEC, join(dir, "r.nnspec"));
    fs.symlinkSync("r.nnspec", join(dir, "spec-link.safetensors"));
    fs.writeFileSync(join(dir, "w.safetensors"), "");
    fs.linkSync(join(dir, "w.safetensors"), join(dir, "hard.json"));
    const before = new Map(["r.nnspec", "data/train_x.npy", "data/test_y.npy"].map((f) => [f, fs.readFileSync(join(dir, f))]));
    const train = (...rest: string[]) => run(["train", "r.nnspec", "--data", d, "--epochs", "1", "--quiet", ...rest], dir);
    const [spec, dataFile, viaDot, metricsOut, link, hard] = await Promise.all([
      train("--out", "r.nnspec"),
      train("--out", join(d, "train_x.npy")),
      train("--out", "w.safetensors", "--metrics", "./data/test_y.npy"),
      train("--out", "w.safetensors", "--metrics", "./w.safetensors"),
      train("--out", "spec-link.safetensors"),
      train("--out", "w.safetensors", "--metrics", "hard.json"),
    ]);
    expect(refused(spec)).toBe("nnspec: --out r.nnspec is the same file as the spec; refusing to overwrite an input");
    expect(refused(dataFile)).toMatch(/^nnspec: --out .*train_x\.npy is the same file as --data's train_x\.npy; refusing to overwrite an input$/);
    expect(refused(viaDot)).toMatch(/^nnspec: --metrics \.\/data\/test_y\.npy is the same file as --data's test_y\.npy/);
    expect(refused(metricsOut)).toBe("nnspec: --metrics ./w.safetensors is the same file as --out (w.safetensors); give each output its own file");
    expect(refused(link)).toBe("nnspec: --out spec-link.safetensors is the same file as the spec (r.nnspec); refusing to overwrite an input");
    expect(refused(hard)).toBe("nnspec: --metrics hard.json is the same file as --out (w.safetensors); give each output its own file");
    for (const [f, bytes] of before) expect(fs.readFileSync(join(dir, f)).equals(bytes), `${f} changed`).toBe(true);
    for (const r of [spec, dataFile, viaDot, metricsOut, link, hard]) expect(r.stdout, "nothing trained").toBe("");
  }, SLOW);

  it("export --onnx onto the spec or the weights, predict --output onto the weights or the input: refused, nothing written", async () => {
    const dir = folder();
    const w = await weights(dir);
    const x = join(dir, "data", "test_x.npy");
    const saved = fs.readFileSync(w);
    const spec = join(dir, "r.nnspec");
    fs.copyFileSync(SPEC, spec);
    const [onSpec, onWeights, predictOnWeights, predictOnInput] = await Promise.all([
      run(["export", spec, "--onnx", spec], dir),
      run(["export", SPEC, "--weights", "w.safetensors", "--onnx", "./w.safetensors"], dir),
      run(["predict", SPEC, "--weights", w, "--input", x, "--output", "w.safetensors"], dir),
      run(["predict", SPEC, "--weights", w, "--input", x, "--output", x], dir),
    ]);
    expect(refused(onSpec)).toMatch(/^nnspec: --onnx .*r\.nnspec is the same file as the spec; refusing to overwrite an input$/);
    expect(refused(onWeights)).toBe("nnspec: --onnx ./w.safetensors is the same file as --weights (w.safetensors); refusing to overwrite an input");
    expect(refused(predictOnWeights)).toMatch(/^nnspec: --output w\.safetensors is the same file as --weights/);
    expect(refused(predictOnInput)).toMatch(/^nnspec: --output .*test_x\.npy is the same file as --input; refusing to overwrite an input$/);
    expect(fs.readFileSync(w).equals(saved)).toBe(true);
    expect(fs.readFileSync(spec).equals(fs.readFileSync(SPEC))).toBe(true);
  }, SLOW);

  it("an existing file nnspec did not write is overwritten only with --force; nnspec's own files are overwritten", async () => {
    const dir = folder();
    const d = data(dir);
    for (const f of ["notes.safetensors", "notes.json", "notes.onnx", "notes.npy"]) fs.writeFileSync(join(dir, f), "my notes\n");
    const train = (...rest: string[]) => run(["train", SPEC, "--data", d, "--epochs", "1", "--quiet", ...rest], dir);
    const [out, metrics, onnx, npy] = await Promise.all([
      train("--out", "notes.safetensors"),
      train("--out", "a.safetensors", "--metrics", "notes.json"),
      run(["export", SPEC, "--onnx", "notes.onnx"], dir),
      run(["compile", SPEC, "-o", "."], dir).then(() => run(["predict", SPEC, "--weights", "a.safetensors", "--input", join(d, "test_x.npy"), "--output", "notes.npy"], dir)),
    ]);
    expect(refused(out)).toBe("nnspec: --out notes.safetensors exists and is not a safetensors file written by nnspec; refusing to overwrite it (pass --force to overwrite it anyway)");
    expect(refused(metrics)).toMatch(/^nnspec: --metrics notes\.json exists and is not a JSON metrics file written by nnspec; .*--force/);
    expect(refused(onnx)).toMatch(/^nnspec: --onnx notes\.onnx exists and is not an ONNX file written by nnspec; .*--force/);
    expect(refused(npy)).toMatch(/^nnspec: --output notes\.npy exists and is not a \.npy file; .*--force/);
    for (const f of ["notes.safetensors", "notes.json", "notes.onnx", "notes.npy"]) expect(fs.readFileSync(join(dir, f), "utf8")).toBe("my notes\n");
    // nnspec's own outputs are overwritten without --force; --force overwrites the others.
    const again = await Promise.all([
      train("--out", "b.safetensors", "--metrics", "b.json").then(() => train("--out", "b.safetensors", "--metrics", "b.json")),
      run(["export", SPEC, "--onnx", "m.onnx"], dir).then(() => run(["export", SPEC, "--onnx", "m.onnx"], dir)),
      run(["export", SPEC, "--onnx", "notes.onnx", "--force"], dir),
    ]);
    for (const r of again) expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(join(dir, "notes.onnx"))[0]).toBe(0x08);
  }, SLOW);

  it("--out DIR and an --out in a missing or unwritable place are refused before training, leaving nothing behind", async () => {
    const dir = folder();
    const d = data(dir);
    fs.mkdirSync(join(dir, "runs"));
    fs.writeFileSync(join(dir, "file"), "x");
    const train = (...rest: string[]) => run(["train", SPEC, "--data", d, "--epochs", "1", "--quiet", ...rest], dir);
    const [folderOut, underFile, metricsFolder] = await Promise.all([train("--out", "runs"), train("--out", "file/w.safetensors"), train("--out", "w.safetensors", "--metrics", "runs")]);
    expect(refused(folderOut)).toBe("nnspec: --out runs is a folder; give a file name, such as runs/model.safetensors");
    expect(refused(underFile)).toMatch(/^nnspec: --out file\/w\.safetensors cannot be written: .*file is not a folder$/);
    expect(refused(metricsFolder)).toBe("nnspec: --metrics runs is a folder; give a file name, such as runs/model.json");
    for (const r of [folderOut, underFile, metricsFolder]) expect(r.stdout, "nothing trained").toBe("");
    expect(fs.readdirSync(join(dir, "runs"))).toEqual([]);
    expect(fs.readdirSync(dir).sort()).toEqual(["data", "file", "runs"]);
  }, SLOW);

  it("compile -o FILE is one clear line (not EEXIST); compile refuses to overwrite a file it did not generate unless --force", async () => {
    const dir = folder();
    fs.writeFileSync(join(dir, "file"), "x");
    expect(refused(await run(["compile", SPEC, "-o", "file"], dir))).toBe("nnspec: -o file is a file, not a folder; compile writes one file per model into the folder -o names");
    fs.writeFileSync(join(dir, "regressor.ts"), "// my own code\n");
    expect(refused(await run(["compile", SPEC], dir))).toMatch(/^nnspec: -o .*regressor\.ts exists and is not a module generated by nnspec; .*--force/);
    expect(fs.readFileSync(join(dir, "regressor.ts"), "utf8")).toBe("// my own code\n");
    expect((await run(["compile", SPEC, "--force"], dir)).status).toBe(0);
    expect((await run(["compile", SPEC, "--js"], dir)).status, "its own files are regenerated").toBe(0);
  }, SLOW);

  it("--out /dev/null, --metrics /dev/null, --onnx /dev/null and --output /dev/null write into the device and leave it a device", async () => {
    const dir = folder();
    const w = await weights(dir);
    const dev = nullDevice(dir);
    const before = fs.statSync(dev);
    const runs = await Promise.all([
      run(["train", SPEC, "--data", join(dir, "data"), "--epochs", "1", "--quiet", "--out", dev, "--metrics", dev], dir),
      run(["export", SPEC, "--onnx", dev], dir),
      run(["predict", SPEC, "--weights", w, "--input", join(dir, "data", "test_x.npy"), "--output", dev], dir),
    ]);
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const after = fs.statSync(dev);
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.ino).toBe(before.ino);
    expect(fs.existsSync(`${dev}.optim.safetensors`)).toBe(false);
    expect(fs.existsSync(`${dev}.lock`)).toBe(false);
  }, SLOW);
});

describe("two runs, one --out", () => {
  it("the second run refuses while the first holds the lock; a lock left by a killed run does not block the next", async () => {
    const dir = folder();
    const d = data(dir);
    const lock = join(dir, "w.safetensors.lock");
    const args = ["train", SPEC, "--data", d, "--quiet", "--out", "w.safetensors"];
    // A long first run, holding the lock.
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: CACHE };
    const first = spawn(process.execPath, [BIN, ...args, "--epochs", "100000"], { cwd: dir, env, stdio: "ignore" });
    try {
      const t0 = Date.now();
      while (!fs.existsSync(lock) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
      expect(fs.readFileSync(lock, "utf8").split("\n")[0]).toBe(String(first.pid));
      const second = await run([...args, "--epochs", "1"], dir);
      expect(refused(second)).toBe(
        `nnspec: --out w.safetensors is in use by another nnspec run (pid ${first.pid}); wait for it to finish, or choose another --out (if no such run exists, remove w.safetensors.lock)`,
      );
    } finally {
      first.kill("SIGKILL");
      await new Promise((r) => first.once("close", r));
    }
    expect(fs.existsSync(lock), "SIGKILL leaves the lock behind").toBe(true);
    const third = await run([...args, "--epochs", "1"], dir);
    expect(third.status, third.stderr).toBe(0);
    expect(fs.existsSync(lock), "released at exit").toBe(false);
  }, SLOW);
});
