/**
 * The contract of a generated model module: argument checks with clear
 * errors, failed training steps that change nothing, determinism, training
 * that learns, batchnorm running statistics, gradients that are overwritten,
 * and a memory plan linear in the batch size.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Adam, DivergenceError, Momentum, OptionError, SGD } from "../../runtime/index.js";
import { loadSpec, type GeneratedModel, type GeneratedModule } from "../helpers/compile.js";

/** Softmax classifier with every stateful part: conv, batchnorm, residual, maxpool, dropout, L2. */
const CLS = `model net {
  input 2x6x6
  conv 3x3 x4 pad 1
  batchnorm
  relu
  residual {
    conv 3x3 x4 pad 1
    relu
  }
  maxpool 2
  flatten
  fc 8
  dropout 0.3
  relu
  fc 3
  loss softmax + l2 1e-3
}`;
/** The same without dropout and batchnorm, so a training forward is a plain function of the parameters. */
const PLAIN = "model plain { input 5, fc 8, relu, fc 6, relu, fc 3, loss softmax }";
/** MSE regressor with batchnorm. */
const REG = "model reg { input 4, fc 6, batchnorm, relu, fc 2, loss mse }";
/** Inference-only model (no loss) with batchnorm and dropout. */
const NOLOSS = "model inf { input 4, fc 5, batchnorm, relu, dropout 0.5, fc 3, softmax }";
/** Batchnorm directly on the input, so the batch statistics are those of x. */
const BN_VEC = "model bnv { input 3, bn: batchnorm, fc 2, loss mse }";
const BN_IMG = "model bni { input 2x3x3, bn: batchnorm, flatten, fc 2, loss mse }";

const IN = 72; // 2x6x6

let cls: GeneratedModule, plain: GeneratedModule, reg: GeneratedModule, noloss: GeneratedModule, bnVec: GeneratedModule, bnImg: GeneratedModule;

beforeAll(async () => {
  [cls, plain, reg, noloss, bnVec, bnImg] = await Promise.all([CLS, PLAIN, REG, NOLOSS, BN_VEC, BN_IMG].map((s) => loadSpec(s)));
});

/** Deterministic pseudo-random inputs in [-1, 1). */
function data(count: number, salt = 0): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => Math.sin(i * 12.9898 + salt * 78.233) * 0.999);
}

function bytes(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** Bit-exact copies of every parameter and running statistic. */
function snapshot(m: GeneratedModel): Map<string, Uint8Array> {
  const s = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(m.params)) s.set(`param ${k}`, bytes(v));
  for (const [k, v] of Object.entries(m.buffers)) s.set(`buffer ${k}`, bytes(v));
  return s;
}

/** Names of the tensors whose bits differ from the snapshot. */
function changed(m: GeneratedModel, before: Map<string, Uint8Array>): string[] {
  const now = snapshot(m);
  return [...before].filter(([k, v]) => Buffer.compare(Buffer.from(v), Buffer.from(now.get(k)!)) !== 0).map(([k]) => k);
}

/** Train a little so parameters and running statistics are not at their initial values. */
function warmUp(m: GeneratedModel, x: Float32Array, y: ArrayLike<number>): void {
  const opt = new SGD({ lr: 0.01 });
  for (let i = 0; i < 3; i++) m.trainStep(x, y, opt);
}

function expectThrow(f: () => unknown, type: typeof Error, ...parts: (string | RegExp)[]): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, "expected a throw").toBeInstanceOf(type);
  const message = (error as Error).message;
  for (const p of parts) {
    if (typeof p === "string") expect(message).toContain(p);
    else expect(message).toMatch(p);
  }
}

