import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { encodeNpy, type NpyWritable } from "../../runtime/io/index.js";
import { Batches, DataError, loadMnist, loadNpyDir, subset, type Dataset } from "../../runtime/data.js";
import { OptionError } from "../../runtime/options.js";

function counts(y: Int32Array | Float32Array, k = 10): number[] {
  const c = new Array<number>(k).fill(0);
  for (const v of y) c[v]!++;
  return c;
}

function expectDataError(fn: () => unknown, ...patterns: (RegExp | string)[]): DataError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected a DataError").toBeInstanceOf(DataError);
  const msg = (caught as Error).message;
  for (const p of patterns) {
    if (typeof p === "string") expect(msg).toContain(p);
    else expect(msg).toMatch(p);
  }
  return caught as DataError;
}

// ------------------------------------------------------------------ MNIST

describe("loadMnist", () => {
  it("splits the 10,000 bundled digits into 8,000 / 2,000, stratified, pixels in [0, 1]", () => {
    const { train, test } = loadMnist();
    for (const [d, n] of [[train, 8000], [test, 2000]] as const) {
      expect(d.n).toBe(n);
      expect(d.kind).toBe("classes");
      expect(d.classes).toBe(10);
      expect(d.targetSize).toBe(1);
      expect(d.inputShape).toEqual([1, 28, 28]);
      expect(d.x).toBeInstanceOf(Float32Array);
      expect(d.y).toBeInstanceOf(Int32Array);
      expect(d.x.length).toBe(n * 784);
      expect(d.y.length).toBe(n);
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      for (const v of d.x) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        sum += v;
      }
      expect(lo).toBe(0);
      expect(hi).toBe(1);
      const mean = sum / d.x.length;
      expect(mean).toBeGreaterThan(0.05); // real digits, not blank images (MNIST mean ≈ 0.13)
      expect(mean).toBeLessThan(0.25);
      expect(Array.from(d.y).every((v) => Number.isInteger(v) && v >= 0 && v <= 9)).toBe(true);
    }
    const tr = counts(train.y);
    const te = counts(test.y);
    // Per-digit totals of the package: 1001 1127 991 1032 980 863 1014 1070 944 978.
    expect(tr.map((c, d) => c + te[d]!)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    for (let d = 0; d < 10; d++) {
      expect(te[d]).toBeGreaterThan(150);
      expect(Math.abs(tr[d]! / (tr[d]! + te[d]!) - 0.8)).toBeLessThan(0.002); // stratified 80/20
    }
  });

  it("is deterministic and cached: identical across calls", () => {
    const a = loadMnist();
    const b = loadMnist();
    expect(b).toBe(a);
    expect(b.train.x).toBe(a.train.x);
  });

  it("interleaves digits, so small prefixes contain every digit", () => {
    const { train, test } = loadMnist();
    for (const c of counts(subset(train, 100).y)) expect(c).toBeGreaterThanOrEqual(7);
    for (const c of counts(subset(test, 50).y)) expect(c).toBeGreaterThanOrEqual(3);
  });

  it("keeps train and test disjoint and takes each digit's first 80% for training, values exactly as JSON.parse reads them", () => {
    const { train, test } = loadMnist();
    const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits");
    for (const digit of [3, 7]) {
      const ref = Float32Array.from((JSON.parse(fs.readFileSync(path.join(dir, `${digit}.json`), "utf8")) as { data: number[] }).data);
      // Within a split the digit's samples keep the package's order: train gets 0..m-1, test m..end.
      const pick = (d: Dataset) => {
        const rows: Float32Array[] = [];
        d.y.forEach((v, i) => {
          if (v === digit) rows.push(d.x.subarray(i * 784, (i + 1) * 784));
        });
        return rows;
      };
      const got = [...pick(train), ...pick(test)];
      expect(got.length * 784).toBe(ref.length);
      const flat = new Float32Array(ref.length);
      got.forEach((row, k) => flat.set(row, k * 784));
      expect(Buffer.from(flat.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    }
    // No test image appears in the training set (compare cheap fingerprints).
    const key = (x: Float32Array, i: number) => {
      let h = 0;
      for (let j = 0; j < 784; j++) h = (h * 31 + Math.round(x[i * 784 + j]! * 1000)) % 1_000_000_007;
      return h;
    };
    const seen = new Set<number>();
    for (let i = 0; i < train.n; i++) seen.add(key(train.x, i));
    let dup = 0;
    for (let i = 0; i < test.n; i++) if (seen.has(key(test.x, i))) dup++;
    expect(dup).toBeLessThan(5); // the package has a handful of genuine near-duplicates at most
  });
});

describe("loadMnist({ dir }) on synthetic digit files", () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-mnist-"));
  });
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  let k = 0;
  /** Write 0.json … 9.json with `perDigit[d]` samples; pixel j of sample s of digit d is ((d*7 + s*3 + j) % 11) / 10 (clamped to 1). */
  function digitDir(perDigit: number[], format: (v: number) => string = (v) => String(v)): string {
    const dir = path.join(root, `m${k++}`);
    fs.mkdirSync(dir);
    perDigit.forEach((m, d) => {
      const vals: string[] = [];
      for (let s = 0; s < m; s++) for (let j = 0; j < 784; j++) vals.push(format(Math.min(1, ((d * 7 + s * 3 + j) % 11) / 10)));
      fs.writeFileSync(path.join(dir, `${d}.json`), `{ "data": [${vals.join(", ")}] }\n`);
    });
    return dir;
  }
  const pixel = (d: number, s: number, j: number) => Math.fround(Math.min(1, ((d * 7 + s * 3 + j) % 11) / 10));

  it("splits 80/20 per digit with largest-remainder rounding and interleaves the digits", () => {
    const dir = digitDir([5, 5, 5, 5, 5, 5, 5, 5, 5, 7]);
    const { train, test } = loadMnist({ dir });
    // 52 samples → round(41.6) = 42 train: floors 9·4 + 5 = 41, the extra one to digit 9 (remainder .65).
    expect(train.n).toBe(42);
    expect(test.n).toBe(10);
    expect(counts(train.y)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 6]);
    expect(counts(test.y)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    // Keys (2k+1)/2m: digit 9 (m = 6) at 1/12, the others (m = 4) at 1/8, then 9 at 3/12, the others at 3/8, ...
    expect(Array.from(train.y.subarray(0, 12))).toEqual([9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    expect(Array.from(test.y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Train rows of digit 2 are its samples 0..3 in order; its test row is sample 4.
    const rows = (d: Dataset, digit: number) => Array.from(d.y).flatMap((v, i) => (v === digit ? [i] : []));
    rows(train, 2).forEach((i, s) => {
      for (const j of [0, 1, 100, 783]) expect(train.x[i * 784 + j]).toBe(pixel(2, s, j));
    });
    for (const j of [0, 5, 783]) expect(test.x[2 * 784 + j]).toBe(pixel(2, 4, j));
    expect(loadMnist({ dir })).not.toBe(loadMnist({ dir })); // only the package data is cached
  });

  it("reads numbers the fast parser does not handle (exponents, long decimals) through JSON.parse, identically", () => {
    const plain = loadMnist({ dir: digitDir([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]) });
    const odd = loadMnist({ dir: digitDir([2, 2, 2, 2, 2, 2, 2, 2, 2, 2], (v) => (v === 0.5 ? "5e-1" : v === 0.3 ? "0.30000000000000000000001" : String(v))) });
    expect(Buffer.from(odd.train.x.buffer).equals(Buffer.from(plain.train.x.buffer))).toBe(true);
    expect(Buffer.from(odd.test.x.buffer).equals(Buffer.from(plain.test.x.buffer))).toBe(true);
  });

  it("names missing and malformed files", () => {
    const missing = digitDir([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    fs.rmSync(path.join(missing, "6.json"));
    const e = expectDataError(() => loadMnist({ dir: missing }), "digit 6 is missing", path.join(missing, "6.json"), "no such file");
    expect(e.file).toBe(path.join(missing, "6.json"));

    const bad = (text: string, ...patterns: string[]) => {
      const dir = digitDir([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
      fs.writeFileSync(path.join(dir, "4.json"), text);
      expectDataError(() => loadMnist({ dir }), path.join(dir, "4.json"), "malformed MNIST data", ...patterns);
    };
    bad('{"data": [0, 1,', "not valid JSON");
    bad('{"pixels": []}', 'expected an object {"data": [...]}');
    bad('{"data": [0.5, 0.5]}', "2 values is not a positive multiple of 784");
    bad('{"data": []}', "0 values");
    bad(`{"data": [${new Array(784 * 2).fill(0).map((_, i) => (i === 784 + 9 ? 1.5 : 0)).join(",")}]}`, "sample 1 pixel 9 is 1.5", "[0, 1]");
    bad(`{"data": [${new Array(784).fill(0).map((_, i) => (i === 3 ? '"x"' : 0)).join(",")}]}`, 'sample 0 pixel 3 is "x"');
  });
});

// ------------------------------------------------------------------ .npy directories

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-data-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

let dirCount = 0;
function npyDir(files: Record<string, NpyWritable | null>): string {
  const dir = path.join(tmp, `d${dirCount++}`);
  fs.mkdirSync(dir);
  for (const [name, arr] of Object.entries(files)) {
    if (arr) fs.writeFileSync(path.join(dir, name), encodeNpy(arr));
  }
  return dir;
}

const u8 = (shape: number[], f: (i: number) => number): NpyWritable => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: "|u1", shape, data: Uint8Array.from({ length: n }, (_, i) => f(i)) };
};
const f32 = (shape: number[], f: (i: number) => number): NpyWritable => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: "<f4", shape, data: Float32Array.from({ length: n }, (_, i) => f(i)) };
};
const f64 = (shape: number[], f: (i: number) => number): NpyWritable => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: "<f8", shape, data: Float64Array.from({ length: n }, (_, i) => f(i)) };
};
const i32 = (shape: number[], f: (i: number) => number): NpyWritable => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: "<i4", shape, data: Int32Array.from({ length: n }, (_, i) => f(i)) };
};

