/**
 * Nothing from a spec can inject code into a generated module: model, layer
 * and block names that are JavaScript keywords, special property names or the
 * generator's own locals, and comments (or a spec file name) full of hostile
 * text all give a module that type-checks strictly, runs, and carries none of
 * the hostile text.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/index.js";
import { SGD } from "../../runtime/index.js";
import { ROOT } from "../helpers/cli.js";
import { compileToSource, TMP, type GeneratedModel, type GeneratedModule } from "../helpers/compile.js";
import { tscArgs } from "../helpers/typecheck.js";
import { ACCEPTANCE, acceptanceSpec } from "../helpers/acceptance.js";

const DIR = join(TMP, `injection-${process.pid}`);
mkdirSync(DIR, { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** Strings that must never reach the generated text. */
const HOSTILE = ["*/ evil", "${process.exit(1)}", "`backtick`", "\u2028", "\u2029", "</script>", '");process.exit(1);//', "'+process.exit(1)+'"];
const H = HOSTILE.join(" ");

const SPEC = `# ${H}
#${HOSTILE[0]}
block eval(process, Math) {   # ${H}
  fc process   # ${HOSTILE[6]}
  relu
}
# ${HOSTILE[3]} model notamodel { input 3 }
block constructor(__proto__) { fc __proto__ }   # ${HOSTILE[1]}
block __proto__(toString) {
  fc toString
}
model class {   # ${H}
  input 2x5x5   # ${HOSTILE[2]}
  conv1: conv 3x3 x2 pad 1       # ${HOSTILE[6]}
  dconv1: conv 3x3 x2 pad 1
  prototype: batchnorm           # ${HOSTILE[4]}
  Math: relu
  flatten
  delete: fc 6
  constructor: relu
  __proto__: fc 6
  toString: tanh
  hasOwnProperty: fc 6
  rt: relu
  input_: fc 6
  n: sigmoid
  forward: fc 6
  params: elu
  eval: dropout 0.1
  eval(6, 1)
  constructor(6)
  valueOf: residual {            # ${H}
    __defineGetter__: fc 6
    require: relu
  } shortcut {
    import: fc 6
  }
  __proto__(6)
  process: fc 3
  loss softmax + l2 1e-4 # ${HOSTILE[5]}
}
`;

const EXPECTED_PARAMS = [
  "conv1.weight",
  "conv1.bias",
  "dconv1.weight",
  "dconv1.bias",
  "prototype.gamma",
  "prototype.beta",
  "delete.weight",
  "delete.bias",
  "__proto__.weight",
  "__proto__.bias",
  "hasOwnProperty.weight",
  "hasOwnProperty.bias",
  "input_.weight",
  "input_.bias",
  "forward.weight",
  "forward.bias",
  "eval1.fc1.weight",
  "eval1.fc1.bias",
  "constructor1.fc1.weight",
  "constructor1.fc1.bias",
  "valueOf.__defineGetter__.weight",
  "valueOf.__defineGetter__.bias",
  "valueOf.shortcut.import.weight",
  "valueOf.shortcut.import.bias",
  "__proto__1.fc1.weight",
  "__proto__1.fc1.bias",
  "process.weight",
  "process.bias",
];

/** tsc over generated files as strict projects run it (helpers/typecheck.ts); resolves with its exit status and output. */
function tsc(files: string[]): Promise<{ status: number | null; output: string }> {
  const args = tscArgs(files);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, output }));
  });
}

/**
 * Every generated file of this suite is written first and type-checked by one
 * tsc run (one run takes seconds); each test then looks at its own files' errors.
 */
const files = new Map<string, string>(); // key → absolute path
let tscRun: { status: number | null; output: string } | undefined;

function write(key: string, code: string): string {
  const file = join(DIR, `${key}.ts`);
  writeFileSync(file, code);
  files.set(key, file);
  return file;
}

/** tsc's error lines for one file (none when it type-checks). */
function tscErrors(key: string): string[] {
  if (!tscRun) throw new Error("tsc did not run");
  const rel = relative(ROOT, files.get(key)!).split("\\").join("/");
  const lines = tscRun.output.split("\n").filter((l) => l.trim());
  return lines.filter((l) => l.startsWith(rel) || !l.includes(".ts("));
}