describe("argument checks", () => {
  it("rejects inputs of the wrong size, naming the expected and actual sizes", () => {
    const m = cls.createModel({ batchSize: 4, seed: 1 });
    expectThrow(() => m.forward(data(IN + 1)), RangeError, String(IN), String(IN + 1));
    expectThrow(() => m.forward(data(IN - 1)), RangeError, String(IN), String(IN - 1));
    expectThrow(() => m.forward(new Float32Array(0)), RangeError, String(IN), /\b0\b/);
    expectThrow(() => m.forward([]), RangeError, String(IN), /\b0\b/);
    expectThrow(() => m.predict(data(3)), RangeError, String(IN), /\b3\b/);
    expectThrow(() => m.trainStep(data(IN + 5), [0], new SGD({ lr: 0.1 })), RangeError, String(IN), String(IN + 5));
  });

  it("an input of the wrong size says what it would be as one image and which shape the model expects", () => {
    const m = cls.createModel({ batchSize: 4, seed: 1 });
    // 2x6x6 expected; 200 values = 2x10x10, 98 = 2x7x7; 99 is no image of 2 channels
    expectThrow(() => m.forward(data(200)), RangeError, "200 values per example = 2x10x10; the model expects 2x6x6");
    expectThrow(() => m.trainStep(data(98), [0], new SGD({ lr: 0.1 })), RangeError, "98 values per example = 2x7x7; the model expects 2x6x6");
    expectThrow(() => m.predict(data(99)), RangeError, "99 values per example; the model expects 2x6x6");
    const v = plain.createModel({ batchSize: 4, seed: 1 });
    expectThrow(() => v.forward(data(7)), RangeError, "7 values per example; the model expects 5");
  });

  it("rejects a batch larger than batchSize, naming both", () => {
    const m = cls.createModel({ batchSize: 4, seed: 1 });
    expectThrow(() => m.forward(data(5 * IN)), RangeError, /\b5\b/, /\b4\b/);
    expectThrow(() => m.predict(data(5 * IN)), RangeError, /\b5\b/, /\b4\b/);
    expectThrow(() => m.trainStep(data(5 * IN), [0, 1, 2, 0, 1], new SGD({ lr: 0.1 })), RangeError, /\b5\b/, /\b4\b/);
    expect(m.forward(data(4 * IN)).length).toBe(12); // exactly batchSize is fine
  });

  it("rejects inputs that are not arrays of numbers with a TypeError", () => {
    const m = cls.createModel({ batchSize: 2, seed: 1 });
    const bad: unknown[] = ["x".repeat(IN), { length: IN }, { 0: 1 }, null, undefined, 42, new DataView(new ArrayBuffer(IN * 4))];
    for (const x of bad) {
      expectThrow(() => m.forward(x as ArrayLike<number>), TypeError);
      expectThrow(() => m.predict(x as ArrayLike<number>), TypeError);
      expectThrow(() => m.trainStep(x as ArrayLike<number>, [0], new SGD({ lr: 0.1 })), TypeError);
    }
    expectThrow(() => m.forward("x".repeat(IN) as unknown as ArrayLike<number>), TypeError, "string");
    expectThrow(() => m.forward({ length: IN } as unknown as ArrayLike<number>), TypeError, /Object|object/);
  });

  it("rejects non-finite input values, naming the index and the value", () => {
    const m = cls.createModel({ batchSize: 2, seed: 1 });
    for (const v of [NaN, Infinity, -Infinity]) {
      const x = data(2 * IN);
      x[IN + 7] = v;
      expectThrow(() => m.forward(x), RangeError, String(IN + 7), String(v));
      expectThrow(() => m.predict(x), RangeError, String(IN + 7), String(v));
    }
    const arr = Array.from(data(IN));
    (arr as unknown[])[3] = "1";
    expectThrow(() => m.forward(arr), RangeError, /\b3\b/);
  });

  it("checks class labels: range, whole numbers, one per example", () => {
    const m = cls.createModel({ batchSize: 4, seed: 1 });
    m.forward(data(3 * IN));
    expectThrow(() => m.loss([0, 1, 3]), RangeError, /\b3\b/, /\b2\b/); // 3 classes: 0..2
    expectThrow(() => m.loss([0, -1, 2]), RangeError, "-1");
    expectThrow(() => m.loss([0, 1.5, 2]), RangeError, "1.5");
    expectThrow(() => m.loss([0, NaN, 2]), RangeError, "NaN");
    expectThrow(() => m.loss([0, 1]), RangeError, /\b3\b/, /\b2\b/);
    expectThrow(() => m.loss([0, 1, 2, 0]), RangeError, /\b3\b/, /\b4\b/);
    expectThrow(() => m.loss([]), RangeError, /\b3\b/, /\b0\b/);
    expectThrow(() => m.loss("012" as unknown as ArrayLike<number>), TypeError);
    expect(Number.isFinite(m.loss(new Int32Array([0, 1, 2])))).toBe(true);
    const opt = new SGD({ lr: 0.1 });
    expectThrow(() => m.trainStep(data(3 * IN), [0, 1, 3], opt), RangeError, /\b3\b/);
    expectThrow(() => m.trainStep(data(3 * IN), [0, 1], opt), RangeError, /\b3\b/, /\b2\b/);
    expectThrow(() => m.trainStep(data(3 * IN), [0, 0.5, 1], opt), RangeError, "0.5");
  });

  it("checks MSE targets: n × outputs finite numbers", () => {
    const m = reg.createModel({ batchSize: 4, seed: 1 });
    m.forward(data(3 * 4));
    expectThrow(() => m.loss(new Float32Array(5)), RangeError, /\b6\b/, /\b5\b/);
    expectThrow(() => m.loss(new Float32Array(7)), RangeError, /\b6\b/, /\b7\b/);
    expectThrow(() => m.loss([]), RangeError, /\b6\b/, /\b0\b/);
    expectThrow(() => m.loss([0, 0, NaN, 0, 0, 0]), RangeError, "NaN");
    expectThrow(() => m.loss({ length: 6 } as unknown as ArrayLike<number>), TypeError);
    expect(Number.isFinite(m.loss(new Float64Array(6)))).toBe(true);
    expectThrow(() => m.trainStep(data(3 * 4), new Float32Array(5), new SGD({ lr: 0.1 })), RangeError, /\b6\b/, /\b5\b/);
  });

  it("loss needs a forward, backward needs a loss of the current forward", () => {
    const m = cls.createModel({ batchSize: 2, seed: 1 });
    expectThrow(() => m.loss([0, 1]), Error, "forward");
    expectThrow(() => m.backward(), Error, "loss");
    m.forward(data(2 * IN), { training: true });
    expectThrow(() => m.backward(), Error, "loss");
    m.loss([0, 1]);
    m.backward();
    m.forward(data(2 * IN)); // a new forward makes the loss stale
    expectThrow(() => m.backward(), Error, "loss");
    const r = reg.createModel({ batchSize: 2, seed: 1 });
    expectThrow(() => r.loss([0, 0]), Error, "forward");
    expectThrow(() => r.backward(), Error, "loss");
  });

  it("a model without a loss cannot compute one, train, or backpropagate", () => {
    const m = noloss.createModel({ batchSize: 2, seed: 1 });
    const x = data(2 * 4);
    expectThrow(() => m.loss([0, 1]), Error, "loss");
    m.forward(x);
    expectThrow(() => m.loss([0, 1]), Error, "loss");
    expectThrow(() => m.backward(), Error);
    expectThrow(() => m.trainStep(x, [0, 1], new SGD({ lr: 0.1 })), Error, "loss");
    expect(m.predict(x).length).toBe(6);
  });

  it("a failed trainStep on a model without a loss leaves its running statistics as they were", () => {
    const m = noloss.createModel({ batchSize: 4, seed: 1 });
    const before = snapshot(m);
    expect(() => m.trainStep(data(4 * 4, 3), [0, 1, 2, 0], new SGD({ lr: 0.1 }))).toThrow();
    expect(changed(m, before)).toEqual([]);
  });

  it("rejects bad createModel options with a RangeError naming the value", () => {
    for (const mod of [cls, reg, noloss]) {
      for (const batchSize of [0, 1.5, -1, NaN, Infinity, 2 ** 31, 1e12]) expectThrow(() => mod.createModel({ batchSize }), RangeError, "batchSize", String(batchSize));
      expectThrow(() => mod.createModel({ batchSize: "4" as unknown as number }), RangeError, "batchSize");
      for (const seed of [-1, 1.5, NaN, 2 ** 32]) expectThrow(() => mod.createModel({ batchSize: 2, seed }), RangeError, "seed", String(seed));
      expectThrow(() => mod.createModel({ seed: "1" as unknown as number }), RangeError, "seed");
      const m = mod.createModel({ batchSize: 2, seed: 0xffffffff });
      expect(m.batchSize).toBe(2);
      expect(mod.createModel().batchSize).toBe(32);
      expectThrow(() => m.reseed(-1), RangeError, "seed", "-1");
    }
  });

  it("rejects options that are not an object, and unknown option names, with an OptionError naming them", () => {
    for (const mod of [cls, noloss]) {
      const name = mod.info.name;
      expectThrow(() => mod.createModel(null as never), OptionError, `${name}.createModel: options must be an object, got null`);
      expectThrow(() => mod.createModel(4 as never), OptionError, `${name}.createModel: options must be an object, got 4`);
      expectThrow(() => mod.createModel({ batchsize: 4 } as never), OptionError, `${name}.createModel: unknown option "batchsize"`, "did you mean batchSize?");
      expectThrow(() => mod.createModel({ batchSize: 2, kernels: "gpu" as never }), OptionError, `${name}.createModel: kernels must be`, '"gpu"');
      expectThrow(() => mod.createModel({ batchSize: 2, threads: 0 }), OptionError, `${name}.createModel: threads must be a whole number from 1 to 64, got 0`);
      expectThrow(() => mod.createModel({ batchSize: 0 }), OptionError, `${name}.createModel: batchSize must be a whole number from 1 to 65536, got 0`);
      expectThrow(() => mod.createModel({ batchSize: 2 }).reseed(NaN), OptionError, `${name}.reseed: seed must be a whole number from 0 to 2^32−1, got NaN`);
    }
  });

  it("trainStep rejects something that is not an optimizer, before changing anything", () => {
    const m = cls.createModel({ batchSize: 2, seed: 1 });
    const x = data(2 * IN);
    warmUp(m, x, [0, 1]);
    const before = snapshot(m);
    for (const opt of [null, undefined, {}, { step: 1 }, "sgd", () => undefined]) {
      expectThrow(() => m.trainStep(x, [0, 1], opt as unknown as SGD), TypeError, "optimizer");
    }
    expect(changed(m, before)).toEqual([]);
  });
});