/** A valid classification directory (input 1x2x3, 4 classes) with overrides. */
function classDir(over: Record<string, NpyWritable | null> = {}): string {
  return npyDir({
    "train_x.npy": u8([5, 1, 2, 3], (i) => (i * 37) % 256),
    "train_y.npy": i32([5], (i) => i % 4),
    "test_x.npy": f32([3, 1, 2, 3], (i) => i / 10),
    "test_y.npy": i32([3], (i) => 3 - i),
    ...over,
  });
}
const CLASSES = { inputShape: [1, 2, 3], kind: "classes" as const, outputSize: 4 };

describe("loadNpyDir", () => {
  it("loads uint8 inputs scaled by 1/255, float inputs as is, int labels", () => {
    const { train, test } = loadNpyDir(classDir(), CLASSES);
    expect(train.n).toBe(5);
    expect(train.kind).toBe("classes");
    expect(train.classes).toBe(4);
    expect(train.targetSize).toBe(1);
    expect(train.inputShape).toEqual([1, 2, 3]);
    expect(train.x).toBeInstanceOf(Float32Array);
    expect(Array.from(train.x)).toEqual(Array.from({ length: 30 }, (_, i) => Math.fround(((i * 37) % 256) / 255)));
    expect(Math.max(...train.x)).toBeLessThanOrEqual(1);
    expect(train.y).toBeInstanceOf(Int32Array);
    expect(Array.from(train.y)).toEqual([0, 1, 2, 3, 0]);
    expect(test.n).toBe(3);
    expect(Array.from(test.x)).toEqual(Array.from({ length: 18 }, (_, i) => Math.fround(i / 10)));
    expect(Array.from(test.y)).toEqual([3, 2, 1]);
  });

  it("accepts flat [N, prod(inputShape)] inputs, float64 inputs and [N, 1] labels of other integer dtypes", () => {
    const dir = classDir({
      "train_x.npy": f64([5, 6], (i) => i / 7),
      "train_y.npy": u8([5, 1], (i) => i % 4),
    });
    const { train } = loadNpyDir(dir, CLASSES);
    expect(Array.from(train.x)).toEqual(Array.from({ length: 30 }, (_, i) => Math.fround(i / 7)));
    expect(Array.from(train.y)).toEqual([0, 1, 2, 3, 0]);
  });

  it("reads int64 labels (numpy's default) from raw .npy bytes", () => {
    const dir = classDir();
    // Hand-built numpy 1.0 header for '<i8' shape (3,).
    let header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
    header += " ".repeat(64 - ((10 + header.length + 1) % 64)) + "\n";
    const bytes = new Uint8Array(10 + header.length + 24);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
    for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
    const view = new DataView(bytes.buffer);
    [2, 0, 3].forEach((v, i) => view.setBigInt64(10 + header.length + 8 * i, BigInt(v), true));
    fs.writeFileSync(path.join(dir, "test_y.npy"), bytes);
    expect(Array.from(loadNpyDir(dir, CLASSES).test.y)).toEqual([2, 0, 3]);
  });

  it("loads float regression targets shaped [N, k], and [N] when k = 1", () => {
    const dir = npyDir({
      "train_x.npy": f32([4, 3], (i) => i),
      "train_y.npy": f64([4, 2], (i) => i * 0.5 - 1),
      "test_x.npy": f32([2, 3], (i) => -i),
      "test_y.npy": f32([2, 2], (i) => i),
    });
    const { train, test } = loadNpyDir(dir, { inputShape: [3], kind: "targets", outputSize: 2 });
    expect(train.kind).toBe("targets");
    expect(train.classes).toBeUndefined();
    expect(train.targetSize).toBe(2);
    expect(train.y).toBeInstanceOf(Float32Array);
    expect(Array.from(train.y)).toEqual([-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5]);
    expect(Array.from(test.y)).toEqual([0, 1, 2, 3]);

    const one = npyDir({
      "train_x.npy": f32([4, 3], (i) => i),
      "train_y.npy": f32([4], (i) => i),
      "test_x.npy": f32([2, 3], (i) => i),
      "test_y.npy": f32([2, 1], (i) => i),
    });
    const r = loadNpyDir(one, { inputShape: [3], kind: "targets", outputSize: 1 });
    expect(Array.from(r.train.y)).toEqual([0, 1, 2, 3]);
    expect(r.test.targetSize).toBe(1);
    // [N] is only for a single output.
    expectDataError(() => loadNpyDir(one, { inputShape: [3], kind: "targets", outputSize: 2 }), "train_y.npy has shape [4]", "expected [N, 2]");
  });

  it("rejects input shapes that do not fit the model, naming the file and both shapes", () => {
    const dir = classDir({ "train_x.npy": u8([5, 2, 3], () => 0) });
    const e = expectDataError(
      () => loadNpyDir(dir, CLASSES),
      "train_x.npy has shape [5, 2, 3]",
      "the model's input is 1x2x3",
      "expected [N, 1, 2, 3]",
    );
    expect(e.file).toBe(path.join(dir, "train_x.npy"));
    expectDataError(() => loadNpyDir(classDir({ "test_x.npy": f32([3, 7], () => 0) }), CLASSES), "test_x.npy has shape [3, 7]", "[N, 1, 2, 3]", "[N, 6]");
    expectDataError(() => loadNpyDir(classDir({ "test_x.npy": f32([3, 1, 3, 2], () => 0) }), CLASSES), "test_x.npy has shape [3, 1, 3, 2]");
    // The MNIST-style message from the brief.
    const mn = npyDir({ "train_x.npy": u8([100, 28, 28], () => 0), "train_y.npy": i32([100], () => 0), "test_x.npy": u8([1, 784], () => 0), "test_y.npy": i32([1], () => 0) });
    expectDataError(
      () => loadNpyDir(mn, { inputShape: [1, 28, 28], kind: "classes", outputSize: 10 }),
      "train_x.npy has shape [100, 28, 28] but the model's input is 1x28x28: expected [N, 1, 28, 28]",
    );
  });

  it("rejects bad dtypes, non-finite inputs and targets, empty sets", () => {
    expectDataError(() => loadNpyDir(classDir({ "train_x.npy": i32([5, 1, 2, 3], () => 0) }), CLASSES), "train_x.npy has dtype <i4");
    expectDataError(() => loadNpyDir(classDir({ "train_y.npy": f32([5], () => 0) }), CLASSES), "train_y.npy has dtype <f4", "integers");
    expectDataError(
      () => loadNpyDir(classDir({ "test_x.npy": f32([3, 1, 2, 3], (i) => (i === 7 ? NaN : 0)) }), CLASSES),
      "test_x.npy: non-finite input NaN at index [1, 0, 0, 1]",
    );
    expectDataError(() => loadNpyDir(classDir({ "test_x.npy": f64([3, 1, 2, 3], (i) => (i === 2 ? 1e300 : 0)) }), CLASSES), "outside the float32 range");
    expectDataError(() => loadNpyDir(classDir({ "train_x.npy": u8([0, 1, 2, 3], () => 0), "train_y.npy": i32([0], () => 0) }), CLASSES), "has no examples");
    const reg = npyDir({
      "train_x.npy": f32([2, 1], () => 0),
      "train_y.npy": f32([2, 1], (i) => (i === 1 ? Infinity : 0)),
      "test_x.npy": f32([1, 1], () => 0),
      "test_y.npy": f32([1, 1], () => 0),
    });
    expectDataError(() => loadNpyDir(reg, { inputShape: [1], kind: "targets", outputSize: 1 }), "train_y.npy: non-finite target Infinity at index [1, 0]");
    expectDataError(() => loadNpyDir(classDir(), { ...CLASSES, kind: "targets" }), "train_y.npy has dtype <i4", "floats");
  });

  it("rejects labels out of range, naming the first bad index and value", () => {
    const dir = classDir({ "train_y.npy": i32([5], (i) => [0, 1, 4, 2, -1][i]!) });
    expectDataError(() => loadNpyDir(dir, CLASSES), "train_y.npy: label 4 at index 2 is out of range", "[0, 3]");
    expectDataError(() => loadNpyDir(classDir({ "test_y.npy": i32([3], (i) => -i) }), CLASSES), "test_y.npy: label -1 at index 1");
    expectDataError(() => loadNpyDir(classDir({ "test_y.npy": i32([3, 2], () => 0) }), CLASSES), "test_y.npy has shape [3, 2]", "[N] or [N, 1]");
  });

  it("rejects mismatched example counts", () => {
    const dir = classDir({ "train_y.npy": i32([4], () => 0) });
    expectDataError(() => loadNpyDir(dir, CLASSES), "train_x.npy has 5 examples but", "train_y.npy has 4");
  });

  it("names missing files and directories, and wraps malformed files", () => {
    const dir = classDir({ "test_y.npy": null, "train_x.npy": null });
    const e = expectDataError(() => loadNpyDir(dir, CLASSES), "is missing train_x.npy, test_y.npy");
    expect(e.file).toBe(path.join(dir, "train_x.npy"));
    expectDataError(() => loadNpyDir(path.join(tmp, "nope"), CLASSES), "does not exist", path.join(tmp, "nope"));
    const bad = classDir();
    fs.writeFileSync(path.join(bad, "test_x.npy"), "not numpy");
    expectDataError(() => loadNpyDir(bad, CLASSES), path.join(bad, "test_x.npy"), "invalid .npy file");
  });
});