async function importFile(key: string): Promise<GeneratedModule> {
  return (await import(files.get(key)!)) as GeneratedModule;
}

function expectClean(code: string): void {
  for (const h of HOSTILE) expect(code.includes(h), `generated code contains ${JSON.stringify(h)}`).toBe(false);
  // every block comment in the output is one the generator opened itself
  expect(code.split("*/").length).toBe(code.split("/*").length);
  expect(code).not.toMatch(/[\u2028\u2029\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  expect(code).not.toContain("process.exit");
}

/** forward, loss, backward and a training step; every gradient is written. */
function exercise(m: GeneratedModel, inputSize: number, classes: number): void {
  const n = 3;
  const x = Float32Array.from({ length: n * inputSize }, (_, i) => Math.sin(i * 0.37));
  const y = Array.from({ length: n }, (_, i) => i % classes);
  expect(m.forward(x, { training: true }).length).toBe(n * classes);
  expect(Number.isFinite(m.loss(y))).toBe(true);
  m.backward();
  for (const [k, g] of Object.entries(m.grads))
    expect(
      g.some((v) => v !== 0),
      `gradient of ${k}`,
    ).toBe(true);
  const p = m.predict(x);
  for (let i = 0; i < n; i++) expect(Array.from(p.subarray(i * classes, (i + 1) * classes)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  expect(Number.isFinite(m.trainStep(x, y, new SGD({ lr: 0.01 })))).toBe(true);
}

const COLLISIONS: Record<string, string> = {
  paramId: "model m1 { input 4, a: fc 3, a_weight: relu, a_bias: tanh, fc 2, loss softmax }",
  gradId: "model m2 { input 4, conv1: fc 3, dconv1_weight: relu, dconv1_bias: tanh, fc 2, loss softmax }",
  stateId: "model m3 { input 4, bn: batchnorm, bn_mean: fc 3, bn_var: relu, bn_gamma: tanh, fc 2, loss softmax }",
  constants: "model m4 { input 1x4x4, c: conv 3x3 x2, c_geom: relu, p: maxpool 2, p_argmax: relu, p_geom: relu, flatten, fc 2, loss softmax }",
  blockIds: "block b(w) { fc w }\nmodel m5 { input 4, b(3), b1_fc1_weight: relu, db1_fc1_bias: relu, fc 2, loss softmax }",
  locals:
    "model m6 { input 4, mem: fc 3, state: relu, scratch: tanh, probs: fc 3, value: relu, training: relu, lossReady: relu, x: relu, target: relu, optimizer: relu, TRAIN: relu, decayed: relu, outputViews: relu, info: relu, createModel: relu, count: relu, dinput: relu, undefined: relu, NaN: relu, arguments: relu, let: relu, yield: relu, await: relu, static: relu, globalThis: relu, Float32Array: relu, Object: relu, fc 2, loss softmax + l2 0.01 }",
};

const HOSTILE_FILE_NAME = "evil */ ${process.exit(1)} `backtick` \u2028 \u2029 </script> \");process.exit(1);// '+process.exit(1)+' /* x";
const RESERVED = join(ACCEPTANCE, "valid", "reserved_names.nnspec");

beforeAll(async () => {
  write("hostile", (await compileToSource(SPEC, { path: "hostile.nnspec" })).code);
  for (const [key, spec] of Object.entries(COLLISIONS)) write(key, (await compileToSource(spec, { path: `${key}.nnspec` })).code);
  if (existsSync(RESERVED)) write("reserved_names", (await compileToSource(readFileSync(RESERVED, "utf8"), { path: "reserved_names.nnspec" })).code);
  // a hostile spec file name, as the CLI passes it to the generator (relative to the output folder)
  write("tiny", (await compileToSource("model tiny { input 3, fc 2, loss softmax }\n", { path: `../${HOSTILE_FILE_NAME}.nnspec` })).code);
  tscRun = await tsc([...files.values()]);
}, 120_000);

describe("hostile names and comments", () => {
  it("compile to a module that type-checks strictly, runs, and contains none of the hostile text", async () => {
    // the comments stay comments: one model, no diagnostics (a \u2028 does not end a comment)
    const checked = checkSource("hostile.nnspec", SPEC);
    expect(checked.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(checked.models.map((m) => m.name)).toEqual(["class"]);
    expectClean(readFileSync(files.get("hostile")!, "utf8"));
    expect(tscErrors("hostile")).toEqual([]);

    const mod = await importFile("hostile");
    expect(mod.info.name).toBe("class");
    expect(mod.info.params.map((p) => p.name)).toEqual(EXPECTED_PARAMS);
    const m = mod.createModel({ batchSize: 4, seed: 1 });
    // plain own properties, no prototype tricks: __proto__.weight is a key like any other
    expect(Object.keys(m.params)).toEqual(EXPECTED_PARAMS);
    expect(Object.keys(m.grads)).toEqual(EXPECTED_PARAMS);
    expect(Object.keys(m.buffers)).toEqual(["prototype.mean", "prototype.var"]);
    for (const k of EXPECTED_PARAMS) {
      expect(Object.hasOwn(m.params, k)).toBe(true);
      expect(m.params[k]).toBeInstanceOf(Float32Array);
      expect(m.grads[k]).not.toBe(m.params[k]);
    }
    expect(Object.getPrototypeOf(m.params)).toBe(Object.prototype);
    expect(typeof m.params.toString).toBe("function");
    exercise(m, 50, 3);
    // error messages name the model as written
    expect(() => m.forward([1])).toThrow(/class\.forward/);
  });

  it("a hostile spec file name in the banner cannot inject code either", async () => {
    const code = readFileSync(files.get("tiny")!, "utf8");
    expect(code).not.toMatch(/[\u2028\u2029]/);
    // the name is shown, but only inside one-line `//` comments: outside them, no comment is opened or closed by it
    const outsideLineComments = code
      .split("\n")
      .filter((line) => !line.trimStart().startsWith("//"))
      .join("\n");
    expect(outsideLineComments.split("*/").length).toBe(outsideLineComments.split("/*").length);
    expect(outsideLineComments).not.toContain("process.exit");
    expect(code).toContain("process.exit"); // (it is there, in the banner)
    // and in the header of every section, forward and backward: each time inside one `//` line
    const naming = code.split("\n").filter((line) => line.includes("process.exit"));
    expect(naming.every((line) => line.trimStart().startsWith("//"))).toBe(true);
    expect(naming.filter((line) => line.trimStart().startsWith("// backward of fc1: fc 2 (")).length).toBe(1);
    expect(tscErrors("tiny")).toEqual([]);
    exercise((await importFile("tiny")).createModel({ batchSize: 3, seed: 2 }), 3, 2);
  });

  it("layer names that look like the generator's derived identifiers (LAYER_weight, dLAYER_weight, LAYER_mean, LAYER_geom) give valid code", async () => {
    const problems: string[] = [];
    for (const key of Object.keys(COLLISIONS)) {
      problems.push(...tscErrors(key));
      try {
        const mod = await importFile(key);
        const m = mod.createModel({ batchSize: 3, seed: 3 });
        expect(Object.keys(m.params)).toEqual(mod.info.params.map((p) => p.name));
        exercise(
          m,
          mod.info.inputShape.reduce((a, b) => a * b, 1),
          2,
        );
      } catch (e) {
        problems.push(`${key}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("acceptance: reserved_names.nnspec", () => {
  it("compiles, type-checks and trains a step", async () => {
    acceptanceSpec("valid", "reserved_names"); // a missing corpus fails here, saying where it looked
    expect(tscErrors("reserved_names")).toEqual([]);
    const mod = await importFile("reserved_names");
    const m = mod.createModel({ batchSize: 4, seed: 1 });
    const inputSize = mod.info.inputShape.reduce((a, b) => a * b, 1);
    const classes = mod.info.outputShape.reduce((a, b) => a * b, 1);
    expect(Object.keys(m.params)).toEqual(mod.info.params.map((p) => p.name));
    expect(mod.info.paramCount).toBe(Object.values(m.params).reduce((a, p) => a + p.length, 0));
    exercise(m, inputSize, classes);
  });
});
