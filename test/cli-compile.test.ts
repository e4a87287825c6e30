/**
 * `nnspec compile`: which files it writes, --model, --js, --dtype, --runtime,
 * deterministic output, failures that write nothing; that `check` and
 * `summary` never load the code generator's heavy dependencies; and that
 * `summary --batch` reports the compiled module's memoryBytes.
 *
 * Each compile process loads ts-morph and prettier (seconds of CPU), so the
 * runs that depend on the process (working folder, exit status, module
 * loading, plain node) are real processes, run a few at a time, and the
 * other argument checks call the CLI's main() in this process.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../dist/cli/main.js";
import { nnspecAsync, ROOT, type CliResult } from "./helpers/cli.js";
import { TMP, type GeneratedModule } from "./helpers/compile.js";
import { requireBuilt } from "./helpers/build.js";

// This file runs the built CLI (dist/): stop at once, with the file to rebuild, when it is older than its sources.
beforeAll(() => requireBuilt("cli"));

const DIR = join(TMP, `cli-compile-${process.pid}`);
rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** Two models: a classifier with the int arena (maxpool), batchnorm state and dropout; an MSE regressor. */
const TWO = `# two models
model alpha {
  input 2x6x6
  conv 3x3 x3 pad 1
  batchnorm
  relu
  maxpool 2
  flatten
  dropout 0.2
  fc 4
  loss softmax + l2 1e-4
}
model beta {
  input 5
  fc 4
  relu
  fc 2
  loss mse
}
`;
const SPEC = join(DIR, "two.nnspec");
writeFileSync(SPEC, TWO);