// ------------------------------------------------------------------ subset and Batches

/** Example i has every input value equal to i + offset, label i % classes (or target i / 2). */
function indexed(n: number, size = 3, kind: "classes" | "targets" = "classes"): Dataset {
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++) x.fill(i, i * size, (i + 1) * size);
  if (kind === "classes") {
    return { x, y: Int32Array.from({ length: n }, (_, i) => i % 7), n, inputShape: [size], targetSize: 1, kind, classes: 7 };
  }
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) y.set([i, -i], 2 * i);
  return { x, y, n, inputShape: [size], targetSize: 2, kind };
}

/** The example indices in a batch, checking that x and y rows belong together. */
function batchIndices(b: { x: Float32Array; y: Int32Array | Float32Array; n: number }, data: Dataset): number[] {
  const size = data.inputShape.reduce((a, c) => a * c, 1);
  const out: number[] = [];
  for (let r = 0; r < b.n; r++) {
    const i = b.x[r * size]!;
    for (let j = 0; j < size; j++) expect(b.x[r * size + j]).toBe(i);
    if (data.kind === "classes") expect(b.y[r]).toBe(i % 7);
    else expect([b.y[2 * r], b.y[2 * r + 1]]).toEqual([i, -i]);
    out.push(i);
  }
  return out;
}