describe("a failed trainStep changes nothing", () => {
  it("with bad labels, bad inputs or a bad batch size: parameters and running statistics are bit for bit the same", () => {
    const m = cls.createModel({ batchSize: 4, seed: 2 });
    const x = data(4 * IN, 1);
    warmUp(m, x, [0, 1, 2, 0]);
    expect(Object.keys(m.buffers).length).toBeGreaterThan(0);
    const before = snapshot(m);
    const opt = new Momentum({ lr: 0.1 });
    const bad = x.slice();
    bad[5] = NaN;
    const attempts: [string, () => unknown][] = [
      ["label out of range", () => m.trainStep(x, [0, 1, 2, 3], opt)],
      ["negative label", () => m.trainStep(x, [0, -1, 2, 1], opt)],
      ["fractional label", () => m.trainStep(x, [0, 1, 2, 0.25], opt)],
      ["too few labels", () => m.trainStep(x, [0, 1, 2], opt)],
      ["too many labels", () => m.trainStep(x, [0, 1, 2, 0, 1], opt)],
      ["NaN input", () => m.trainStep(bad, [0, 1, 2, 0], opt)],
      ["input not a multiple", () => m.trainStep(x.subarray(1), [0, 1, 2, 0], opt)],
    ];
    for (const [what, f] of attempts) {
      expect(f, what).toThrow();
      expect(changed(m, before), what).toEqual([]);
    }
    // and a good step afterwards does change them (so the comparison can fail)
    m.trainStep(x, [0, 1, 2, 0], opt);
    expect(changed(m, before).length).toBe(Object.keys(m.params).length + Object.keys(m.buffers).length);
  });

  it("with non-finite MSE targets: running statistics are bit for bit the same", () => {
    const m = reg.createModel({ batchSize: 4, seed: 2 });
    const x = data(4 * 4, 2);
    warmUp(m, x, new Float32Array(8).fill(0.5));
    const before = snapshot(m);
    const y = new Float32Array(8).fill(0.5);
    y[3] = NaN;
    expect(() => m.trainStep(x, y, new SGD({ lr: 0.1 }))).toThrow(RangeError);
    expect(changed(m, before)).toEqual([]);
  });

  it.each([
    ["a bias of Infinity", "fc2.bias", 0, Infinity],
    ["a weight of NaN", "fc2.weight", 5, NaN],
  ] as const)("when a poisoned parameter (%s) makes the loss non-finite: nothing moves, running statistics restored", (_, name, index, value) => {
    const m = cls.createModel({ batchSize: 4, seed: 3 });
    const x = data(4 * IN, 2);
    const y = [2, 1, 0, 1];
    warmUp(m, x, y);
    const p = m.params[name]!;
    const original = p[index]!;
    p[index] = value;
    // precondition: the training loss really is non-finite (this forward also moves the running statistics)
    m.forward(x, { training: true });
    expect(Number.isFinite(m.loss(y))).toBe(false);
    const before = snapshot(m);
    for (const opt of [new SGD({ lr: 0.1 }), new Adam({ lr: 0.01 })]) {
      // the training forward inside moves the running statistics again, so they must be restored
      expectThrow(() => m.trainStep(x, y, opt), DivergenceError, /NaN|Infinity/);
      expect(changed(m, before)).toEqual([]);
    }
    expect(Object.is(p[index], Math.fround(value))).toBe(true);
    // with the parameter restored the same step succeeds and changes everything (so the comparison can fail)
    p[index] = original;
    expect(Number.isFinite(m.trainStep(x, y, new SGD({ lr: 0.1 })))).toBe(true);
    expect(changed(m, before).length).toBe(Object.keys(m.params).length + Object.keys(m.buffers).length);
  });

  it("after a huge learning rate blows the parameters up, the next step throws and leaves them as they were", () => {
    for (const mod of [plain, cls]) {
      const m = mod.createModel({ batchSize: 4, seed: 4 });
      const perExample = mod.info.inputShape.reduce((a, b) => a * b, 1);
      const x = data(4 * perExample, 3);
      const y = [0, 1, 2, 1];
      const opt = new SGD({ lr: 1e25 });
      const first = m.trainStep(x, y, opt);
      expect(Number.isFinite(first)).toBe(true);
      // precondition: the parameters are still finite, so a further update would be visible
      for (const [k, p] of Object.entries(m.params)) expect(p.every(Number.isFinite), k).toBe(true);
      const before = snapshot(m);
      expectThrow(() => m.trainStep(x, y, opt), DivergenceError, /NaN|Infinity/);
      expect(changed(m, before)).toEqual([]);
    }
  });
});

