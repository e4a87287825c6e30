/**
 * What generated model modules share: the memory arena that holds every
 * buffer of the static plan, argument checks with clear messages, and cached
 * batch views so steady-state calls allocate nothing.
 */
import { ENGINE_SINK, type KernelKind } from "./kernel-types.js";
import { check, oneOf, OptionError, readOptions, wholeNumber } from "./options.js";
import type { Tensor } from "./tensor.js";
import { MAX_THREADS } from "./wasm/threads.js";

type ArenaArray = Tensor | Int32Array;
export type TensorCtor<T extends ArenaArray> = { new (length: number): T; new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

/**
 * One allocation for all of a model's buffers; `take` hands out consecutive
 * views. `data`, when given, is the memory to use (e.g. a view of a
 * WebAssembly memory) and must hold `length` elements.
 */
export class Arena<T extends ArenaArray> {
  readonly data: T;
  private offset = 0;

  constructor(ctor: TensorCtor<T>, length: number, data?: T) {
    if (data !== undefined && data.length !== length) throw new Error(`internal: arena memory holds ${data.length} elements, the plan needs ${length}`);
    this.data = data ?? new ctor(length);
  }

  take(length: number): T {
    const end = this.offset + length;
    if (end > this.data.length) throw new Error(`internal: memory plan overflow (${end} > ${this.data.length})`);
    const view = this.data.subarray(this.offset, end) as T;
    this.offset = end;
    return view;
  }

  get used(): number {
    return this.offset;
  }
}

/**
 * trainStep's loss was NaN or infinite. The step changed nothing: the
 * parameters, the optimizer's state and the batchnorm statistics are as they
 * were before it.
 */
export class DivergenceError extends Error {
  override name = "DivergenceError";
  constructor(
    model: string,
    readonly loss: number,
  ) {
    super(`${model}.trainStep: the loss is ${loss}; parameters left unchanged (lower the learning rate?)`);
  }
}

/** Largest batch a model accepts (the arena grows linearly with it). */
export const MAX_BATCH_SIZE = 1 << 16;

const BATCH_SIZE = wholeNumber(1, MAX_BATCH_SIZE);
const SEED = wholeNumber(0, 0xffffffff, "2^32−1");

/** The options of a generated module's createModel. */
export interface ModelOptions {
  batchSize?: number;
  seed?: number;
  kernels?: KernelKind;
  threads?: number;
}

/**
 * createModel's options, checked (an OptionError names the option, its rule
 * and the value; `what` is e.g. "lenet5.createModel"): an object or nothing,
 * only known names, batchSize 1…65536 (default 32) and within 16 GiB of
 * activations, seed 0…2^32−1 (default 0), kernels "wasm" or "js", threads 1…64.
 */
export function modelOptions(options: unknown, what: string, bytesPerExample: number): ModelOptions & { batchSize: number; seed: number } {
  const o = readOptions(what, options, {
    batchSize: { rule: BATCH_SIZE, default: 32 },
    seed: { rule: SEED, default: 0 },
    kernels: { rule: oneOf<KernelKind>(["wasm", "js"]) },
    threads: { rule: wholeNumber(1, MAX_THREADS) },
  });
  checkBatchSize(o.batchSize, what, bytesPerExample);
  // createModelAsync's hand-over of the kernels (a symbol key: not an option a user can name).
  const sink = (options as { [ENGINE_SINK]?: unknown } | undefined)?.[ENGINE_SINK];
  return sink === undefined ? o : Object.assign({ [ENGINE_SINK]: sink }, o);
}

/** A batch size from 1 to MAX_BATCH_SIZE whose activations fit in 16 GiB. */
export function checkBatchSize(batchSize: unknown, what: string, bytesPerExample: number): number {
  const n = check(what, "batchSize", batchSize, BATCH_SIZE);
  const bytes = n * bytesPerExample;
  if (bytes > 16 * 2 ** 30) throw new OptionError(`${what}: batchSize ${n} needs ${(bytes / 2 ** 30).toFixed(1)} GiB of activations; use a smaller batch`, "batchSize");
  return n;
}

/** A seed: a whole number from 0 to 2^32−1 (`what` is e.g. "lenet5.reseed"). */
export function checkSeed(seed: unknown, what: string): number {
  return check(what, "seed", seed, SEED);
}

function isNumeric(x: unknown): x is ArrayLike<number> {
  return ArrayBuffer.isView(x) ? !(x instanceof DataView) : Array.isArray(x);
}

/**
 * What `values` numbers would be as one example of a model taking `shape`:
 * " = 1x256x256" when they make an image with its channels (square, or with
 * its aspect ratio), else "". For messages about inputs of the wrong size.
 */
export function imageShape(values: number, shape: readonly number[]): string {
  if (shape.length !== 3 || values <= 0) return "";
  const [c, h, w] = shape as [number, number, number];
  if (values % c !== 0) return "";
  const pixels = values / c;
  const side = Math.round(Math.sqrt((pixels * h) / w));
  const other = pixels / side;
  if (side <= 0 || !Number.isInteger(other) || side * other !== pixels || (h === w && side !== other)) return "";
  return ` = ${c}x${side}x${other}`;
}

/** Number of examples in a batch of inputs, after checking its type and size. `shape`: one example's shape, for the message. */
export function countExamples(x: unknown, perExample: number, batchSize: number, what: string, shape?: readonly number[]): number {
  if (!isNumeric(x)) throw new TypeError(`${what}: expected a Float32Array, Float64Array or number[] of inputs, got ${describe(x)}`);
  const len = x.length;
  if (len === 0 || len % perExample !== 0) {
    const expects = shape ? `; the model expects ${shape.join("x")}` : "";
    const asOne = shape && len > 0 ? ` (${len} values per example${imageShape(len, shape)}${expects})` : "";
    throw new RangeError(`${what}: expected a multiple of ${perExample} values (one example is ${perExample}), got ${len}${asOne}`);
  }
  const n = len / perExample;
  if (n > batchSize) throw new RangeError(`${what}: got ${n} examples, but the model was created for batches of at most ${batchSize}`);
  return n;
}

/** The optimizer argument of trainStep. */
export function checkOptimizer(optimizer: unknown, what: string): void {
  if (typeof (optimizer as { step?: unknown } | null)?.step !== "function")
    throw new TypeError(`${what}: expected an optimizer with a step(params, grads) method, e.g. new rt.SGD({ lr: 0.01 })`);
}

/** Regression targets' count, checked before a training step changes anything. */
export function checkTargetCount(targets: unknown, n: number, size: number, what: string): void {
  if (!isNumeric(targets)) throw new TypeError(`${what}: expected targets as a Float32Array, Float64Array or number[], got ${describe(targets)}`);
  if (targets.length !== n * size) throw new RangeError(`${what}: expected ${n * size} targets (${n} examples × ${size}), got ${targets.length}`);
}

/**
 * Checks a batch of inputs and copies it into the model's input buffer.
 * Returns the number of examples. Nothing is changed when it throws.
 */
export function loadInput(x: unknown, into: Tensor, perExample: number, batchSize: number, what: string, shape?: readonly number[]): number {
  const n = countExamples(x, perExample, batchSize, what, shape);
  const len = (x as ArrayLike<number>).length;
  const values = x as ArrayLike<number>;
  // Typed arrays hold only numbers: v * 0 is 0 unless v is infinite or NaN, so four
  // running sums show whether any value is (twice as fast as a test per value).
  if (!(x instanceof Float32Array || x instanceof Float64Array) || !allFinite(x)) {
    for (let i = 0; i < len; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) throw new RangeError(`${what}: input value ${i} is ${v}; inputs must be finite`);
    }
  }
  into.set(values);
  return n;
}