function epochOrder(b: Batches, data: Dataset, e: number): number[] {
  const count = b.epoch(e);
  const order: number[] = [];
  for (let i = 0; i < count; i++) order.push(...batchIndices(b.batch(i), data));
  return order;
}

describe("subset", () => {
  it("takes the first count examples (clamped), sharing memory", () => {
    const d = indexed(10, 3, "targets");
    const s = subset(d, 4);
    expect(s.n).toBe(4);
    expect(s.x.length).toBe(12);
    expect(Array.from(s.y)).toEqual([0, -0, 1, -1, 2, -2, 3, -3]);
    expect(s.targetSize).toBe(2);
    expect(s.kind).toBe("targets");
    expect(subset(d, 100).n).toBe(10);
    expect(subset(d, 0).n).toBe(0);
    expect(subset(indexed(5), 2).classes).toBe(7);
    expect(() => subset(d, -1)).toThrow(OptionError);
  });
});

describe("Batches", () => {
  const data = indexed(103);

  it("visits every example exactly once per epoch, rows intact, last batch partial", () => {
    const b = new Batches(data, 10, 42);
    expect(b.count).toBe(11);
    for (const e of [0, 1, 5]) {
      expect(b.epoch(e)).toBe(11);
      const sizes: number[] = [];
      const order: number[] = [];
      for (let i = 0; i < b.count; i++) {
        const bt = b.batch(i);
        sizes.push(bt.n);
        expect(bt.x.length).toBe(bt.n * 3);
        expect(bt.y.length).toBe(bt.n);
        order.push(...batchIndices(bt, data));
      }
      expect(sizes).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
      expect([...order].sort((a, c) => a - c)).toEqual(Array.from({ length: 103 }, (_, i) => i));
      expect(order).not.toEqual(Array.from({ length: 103 }, (_, i) => i)); // actually shuffled
    }
    expect(() => b.batch(11)).toThrow(RangeError);
    expect(() => b.batch(-1)).toThrow(RangeError);
  });

  it("is deterministic: same seed and epoch → same order bit for bit, whatever the call history", () => {
    const a = new Batches(data, 16, 7);
    const b = new Batches(data, 16, 7);
    const a3 = epochOrder(a, data, 3);
    epochOrder(b, data, 0);
    epochOrder(b, data, 9);
    expect(epochOrder(b, data, 3)).toEqual(a3);
    expect(epochOrder(a, data, 3)).toEqual(a3);
    // Bytes of the batches, not just indices.
    const bytes = (bt: Batches) => {
      const parts: number[] = [];
      for (let i = 0; i < bt.count; i++) {
        const x = bt.batch(i);
        parts.push(...new Uint8Array(x.x.buffer, x.x.byteOffset, x.x.byteLength), ...new Uint8Array(x.y.buffer, x.y.byteOffset, x.y.byteLength));
      }
      return parts;
    };
    a.epoch(2);
    b.epoch(2);
    expect(bytes(a)).toEqual(bytes(b));
  });

  it("different seeds and different epochs give different orders", () => {
    const a = new Batches(data, 16, 1);
    const b = new Batches(data, 16, 2);
    expect(epochOrder(a, data, 0)).not.toEqual(epochOrder(b, data, 0));
    expect(epochOrder(a, data, 0)).not.toEqual(epochOrder(a, data, 1));
    const seen = new Set<string>();
    for (let e = 0; e < 20; e++) seen.add(epochOrder(a, data, e).join(","));
    expect(seen.size).toBe(20);
  });

  it("ordered mode follows the dataset order", () => {
    const b = new Batches(data, 25, 3, { shuffle: false });
    expect(b.epoch(4)).toBe(5);
    expect(epochOrder(b, data, 4)).toEqual(Array.from({ length: 103 }, (_, i) => i));
    expect(b.batch(4).n).toBe(3);
  });

  it("reuses its buffers: the same object and views for every batch", () => {
    const b = new Batches(data, 10, 5);
    const first = b.batch(0);
    const x = first.x;
    const y = first.y;
    for (let e = 0; e < 3; e++) {
      b.epoch(e);
      for (let i = 0; i < b.count - 1; i++) {
        const bt = b.batch(i);
        expect(bt).toBe(first);
        expect(bt.x).toBe(x);
        expect(bt.y).toBe(y);
      }
      const last = b.batch(b.count - 1);
      expect(last).toBe(b.batch(b.count - 1));
      expect(last.x.buffer).toBe(x.buffer); // a view of the same buffer
      expect(last.y.buffer).toBe(y.buffer);
    }
  });

  it("handles regression targets, batch sizes above n, exact multiples and empty data", () => {
    const reg = indexed(9, 2, "targets");
    const b = new Batches(reg, 3, 0);
    expect(b.count).toBe(3);
    expect(b.batch(2).n).toBe(3);
    expect(b.batch(0).y).toBeInstanceOf(Float32Array);
    expect([...epochOrder(b, reg, 1)].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);

    const big = new Batches(indexed(5), 64, 0);
    expect(big.count).toBe(1);
    expect(big.batch(0).n).toBe(5);
    expect(big.batch(0).x.length).toBe(15);

    const empty = new Batches(indexed(0), 8, 0);
    expect(empty.epoch(0)).toBe(0);
    expect(() => new Batches(data, 0, 1)).toThrow(RangeError);
    expect(() => new Batches({ ...data, n: 5 }, 4, 1)).toThrow(DataError);
  });

  it("shuffles all 8,000 MNIST examples quickly", () => {
    const { train } = loadMnist();
    const b = new Batches(train, 32, 1234);
    const t = performance.now();
    let sum = 0;
    for (let e = 0; e < 2; e++) {
      const count = b.epoch(e);
      for (let i = 0; i < count; i++) sum += b.batch(i).n;
    }
    expect(sum).toBe(16000);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});