describe("outputs and determinism", () => {
  it("predict gives probabilities summing to 1 per example; n < batchSize examples give n rows", () => {
    const m = cls.createModel({ batchSize: 8, seed: 5 });
    for (const n of [1, 3, 8]) {
      const x = data(n * IN, n);
      expect(m.forward(x).length).toBe(n * 3);
      expect(m.forward(x, { training: true }).length).toBe(n * 3);
      const p = m.predict(x);
      expect(p.length).toBe(n * 3);
      for (let i = 0; i < n; i++) {
        const row = Array.from(p.subarray(i * 3, i * 3 + 3));
        for (const v of row) expect(v >= 0 && v <= 1).toBe(true);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      }
    }
    const r = reg.createModel({ batchSize: 8, seed: 5 });
    expect(r.forward(data(5 * 4)).length).toBe(10);
    expect(r.predict(data(2 * 4)).length).toBe(4);
  });

  it("the same seed gives bit-identical parameters, another seed different ones", () => {
    for (const mod of [cls, reg, noloss]) {
      const a = mod.createModel({ batchSize: 2, seed: 11 });
      const b = mod.createModel({ batchSize: 3, seed: 11 });
      const c = mod.createModel({ batchSize: 2, seed: 12 });
      expect(changed(b, snapshot(a))).toEqual([]);
      // every randomly initialised tensor (weights; biases, gamma, beta start constant) differs
      const weights = Object.keys(a.params).filter((k) => k.endsWith(".weight"));
      expect(weights.length).toBeGreaterThan(0);
      const diff = changed(c, snapshot(a));
      for (const k of weights) expect(diff).toContain(`param ${k}`);
    }
  });

  it("reseed makes dropout masks repeat", () => {
    const m = cls.createModel({ batchSize: 4, seed: 6 });
    const x = data(4 * IN, 4);
    m.reseed(99);
    const a = m.forward(x, { training: true }).slice();
    const b = m.forward(x, { training: true }).slice();
    expect(Buffer.compare(Buffer.from(bytes(a)), Buffer.from(bytes(b)))).not.toBe(0); // dropout is active
    m.reseed(99);
    const c = m.forward(x, { training: true }).slice();
    expect(bytes(c)).toEqual(bytes(a));
    m.reseed(100);
    const d = m.forward(x, { training: true }).slice();
    expect(bytes(d)).not.toEqual(bytes(a));
    // a second model with the same seed draws the same masks after the same reseed
    const m2 = cls.createModel({ batchSize: 4, seed: 6 });
    m2.reseed(99);
    expect(bytes(m2.forward(x, { training: true }).slice())).toEqual(bytes(a));
  });

  it("inference is deterministic and independent of the batch it is in", () => {
    for (const [mod, size] of [
      [cls, IN],
      [noloss, 4],
      [reg, 4],
    ] as const) {
      const m = mod.createModel({ batchSize: 3, seed: 7 });
      const x = data(3 * size, 5);
      const labels = mod === cls ? [0, 1, 2] : mod === reg ? new Float32Array(6).fill(0.3) : null;
      if (labels)
        warmUp(m, x, labels); // non-trivial running statistics
      else for (let i = 0; i < 3; i++) m.forward(x, { training: true });
      const out = m.forward(x).slice();
      expect(bytes(m.forward(x).slice())).toEqual(bytes(out));
      expect(bytes(m.predict(x).slice())).toEqual(bytes(m.predict(x).slice()));
      const k = out.length / 3;
      for (let i = 0; i < 3; i++) {
        const alone = m.forward(x.subarray(i * size, (i + 1) * size));
        for (let j = 0; j < k; j++) expect(Math.abs(alone[j]! - out[i * k + j]!)).toBeLessThan(1e-6);
        // and in another batch composition
        const other = new Float32Array(3 * size);
        other.set(data(size, 40 + i), 0);
        other.set(x.subarray(i * size, (i + 1) * size), size);
        other.set(data(size, 50 + i), 2 * size);
        const mixed = m.forward(other);
        for (let j = 0; j < k; j++) expect(Math.abs(mixed[k + j]! - out[i * k + j]!)).toBeLessThan(1e-6);
      }
    }
  });
});