function allFinite(x: Float32Array | Float64Array): boolean {
  let a = 0, b = 0, c = 0, d = 0;
  const n = x.length;
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    a += x[i]! * 0;
    b += x[i + 1]! * 0;
    c += x[i + 2]! * 0;
    d += x[i + 3]! * 0;
  }
  for (let i = n4; i < n; i++) a += x[i]! * 0;
  return a + b + c + d === 0;
}

/** Class labels for softmax models: n integers in [0, classes). */
export function checkLabels(labels: unknown, n: number, classes: number, what: string): ArrayLike<number> {
  if (!isNumeric(labels)) throw new TypeError(`${what}: expected class labels as an Int32Array or number[], got ${describe(labels)}`);
  if (labels.length !== n) throw new RangeError(`${what}: expected ${n} labels (one per example of the last forward), got ${labels.length}`);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new RangeError(`${what}: label ${i} is ${c}; labels must be whole numbers from 0 to ${classes - 1}`);
  }
  return labels;
}

/** Regression targets for MSE models: n·size finite numbers. */
export function checkTargets(targets: unknown, into: Tensor, n: number, size: number, what: string): void {
  if (!isNumeric(targets)) throw new TypeError(`${what}: expected targets as a Float32Array, Float64Array or number[], got ${describe(targets)}`);
  if (targets.length !== n * size) throw new RangeError(`${what}: expected ${n * size} targets (${n} examples × ${size}), got ${targets.length}`);
  for (let i = 0; i < targets.length; i++) {
    if (!Number.isFinite(targets[i]!)) throw new RangeError(`${what}: target ${i} is ${targets[i]}; targets must be finite`);
  }
  into.set(targets);
}

export function requireForward(n: number, what: string): void {
  if (n === 0) throw new Error(`${what}: call forward(x) first`);
}

/** Views of the first n rows of a batch buffer, made once per n. */
export class BatchViews<T extends Tensor> {
  private readonly cache: (T | undefined)[] = [];
  constructor(
    private readonly buffer: T,
    private readonly perExample: number,
  ) {}

  get(n: number): T {
    return (this.cache[n] ??= this.buffer.subarray(0, n * this.perExample) as T);
  }
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "object") return (x as object).constructor?.name ?? "an object";
  return typeof x;
}
