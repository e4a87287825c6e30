// Pooling, fc and batchnorm writing their output (and reading their output gradient) as a slice of a larger
// tensor, as a concat's branch ending in them does (pool2dParams' outStride and gradStride, fcForward's ys and
// fcBackward's dys, BatchNormLayer's outStride and gradStride, channelAffine's yStride): the same values as packed,
// bit for bit, and nothing outside the slice touched; TypeScript, and the wasm kernel set on 1–3 threads with
// sizes its thread split applies to (conv: conv-slices.test.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { batchNormBackwardLayer, batchNormForward, jsKernels, pool2dParams, Rng, ACT_NONE, ACT_RELU, type BatchNormLayer, type Kernels, type PoolSpec } from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";
import { fillUniform } from "./helpers.js";

beforeAll(ensureWasmBuilt);

const { engine } = wasmEngines({ floats: 4_000_000, ints: 40_000, scratch: 1, convParams: 1 });

const SENTINEL = 12345;
/** Values before the slice, and between one example's slice and the next. */
const AT = 5;
const GAP = 11;

interface Arena {
  floats(n: number): Float32Array;
  ints(n: number): Int32Array;
}

/**
 * A layer under test: `forward` writes y with examples `ys` apart, `backward`
 * reads dy with examples `dys` apart and returns what it wrote (copied).
 */
interface SliceCase {
  B: number;
  /** One example's output. */
  count: number;
  forward(k: Kernels, y: Float32Array, ys: number): void;
  backward(k: Kernels, dy: Float32Array, dys: number): Float32Array[];
}

/** a and b hold the same values, bit for bit (a loop: toEqual on arrays of 10⁵ values takes seconds). */
function expectSame(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, what).toBe(b.length);
  let i = 0;
  while (i < a.length && Object.is(a[i], b[i])) i++;
  expect(i === a.length ? "same" : `${what}: differs at ${i} (${a[i]} vs ${b[i]})`).toBe("same");
}

/** Runs c packed, then into / out of a slice (examples count + GAP apart, from AT on), and compares. */
function compare(k: Kernels, a: Arena, c: SliceCase, seed: number): void {
  const { B, count } = c;
  const stride = count + GAP;
  const rng = new Rng(seed);
  const y = a.floats(B * count);
  c.forward(k, y, count);
  const big = a.floats(B * stride + AT).fill(SENTINEL);
  const view = big.subarray(AT);
  c.forward(k, view, stride);
  for (let b = 0; b < B; b++) {
    expectSame(view.subarray(b * stride, b * stride + count), y.subarray(b * count, (b + 1) * count), `y, example ${b}`);
    expect(view.subarray(b * stride + count, (b + 1) * stride).every((v) => v === SENTINEL)).toBe(true);
  }
  expect(big.subarray(0, AT).every((v) => v === SENTINEL)).toBe(true);

  const dy = fillUniform(rng, a.floats(B * count));
  const ref = c.backward(k, dy, count);
  const dyBig = a.floats(B * stride + AT).fill(SENTINEL);
  const dyView = dyBig.subarray(AT);
  for (let b = 0; b < B; b++) dyView.set(dy.subarray(b * count, (b + 1) * count), b * stride);
  c.backward(k, dyView, stride).forEach((g, i) => expectSame(g, ref[i]!, `gradient ${i}`));
}

/** Max and average pooling over 2x16x46x46 (large enough to split by planes), with the given window. */
function pooling(a: Arena, window: Pick<PoolSpec, "kernel" | "stride" | "pad" | "ceil">, rng: Rng): SliceCase[] {
  const spec: PoolSpec = { batch: 2, channels: 16, height: 46, width: 46, ...window };
  const packed = pool2dParams(spec);
  const { B, C, OH, OW } = packed;
  const count = C * OH * OW;
  const x = fillUniform(rng, a.floats(B * C * 46 * 46));
  const argmax = a.ints(B * count);
  const dx = a.floats(x.length);
  const p = (ys: number, dys: number) => pool2dParams({ ...spec, outStride: ys, gradStride: dys });
  return [
    {
      B,
      count,
      forward: (k, y, ys) => k.maxPoolForward(x, y, argmax, p(ys, count)),
      backward: (k, dy, dys) => (k.maxPoolBackward(dy, argmax, dx, p(count, dys)), [dx.slice()]),
    },
    {
      B,
      count,
      forward: (k, y, ys) => k.avgPoolForward(x, y, p(ys, count)),
      backward: (k, dy, dys) => (k.avgPoolBackward(dy, dx, p(count, dys)), [dx.slice()]),
    },
  ];
}