/** A fresh, not yet existing output folder. */
let outCount = 0;
function out(name: string): string {
  return join(DIR, `${name}-${++outCount}`);
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

async function importTs(file: string): Promise<GeneratedModule> {
  return (await import(file)) as GeneratedModule;
}

const runCli = nnspecAsync;

async function runMain(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const text = (chunk: unknown) => (typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString());
  const o = vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => ((stdout += text(chunk)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => ((stderr += text(chunk)), true));
  try {
    const status = await main(args);
    return { status, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Runs at most `limit` jobs at a time; results by key. */
async function runAll(jobs: Record<string, () => Promise<CliResult>>, limit: number): Promise<Record<string, CliResult>> {
  const entries = Object.entries(jobs);
  const results: Record<string, CliResult> = {};
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const [key, job] = entries[next++]!;
      results[key] = await job();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

// module.register hooks (they run on their own thread) append every module URL a CLI process resolves to a log file
const HOOKS = join(DIR, "hooks.mjs");
const REGISTER = join(DIR, "register.mjs");
writeFileSync(
  HOOKS,
  `import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + "\\n");
  return r;
}
`,
);
writeFileSync(REGISTER, `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url, { data: { log: process.env.NNSPEC_MODULE_LOG } });\n`);
const moduleLog = (name: string) => join(DIR, `modules-${name}.log`);
function traced(name: string, args: string[]): Promise<CliResult> {
  return runCli(args, { node: ["--import", REGISTER], env: { NNSPEC_MODULE_LOG: moduleLog(name) } });
}
function resolvedUrls(name: string): string[] {
  return existsSync(moduleLog(name)) ? readFileSync(moduleLog(name), "utf8").split("\n").filter(Boolean) : [];
}

/** Two folders at the same place relative to the spec (two levels below DIR), written from two working folders. */
const DET = [join(DIR, "det1", "out"), join(DIR, "det2", "out")];
const D = {
  all: DET[0]!, // every model, with --js
  cwd: out("cwd"),
  unknown: out("unknown"),
  f64: out("f64"),
  badDtype: out("baddtype"),
  runtime: out("runtime"),
  bad: out("bad"),
  missing: out("missing"),
  lenet: out("lenet"),
};
const RUNTIME = relative(D.runtime, join(ROOT, "dist", "runtime", "index.js"))
  .split("\\")
  .join("/");
const BAD_RUNTIMES = ['nnspec/runtime";process.exit(1);"', "x'y", "x`y"];
const A_FILE = join(DIR, "a-file");
const BAD = join(DIR, "bad.nnspec");
const LIGHT: [string, string[]][] = [
  ["check", ["check", "specs/lenet5.nnspec"]],
  ["check-json", ["check", "--format", "json", "specs/lenet5.nnspec", SPEC]],
  ["summary", ["summary", "specs/lenet5.nnspec"]],
  ["summary-batch", ["summary", "--batch", "32", "--format", "json", SPEC]],
];

let R: Record<string, CliResult> = {};

beforeAll(async () => {
  mkdirSync(D.cwd);
  mkdirSync(D.runtime);
  mkdirSync(join(DIR, "det2"), { recursive: true });
  writeFileSync(A_FILE, "keep me");
  writeFileSync(BAD, "model ok { input 4, fc 2, loss softmax }\nmodel broken {\n  input 4\n  conv 3x3 x2\n  loss softmax\n}\n");
  R = await runAll(
    {
      // the same spec from the repository root and from the output's parent, with paths relative to each
      all: () => runCli(["compile", relative(ROOT, SPEC), "--js", "-o", relative(ROOT, DET[0]!)], { cwd: ROOT }),
      det1: () => runCli(["compile", "../two.nnspec", "--js", "-o", "out"], { cwd: join(DIR, "det2") }),
      cwd: () => runCli(["compile", relative(D.cwd, SPEC), "--model", "beta"], { cwd: D.cwd }),
      // also the control of the module-loading test: compile does load ts-morph and prettier
      lenet: () => traced("compile", ["compile", "specs/lenet5.nnspec", "-o", D.lenet]),
      bad: () => runCli(["compile", BAD, "-o", D.bad]),
      missing: () => runCli(["compile", join(DIR, "nope.nnspec"), "-o", D.missing]),
      ...Object.fromEntries(LIGHT.map(([name, args]) => [`light-${name}`, () => traced(name, args)])),
    },
    3,
  );
  Object.assign(
    R,
    await runAll(
      {
        unknown: () => runMain(["compile", SPEC, "--model", "gamma", "-o", D.unknown]),
        f64: () => runMain(["compile", SPEC, "--dtype", "f64", "--model", "alpha", "-o", D.f64]),
        badDtype: () => runMain(["compile", SPEC, "--dtype", "f16", "-o", D.badDtype]),
        runtime: () => runMain(["compile", SPEC, "--model", "beta", "--runtime", RUNTIME, "--out", D.runtime]),
        ...Object.fromEntries(BAD_RUNTIMES.map((r, i) => [`badRuntime${i}`, () => runMain(["compile", SPEC, "--runtime", r, "-o", join(DIR, `badrt-${i}`)])])),
        aFile: () => runMain(["compile", SPEC, "-o", A_FILE]),
        aFileSub: () => runMain(["compile", SPEC, "-o", join(A_FILE, "sub")]),
      },
      1,
    ),
  );
}, 180_000);

describe("nnspec compile", () => {
  it("writes <model>.ts for every model by default, and only the chosen one with --model (into the current folder by default)", () => {
    expect(R.all!.stderr).toContain("alpha.ts");
    expect(R.all!.status).toBe(0);
    expect(R.all!.stdout).toBe("");
    expect(
      readdirSync(D.all)
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
        .sort(),
    ).toEqual(["alpha.ts", "beta.ts"]);
    expect(R.cwd!.status).toBe(0);
    expect(readdirSync(D.cwd)).toEqual(["beta.ts"]);
    const beta = readFileSync(join(D.cwd, "beta.ts"), "utf8");
    expect(beta).toContain("export function createModel(");
    expect(beta).toContain('name: "beta"');
  });

  it("an unknown --model exits 2 with one line naming it and the models there are, writing nothing", () => {
    const r = R.unknown!;
    expect(r.status).toBe(2);
    const line = oneLine(r.stderr);
    expect(line).toContain("gamma");
    expect(line).toContain("alpha");
    expect(line).toContain("beta");
    expect(existsSync(D.unknown) ? readdirSync(D.unknown) : []).toEqual([]);
  });

  it("--js writes .js and .d.ts that plain node imports and trains with", () => {
    expect(readdirSync(D.all).sort()).toEqual(["alpha.d.ts", "alpha.js", "alpha.ts", "beta.d.ts", "beta.js", "beta.ts"]);
    const dts = readFileSync(join(D.all, "alpha.d.ts"), "utf8");
    expect(dts).toMatch(/export declare function createModel\(/);
    expect(dts).toMatch(/export declare const info/);
    expect(dts).not.toMatch(/mem\.take|=>/); // declarations only
    const js = readFileSync(join(D.all, "alpha.js"), "utf8");
    expect(js).not.toMatch(/: Float32Array|as const|interface Model/); // no TypeScript left
    const script = join(DIR, "use.mjs");
    writeFileSync(
      script,
      `import { createModel, info } from "./det1/out/alpha.js";
import * as beta from "./det1/out/beta.js";
import { SGD } from "nnspec/runtime";
const m = createModel({ batchSize: 2, seed: 1 });
const x = Float32Array.from({ length: 2 * 72 }, (_, i) => Math.sin(i));
const y = m.forward(x);
const first = m.trainStep(x, [1, 3], new SGD({ lr: 0.05 }));
let last = first;
for (let i = 0; i < 10; i++) last = m.trainStep(x, [1, 3], new SGD({ lr: 0.05 }));
const b = beta.createModel({ batchSize: 1 });
console.log(JSON.stringify({ name: info.name, rows: y.length, type: y.constructor.name, learns: last < first, beta: b.predict([1, 2, 3, 4, 5]).length }));
`,
    );
    const run = spawnSync(process.execPath, [script], { cwd: DIR, encoding: "utf8", timeout: 30_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ name: "alpha", rows: 8, type: "Float32Array", learns: true, beta: 2 });
  });

  it("--dtype f64 gives Float64Array arithmetic; another dtype exits 2", async () => {
    expect(R.f64!.status).toBe(0);
    const code = readFileSync(join(D.f64, "alpha.ts"), "utf8");
    expect(code).toContain("rt.createEngine(\n    Float64Array");
    expect(code).not.toContain("Float32Array");
    const mod = await importTs(join(D.f64, "alpha.ts"));
    const m = mod.createModel({ batchSize: 2, seed: 1 });
    expect(mod.info).toMatchObject({ dtype: "f64" });
    expect(m.kernels).toBe("js"); // the WebAssembly kernels are float32
    expect(() => mod.createModel({ kernels: "wasm" })).toThrow(/float32.*kernels: "js"/);
    for (const p of Object.values(m.params)) expect(p).toBeInstanceOf(Float64Array);
    for (const b of Object.values(m.buffers)) expect(b).toBeInstanceOf(Float64Array);
    expect(m.forward(new Float64Array(72).fill(0.25))).toBeInstanceOf(Float64Array);
    // f32 by default
    expect(readFileSync(join(D.all, "alpha.ts"), "utf8")).not.toContain("Float64Array");
    expect(R.badDtype!.status).toBe(2);
    expect(oneLine(R.badDtype!.stderr)).toContain("dtype");
    expect(existsSync(D.badDtype)).toBe(false);
  });

  it("--runtime changes the import specifier; one with quotes exits 2 and writes nothing", async () => {
    expect(R.runtime!.status).toBe(0);
    const code = readFileSync(join(D.runtime, "beta.ts"), "utf8");
    expect(code).toContain(`import * as rt from "${RUNTIME}";`);
    expect(code).not.toContain("nnspec/runtime");
    const m = (await importTs(join(D.runtime, "beta.ts"))).createModel({ batchSize: 1 });
    expect(m.forward([1, 2, 3, 4, 5]).length).toBe(2);
    BAD_RUNTIMES.forEach((bad, i) => {
      const r = R[`badRuntime${i}`]!;
      expect(r.status, bad).toBe(2);
      expect(oneLine(r.stderr)).toContain("--runtime");
      expect(existsSync(join(DIR, `badrt-${i}`))).toBe(false);
    });
  });

  it("output is deterministic: from two working folders into the same place relative to the spec → byte-identical", () => {
    const read = (dir: string) =>
      Object.fromEntries(
        readdirSync(dir)
          .sort()
          .map((f) => [f, readFileSync(join(dir, f))]),
      );
    for (const k of ["all", "det1"]) expect(R[k]!.status, R[k]!.stderr).toBe(0);
    const first = read(DET[0]!);
    expect(Object.keys(first)).toEqual(["alpha.d.ts", "alpha.js", "alpha.ts", "beta.d.ts", "beta.js", "beta.ts"]);
    expect(read(DET[1]!)).toEqual(first);
    // nothing machine-specific in the text; the banner names the spec relative to the output
    for (const text of Object.values(first)) expect(text.toString("utf8")).not.toContain(ROOT);
    expect(first["alpha.ts"]!.toString("utf8")).toContain("../../two.nnspec");
  });

  it("compiling again over the same output (with absolute paths, from another folder) gives the same bytes", async () => {
    const dir = DET[1]!;
    const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
    const again = await runMain(["compile", SPEC, "--js", "-o", dir]);
    expect(again.status).toBe(0);
    expect(Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]))).toEqual(before);
  });

  it("a spec with errors exits 1 with the diagnostics and writes nothing, even for its valid models", () => {
    const r = R.bad!;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error/i);
    expect(r.stderr).toContain("bad.nnspec:4");
    expect(r.stderr).not.toContain("wrote");
    expect(existsSync(D.bad)).toBe(false);
  });

  it("a missing spec file exits 2 with one line", () => {
    const r = R.missing!;
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/nope\.nnspec.*no such file/);
    expect(r.stdout).toBe("");
    expect(existsSync(D.missing)).toBe(false);
  });

  it("an output path that is a file (or below one) exits 2 with one line and leaves the file alone", () => {
    for (const r of [R.aFile!, R.aFileSub!]) {
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toContain("a-file");
    }
    expect(readFileSync(A_FILE, "utf8")).toBe("keep me");
  });
});

describe("check and summary stay light", () => {
  const heavy = (urls: string[]) => urls.filter((u) => /ts-morph|prettier|[/\\]typescript[/\\]|[/\\]emit[/\\]index\.js|cli[/\\]compile\.js/.test(u));

  it("check and summary (with --batch) resolve no ts-morph, prettier or typescript module", () => {
    for (const [name] of LIGHT) {
      const r = R[`light-${name}`]!;
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      const urls = resolvedUrls(name);
      // the hook saw the CLI and the front end, so an empty list below means something
      expect(
        urls.some((u) => u.endsWith("/dist/cli/main.js")),
        name,
      ).toBe(true);
      expect(
        urls.some((u) => u.includes("chevrotain")),
        name,
      ).toBe(true);
      expect(heavy(urls), name).toEqual([]);
    }
  });

  it("(control) compile resolves them, so the method can see them", () => {
    expect(R.lenet!.status).toBe(0);
    const urls = resolvedUrls("compile");
    expect(urls.some((u) => u.includes("ts-morph"))).toBe(true);
    expect(urls.some((u) => u.includes("prettier"))).toBe(true);
  });
});

describe("summary --batch", () => {
  it("planBytes equals createModel({ batchSize }).memoryBytes of the compiled module", async () => {
    expect(R.lenet!.status).toBe(0);
    const cases: [string, string, number][] = [
      ["specs/lenet5.nnspec", D.lenet, 32],
      ["specs/lenet5.nnspec", D.lenet, 3],
      [SPEC, D.all, 32],
      [SPEC, D.all, 7],
    ];
    const results = await Promise.all(cases.map(([spec, , batch]) => runCli(["summary", "--batch", String(batch), "--format", "json", spec])));
    for (const [i, [spec, dir, batch]] of cases.entries()) {
      const r = results[i]!;
      expect(r.status, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { models: { name: string; batch: number; planBytes: number }[] };
      expect(doc.models.map((m) => m.name)).toEqual(spec === SPEC ? ["alpha", "beta"] : ["lenet5"]);
      for (const s of doc.models) {
        expect(s.batch).toBe(batch);
        const mod = await importTs(join(dir, `${s.name}.ts`));
        expect(s.planBytes, `${s.name} at batch ${batch}`).toBe(mod.createModel({ batchSize: batch }).memoryBytes);
      }
    }
  });

  it("--batch must be a whole number ≥ 1 (exit 2)", async () => {
    const bad = ["0", "1.5", "x", "--batch=-1"];
    const results = await Promise.all(bad.map((b) => runCli(["summary", ...(b.startsWith("--") ? [b] : ["--batch", b]), "specs/lenet5.nnspec"])));
    results.forEach((r, i) => {
      expect(r.status, bad[i]).toBe(2);
      expect(oneLine(r.stderr)).toContain("--batch");
    });
  });
});