describe("training", () => {
  it.each([
    ["SGD", (plainModel: boolean) => new SGD({ lr: plainModel ? 0.3 : 0.05 })],
    ["Momentum", (_plain: boolean) => new Momentum({ lr: 0.02, momentum: 0.9 })],
    ["Adam", (_plain: boolean) => new Adam({ lr: 0.01 })],
  ])("trainStep decreases the loss on a fixed batch with %s", (_, make) => {
    for (const mod of [cls, plain]) {
      const m = mod.createModel({ batchSize: 8, seed: 8 });
      const perExample = mod.info.inputShape.reduce((a, b) => a * b, 1);
      const x = data(8 * perExample, 6);
      const y = [0, 1, 2, 0, 1, 2, 1, 0];
      const opt = make(mod === plain);
      const losses: number[] = [];
      for (let i = 0; i < 30; i++) losses.push(m.trainStep(x, y, opt));
      const tail = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
      expect(tail, `${mod.info.name}: ${losses.map((l) => l.toFixed(3)).join(" ")}`).toBeLessThan(0.6 * losses[0]!);
    }
    const r = reg.createModel({ batchSize: 8, seed: 8 });
    const x = data(8 * 4, 7);
    const y = Float32Array.from({ length: 16 }, (_, i) => Math.cos(i));
    const opt = make(false);
    const first = r.trainStep(x, y, opt);
    let last = first;
    for (let i = 0; i < 30; i++) last = r.trainStep(x, y, opt);
    expect(last).toBeLessThan(0.6 * first);
  });

  /** Per-channel batch mean and unbiased variance of x [B][C][HW]. */
  function batchStats(x: Float32Array, B: number, C: number, HW: number): { mean: number[]; varU: number[] } {
    const mean: number[] = [];
    const varU: number[] = [];
    for (let c = 0; c < C; c++) {
      const vals: number[] = [];
      for (let b = 0; b < B; b++) for (let i = 0; i < HW; i++) vals.push(x[b * C * HW + c * HW + i]!);
      const mu = vals.reduce((a, v) => a + v, 0) / vals.length;
      mean.push(mu);
      varU.push(vals.reduce((a, v) => a + (v - mu) ** 2, 0) / (vals.length - 1));
    }
    return { mean, varU };
  }

  it.each([
    ["on vectors", () => bnVec, 3, 1],
    ["on images (per channel)", () => bnImg, 2, 9],
  ])("batchnorm running mean and variance move toward the batch statistics with momentum 0.1 (%s)", (_, mod, C, HW) => {
    const B = 5;
    const m = mod().createModel({ batchSize: B, seed: 9 });
    const x = Float32Array.from({ length: B * C * HW }, (_, i) => 2 + 3 * Math.sin(i * 1.7) + (i % C));
    const { mean, varU } = batchStats(x, B, C, HW);
    const rm = m.buffers["bn.mean"]!;
    const rv = m.buffers["bn.var"]!;
    expect(Array.from(rm)).toEqual(new Array(C).fill(0));
    expect(Array.from(rv)).toEqual(new Array(C).fill(1));
    const y = new Float32Array(B * 2);
    const opt = new SGD({ lr: 0.01 });
    let prevGap = Infinity;
    for (let k = 1; k <= 30; k++) {
      m.trainStep(x, y, opt); // the batchnorm's input is x itself, whatever the parameters do
      const keep = 0.9 ** k;
      for (let c = 0; c < C; c++) {
        expect(rm[c]).toBeCloseTo((1 - keep) * mean[c]!, 4);
        expect(rv[c]).toBeCloseTo(keep * 1 + (1 - keep) * varU[c]!, 4);
      }
      const gap = mean.reduce((a, mu, c) => a + Math.abs(rm[c]! - mu) + Math.abs(rv[c]! - varU[c]!), 0);
      expect(gap).toBeLessThan(prevGap);
      prevGap = gap;
    }
    // inference forwards and predict never move them
    const before = snapshot(m);
    m.forward(x);
    m.predict(x);
    expect(changed(m, before)).toEqual([]);
  });
});