/** fc 200 → N over a batch of 8 (N of about 1400: enough multiply-adds to split), with and without bias and relu. */
function fc(a: Arena, N: number, bias: boolean, act: number, rng: Rng): SliceCase {
  const [B, M] = [8, 200];
  const x = fillUniform(rng, a.floats(B * M));
  const w = fillUniform(rng, a.floats(N * M));
  const b = bias ? fillUniform(rng, a.floats(N)) : null;
  const [dx, dw, db] = [a.floats(B * M), a.floats(N * M), bias ? a.floats(N) : null];
  return {
    B,
    count: N,
    forward: (k, y, ys) => k.fcForward(x, w, b, y, B, M, N, act, ys),
    backward: (k, dy, dys) => (k.fcBackward(x, w, dy, dx, dw, db, B, M, N, dys), [dx.slice(), dw.slice(), ...(db ? [db.slice()] : [])]),
  };
}

/** Batchnorm over 2x16x2300 (enough for channelAffine to split), in training (batch statistics) or at inference (channelAffine). */
function batchnorm(a: Arena, training: boolean, rng: Rng): SliceCase {
  const [B, C, HW] = [2, 16, 2300];
  const x = fillUniform(rng, a.floats(B * C * HW));
  const dx = a.floats(x.length);
  const vec = () => fillUniform(rng, a.floats(C));
  const runningVar = vec().map(Math.abs);
  const l: BatchNormLayer = { gamma: vec(), beta: vec(), runningMean: vec(), runningVar, mean: a.floats(C), invstd: a.floats(C), dgamma: a.floats(C), dbeta: a.floats(C), C, HW };
  // A training forward updates the running statistics: each run starts from the same ones.
  const running = [[...l.runningMean], [...l.runningVar]] as const;
  return {
    B,
    count: C * HW,
    forward(k, y, ys) {
      l.runningMean.set(running[0]);
      l.runningVar.set(running[1]);
      batchNormForward(x, y, { ...l, outStride: ys }, B, training, k);
    },
    backward: (_k, dy, dys) => (batchNormBackwardLayer(x, dy, dx, { ...l, gradStride: dys }, B, training), [dx.slice(), l.dgamma.slice(), l.dbeta.slice()]),
  };
}

function cases(a: Arena, seed: number): [string, SliceCase][] {
  const rng = new Rng(seed);
  return [
    ...pooling(a, { kernel: [2, 2], stride: [2, 2], pad: [0, 0] }, rng).map((c, i): [string, SliceCase] => [`${["max", "avg"][i]}pool 2 (the SIMD 2x2 path)`, c]),
    ...pooling(a, { kernel: [3, 3], stride: [2, 2], pad: [1, 1], ceil: true }, rng).map((c, i): [string, SliceCase] => [`${["max", "avg"][i]}pool 3 stride 2 pad 1 ceil`, c]),
    ["fc with bias", fc(a, 1400, true, ACT_NONE, rng)],
    ["fc nobias, relu", fc(a, 1399, false, ACT_RELU, rng)],
    ["batchnorm, training", batchnorm(a, true, rng)],
    ["batchnorm, inference", batchnorm(a, false, rng)],
  ];
}

describe("pooling, fc and batchnorm writing and reading slices (a concat's branch ending in them)", () => {
  it("pool2dParams rejects a stride shorter than one example's output", () => {
    const spec: PoolSpec = { batch: 1, channels: 2, height: 4, width: 4, kernel: [2, 2] };
    expect(() => pool2dParams({ ...spec, outStride: 7 })).toThrow(/outStride 7 must be a whole number ≥ one example's output, 8/);
    expect(() => pool2dParams({ ...spec, gradStride: 8.5 })).toThrow(/gradStride 8.5/);
    expect(pool2dParams({ ...spec, outStride: 9 }).YS).toBe(9);
  });

  it("TypeScript", () => {
    const arena = { f: new Float32Array(4_000_000), i: new Int32Array(40_000), fp: 0, ip: 0 };
    const a: Arena = { floats: (n) => arena.f.subarray(arena.fp, (arena.fp += n)), ints: (n) => arena.i.subarray(arena.ip, (arena.ip += n)) };
    for (const [name, c] of cases(a, 1)) compare(jsKernels, a, c, name.length);
  });

  for (const threads of [1, 2, 3])
    it(`WebAssembly, ${threads} thread(s)`, () => {
      const e = engine(threads);
      const a: Arena = { floats: (n) => e.floats.take(n), ints: (n) => e.ints.take(n) };
      for (const [name, c] of cases(a, threads)) compare(e.kernels, a, c, name.length);
    });
});