describe("gradients", () => {
  it("are overwritten, not accumulated: backward twice, or the same forward/loss/backward twice, gives the same grads", () => {
    for (const [mod, size, target] of [
      [cls, IN, [0, 2, 1]],
      [reg, 4, [0.1, -0.2, 0.3, 0.4, -0.5, 0.6]],
    ] as const) {
      for (const training of [true, false]) {
        const m = mod.createModel({ batchSize: 4, seed: 10 });
        const x = data(3 * size, 8);
        const run = () => {
          m.reseed(5);
          m.forward(x, { training });
          m.loss(target);
          m.backward();
          return new Map(Object.entries(m.grads).map(([k, g]) => [k, bytes(g)]));
        };
        const g1 = run();
        for (const [k, g] of g1)
          expect(
            new Float32Array(g.buffer).some((v) => v !== 0),
            `${k} is all zero`,
          ).toBe(true);
        m.backward();
        const again = new Map(Object.entries(m.grads).map(([k, g]) => [k, bytes(g)]));
        expect(again).toEqual(g1);
        expect(run()).toEqual(g1);
      }
    }
  });
});

describe("memory plan", () => {
  it("memoryBytes grows linearly with batchSize", () => {
    for (const mod of [cls, reg, noloss]) {
      const sizes = [1, 2, 3, 7, 64];
      const bytesAt = sizes.map((b) => mod.createModel({ batchSize: b }).memoryBytes);
      const slope = bytesAt[1]! - bytesAt[0]!;
      const fixed = bytesAt[0]! - slope;
      expect(slope).toBeGreaterThan(0);
      expect(fixed).toBeGreaterThan(0); // parameters at least
      sizes.forEach((b, i) => expect(bytesAt[i]).toBe(fixed + slope * b));
      // at least the parameters, their gradients and the input and its gradient
      const paramBytes = mod.info.paramCount * 4;
      expect(fixed).toBeGreaterThanOrEqual(2 * paramBytes);
      expect(slope).toBeGreaterThanOrEqual(2 * 4 * mod.info.inputShape.reduce((a, b) => a * b, 1));
    }
  });
});
