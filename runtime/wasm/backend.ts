/**
 * The "wasm" kernel set: a model's arena lives in a WebAssembly memory of its
 * own, and the layer kernels run as WebAssembly SIMD code on it, split across
 * threads (worker threads on the same shared memory, see threads.ts).
 *
 * Memory layout (bytes, 64-byte aligned regions):
 *   [0, heapBase)      the module's static data: thread 0's sgemm packing scratch
 *   per extra thread   sgemm packing scratch, conv scratch (im2col, padded image,
 *                      Winograd tiles), partial conv weight
 *                      and bias gradients
 *   geometry           the current conv or pooling layer's shape, one int32 per
 *                      slot of GEOMETRY_SLOTS (geometry.ts)
 *   float arena        the compiler's memory plan (parameters, gradients, activations)
 *   int arena          max-pooling argmax
 * How work is split: convolutions and pooling by images (each thread runs
 * whole images; weight gradients are summed at the end), fully connected
 * layers by output features, elementwise layers by ranges. Small layers stay
 * on the calling thread, where a split would cost more than it saves.
 */
import { activationKernels, KERNEL_ACTIVATIONS, type Activation, type ActivationKernels, type KernelActivation } from "../activations.js";
import type { Conv2dParams } from "../conv.js";
import { depthwiseConvScratch, isDepthwise } from "../depthwise.js";
import type { Kernels, PlanSizes } from "../kernel-types.js";
import type { Pool2dParams } from "../pool.js";
import type { BilinearTaps } from "../resize.js";
import type { Tensor } from "../tensor.js";
import { GEOMETRY_SLOTS, writeGeometry } from "./geometry.js";
import { instantiateKernels, kernelModule, newMemory, sharedMemoryAvailable, type JobName, type KernelExports } from "./module.js";
import { SPIN, WorkerPool } from "./threads.js";

const ALIGN = 64;
/** Multiply-adds below which a fully connected layer is not split. */
const FC_SPLIT_MACS = 1 << 21;
/** Multiply-adds below which a 1x1 convolution is not split (its GEMMs run at ~40 GFLOP/s: 2^19 is ~25 µs). */
const POINTWISE_SPLIT_MACS = 1 << 19;
/** A shared job's ticket (pointwise.as.ts's pointwiseShared): [tag << 10 | next chunk, chunks done, chunks]. */
const TICKET_WORDS = 3;
/** Chunks of a shared job: enough that a thread arriving late still finds some. */
const SHARED_CHUNKS = 8;
/** Elements below which pooling and elementwise kernels are not split. */
const ELEMENTWISE_SPLIT = 1 << 16;
/** Values below which the sums (global average pooling, a bias gradient's channel sums) are not split. */
const SUM_SPLIT = 1 << 20;

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/**
 * Depthwise convolutions (any stride, padding, dilation) have their own
 * kernel (depthwise.as.ts; the backward depthwise-backward.as.ts), split by
 * channel. Other grouped or dilated convolutions run the GEMM kernels group
 * by group (convForwardGroups, convBackwardGroups), split by images or, when
 * there are fewer images than threads (or, backward, at least as many
 * groups), by groups.
 */
const plainConv = (p: Conv2dParams): boolean => p.G === 1 && p.DH === 1 && p.DW === 1;

/** A dense 1x1 convolution, stride 1, no padding: one GEMM per image (pointwise.as.ts). */
const pointwiseConv = (p: Conv2dParams): boolean =>
  p.G === 1 && p.KH === 1 && p.KW === 1 && p.SH === 1 && p.SW === 1 && p.PH === 0 && p.PW === 0;

/** pointwiseForward's `axis`: whole images, or every image's filters or columns. */
const AXIS_IMAGES = 0, AXIS_FILTERS = 1, AXIS_COLUMNS = 2;

/**
 * Byte offsets of the arena's views, looked up once: V8's byteOffset getter is
 * slow on views of shared memory and allocates, and a training step must not.
 */
const offsets = new WeakMap<object, number>();
function ptr(t: Tensor | Int32Array | null): number {
  if (t === null) return 0;
  let p = offsets.get(t);
  if (p === undefined) {
    p = t.byteOffset;
    offsets.set(t, p);
  }
  return p;
}

export interface WasmEngine {
  floats: Float32Array;
  ints: Int32Array;
  kernels: Kernels;
}

/**
 * Creates the memory, the calling thread's instance and (lazily started) workers
 * for a plan. The memory is shared where SharedArrayBuffer is available; where it
 * is not, it is a plain one and `threads` must be 1.
 */
export function createWasmKernels(sizes: PlanSizes, threads: number): WasmEngine {
  const shared = sharedMemoryAvailable();
  if (!shared && threads > 1) throw new RangeError(`${threads} threads need SharedArrayBuffer, which this page does not have (it is not cross-origin isolated); use threads: 1`);
  const module = kernelModule(shared);
  // Lay out the memory before creating it: the module's static data comes first.
  const { heapBase, scratchBytes } = staticLayout(shared);
  let top = align(heapBase);
  const take = (bytes: number): number => {
    const at = top;
    top = align(top + bytes);
    return at;
  };
  const extra: { gemm: number; col: number; dw: number; db: number }[] = [];
  for (let t = 1; t < threads; t++) {
    extra.push({ gemm: take(scratchBytes), col: take(sizes.scratch * 4), dw: take(sizes.convParams * 4), db: take(sizes.convParams * 4) });
  }
  const geom = take(GEOMETRY_SLOTS.length * 4);
  const ticket = take(TICKET_WORDS * 4);
  const floats = take(sizes.floats * 4);
  const ints = take(sizes.ints * 4);
  const memory = newMemory(top, top, shared);
  const k = instantiateKernels(memory, module);
  const pool = threads > 1 ? new WorkerPool(module, memory, extra.map((e) => e.gemm)) : null;
  const kernels = new WasmKernels(k, pool, threads, new Int32Array(memory.buffer, geom, GEOMETRY_SLOTS.length), extra, sizes.scratch, new Int32Array(memory.buffer, ticket, TICKET_WORDS));
  if (pool !== null) stopWhenCollected.register(kernels, pool);
  return {
    floats: new Float32Array(memory.buffer, floats, sizes.floats),
    ints: new Int32Array(memory.buffer, ints, sizes.ints),
    kernels,
  };
}

let layout: { heapBase: number; scratchBytes: number } | null = null;

/**
 * The module's static data size and per-thread packing scratch (asked once,
 * from a throwaway instance), after checking that the module reads the
 * geometry this backend writes.
 */
function staticLayout(shared: boolean): { heapBase: number; scratchBytes: number } {
  if (layout === null) {
    const probe = instantiateKernels(newMemory(4 << 20, 4 << 20, shared), kernelModule(shared));
    if (probe.geometrySlots() !== GEOMETRY_SLOTS.length) {
      throw new Error(`kernels.wasm reads ${probe.geometrySlots()} geometry slots but runtime/wasm/geometry.ts lists ${GEOMETRY_SLOTS.length}: it is stale; rebuild it with \`npm run build\``);
    }
    layout = { heapBase: probe.heapBase(), scratchBytes: probe.scratchBytes() };
  }
  return layout;
}

/** Stops a model's workers when its kernels are garbage-collected without dispose(). */
const stopWhenCollected = new FinalizationRegistry<WorkerPool>((pool) => pool.dispose());

/** First index of part t of n split into `parts` (aligned to `step` except at the end). */
function cut(n: number, parts: number, t: number, step: number): number {
  if (t >= parts) return n;
  // | 0 keeps it a small integer: a double passed to a call would be boxed (allocated).
  return Math.min(n, Math.round((n * t) / parts / step) * step) | 0;
}

/** The jobs of each activation, named once (a string built at each call would allocate). */
const FORWARD_JOBS = Object.fromEntries(Object.keys(KERNEL_ACTIVATIONS).map((a) => [a, `${a}Forward`])) as { [K in KernelActivation]: `${K}Forward` };
const BACKWARD_JOBS = Object.fromEntries(Object.keys(KERNEL_ACTIVATIONS).map((a) => [a, `${a}Backward`])) as { [K in KernelActivation]: `${K}Backward` };

// The activation methods (reluForward, …) are added for every KERNEL_ACTIVATIONS entry in the constructor.
interface WasmKernels extends ActivationKernels {}

class WasmKernels implements Kernels {
  readonly kind = "wasm" as const;
  private readonly geomPtr: number;
  private readonly ticketPtr: number;

  constructor(
    private readonly k: KernelExports,
    private readonly pool: WorkerPool | null,
    readonly threads: number,
    private readonly geom: Int32Array,
    private readonly extra: readonly { col: number; dw: number; db: number }[],
    /** Floats of each thread's conv scratch (the plan's; extra threads have buffers of this size). */
    private readonly scratchFloats: number,
    /** The shared jobs' ticket (see openTicket). */
    private readonly ticket: Int32Array,
  ) {
    this.geomPtr = geom.byteOffset;
    this.ticketPtr = ticket.byteOffset;
    Object.assign(
      this,
      activationKernels((name) => {
        // The job names are made once here: a string built at each call would allocate.
        const forward = `${name}Forward` as const;
        const backward = `${name}Backward` as const;
        return {
          forward: (x, y, n) => this.ranged(forward, this.elementwiseThreads(n), n, 16, 2, ptr(x), ptr(y)),
          backward: (from, dy, dx, n) => this.ranged(backward, this.elementwiseThreads(n), n, 16, 3, ptr(from), ptr(dy), ptr(dx)),
        };
      }),
    );
  }

  dispose(): void {
    this.pool?.dispose();
  }

  ready(): Promise<void> {
    return this.pool === null ? Promise.resolve() : this.pool.startAll();
  }

  /** Threads to use for `units` independent pieces of work (at most one piece each). */
  private split(units: number): number {
    return this.pool === null ? 1 : Math.max(1, Math.min(this.threads, units));
  }

  /** The conv geometry for the kernels; `scratch` (the same size as each extra thread's) bounds what the conv kernels may use (and so which algorithm applies). */
  private convGeom(p: Conv2dParams, scratch: Tensor): void {
    writeGeometry(this.geom, p, Math.min(scratch.length, this.scratchFloats));
  }

  private poolGeom(p: Pool2dParams): void {
    writeGeometry(this.geom, p, 0);
  }

  conv2dForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, scratch: Tensor, p: Conv2dParams, act: Activation = 0, scale: Tensor | null = null): void {
    if (isDepthwise(p)) return this.depthwiseForward(x, w, bias, y, scratch, p, act, scale);
    this.convGeom(p, scratch);
    if (pointwiseConv(p)) return this.pointwiseForward(x, w, bias, y, scratch, p, act, scale);
    if (!plainConv(p) && p.B < this.threads && p.G > 1) {
      const T = this.split(p.G);
      for (let t = 1; t < T; t++) {
        this.pool!.post(t - 1, "convForwardGroups", ptr(x), ptr(w), ptr(bias), ptr(y), this.extra[t - 1]!.col, this.geomPtr, 0, p.B, cut(p.G, T, t, 1), cut(p.G, T, t + 1, 1), act, ptr(scale));
      }
      this.k.convForwardGroups(ptr(x), ptr(w), ptr(bias), ptr(y), ptr(scratch), this.geomPtr, 0, p.B, 0, cut(p.G, T, 1, 1), act, ptr(scale));
      if (T > 1) this.pool!.wait(T - 1);
      return;
    }
    const T = this.split(p.B);
    for (let t = 1; t < T; t++) {
      this.pool!.post(t - 1, "convForward", ptr(x), ptr(w), ptr(bias), ptr(y), this.extra[t - 1]!.col, this.geomPtr, cut(p.B, T, t, 1), cut(p.B, T, t + 1, 1), act, ptr(scale));
    }
    this.k.convForward(ptr(x), ptr(w), ptr(bias), ptr(y), ptr(scratch), this.geomPtr, 0, cut(p.B, T, 1, 1), act, ptr(scale));
    if (T > 1) this.pool!.wait(T - 1);
  }

  /**
   * A dense 1x1 convolution: split by images when the batch has at least as
   * many as the threads. Otherwise (batch 1) every image is split, by
   * filters when they outnumber the positions of a plane (14x14 and 7x7
   * layers with hundreds of filters), else by columns (large planes), in
   * chunks the threads take in turn (a shared job: a worker that starts late
   * holds nothing up). Small layers stay on this thread.
   */
  private pointwiseForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, scratch: Tensor, p: Conv2dParams, act: Activation, scale: Tensor | null): void {
    const HW = p.OH * p.OW;
    const small = p.B * p.F * p.C * HW < POINTWISE_SPLIT_MACS;
    if (small || p.B >= this.threads) {
      const T = small ? 1 : this.split(p.B);
      for (let t = 1; t < T; t++) {
        this.pool!.post(t - 1, "pointwiseForward", ptr(x), ptr(w), ptr(bias), ptr(y), this.extra[t - 1]!.col, this.geomPtr, cut(p.B, T, t, 1), cut(p.B, T, t + 1, 1), AXIS_IMAGES, 0, 0, act, ptr(scale));
      }
      this.k.pointwiseForward(ptr(x), ptr(w), ptr(bias), ptr(y), ptr(scratch), this.geomPtr, 0, cut(p.B, T, 1, 1), AXIS_IMAGES, 0, 0, act, ptr(scale));
      if (T > 1) this.pool!.wait(T - 1);
      return;
    }
    // Filters in multiples of the micro-tile's 4 rows, columns of 16 (64-byte lines).
    const axis = p.F > HW ? AXIS_FILTERS : AXIS_COLUMNS;
    const units = axis === AXIS_FILTERS ? Math.ceil(p.F / 4) : Math.ceil(HW / 16);
    const tag = this.openTicket(Math.min(units, SHARED_CHUNKS));
    for (let t = 1; t < this.threads; t++) {
      if (this.available(t - 1)) this.pool!.post(t - 1, "pointwiseShared", ptr(x), ptr(w), ptr(bias), ptr(y), this.extra[t - 1]!.col, this.geomPtr, p.B, axis, this.ticketPtr, tag, act, ptr(scale));
    }
    this.k.pointwiseShared(ptr(x), ptr(w), ptr(bias), ptr(y), ptr(scratch), this.geomPtr, p.B, axis, this.ticketPtr, tag, act, ptr(scale));
    this.closeTicket();
  }

  /*
   * Shared jobs (pointwise.as.ts's pointwiseShared): the work is cut into
   * chunks that the threads claim from a ticket in memory until none is
   * left, so a worker the OS has not run yet holds nothing up: this thread
   * does the chunks it does not claim. Only idle workers are asked; one that
   * starts after the chunks are gone (and this thread has moved on to
   * another ticket) claims none.
   */

  /** The tag of the current shared job (20 bits, so tag << 10 stays a small integer; a worker cannot lag that far: a worker still busy is not asked, and the next split that is not shared waits for it). */
  private tag = 0;

  /** Opens the ticket for a shared job of `chunks` chunks; returns its tag. */
  private openTicket(chunks: number): number {
    const tk = this.ticket;
    this.tag = (this.tag + 1) & 0xfffff;
    Atomics.store(tk, 2, chunks);
    Atomics.store(tk, 1, 0);
    Atomics.store(tk, 0, this.tag << 10);
    return this.tag;
  }

  /**
   * Whether worker i is awake and idle, or becomes so within a few
   * microseconds (it may be returning from the previous job). A sleeping
   * worker is not woken for a shared job: on a busy machine the wake-up can
   * cost more than the job (measured: a forward at batch 1 on 2 threads took
   * 37.6 ms waking it, against 26.8 ms without splitting the 1x1 convs).
   */
  private available(i: number): boolean {
    for (let spins = 0; spins < 1 << 12; spins++) if (this.pool!.awake(i)) return true;
    return false;
  }

  /** Waits until every chunk of the shared job is done (the chunks workers claimed and have not finished yet). */
  private closeTicket(): void {
    const tk = this.ticket;
    const chunks = tk[2]!;
    let spins = 0;
    while (Atomics.load(tk, 1) < chunks) {
      if (++spins < SPIN) continue;
      spins = 0;
      // A worker that failed in a chunk never finishes it: report that rather than wait forever.
      for (let t = 1; t < this.threads; t++) if (this.pool!.idle(t - 1)) this.pool!.check(t - 1);
    }
  }

  conv2dBackward(x: Tensor, w: Tensor, dy: Tensor, dx: Tensor | null, dw: Tensor, db: Tensor | null, scratch: Tensor, p: Conv2dParams): void {
    if (isDepthwise(p)) return this.depthwiseBackward(x, w, dy, dx, dw, db, scratch, p);
    this.convGeom(p, scratch);
    if (!plainConv(p) && p.G > 1 && (p.G >= this.threads || p.B < this.threads)) {
      // By groups: each thread writes its groups' weight and bias gradients, nothing to sum.
      const T = this.split(p.G);
      for (let t = 1; t < T; t++) {
        this.pool!.post(t - 1, "convBackwardGroups", ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db), this.extra[t - 1]!.col, this.geomPtr, 0, p.B, cut(p.G, T, t, 1), cut(p.G, T, t + 1, 1));
      }
      this.k.convBackwardGroups(ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db), ptr(scratch), this.geomPtr, 0, p.B, 0, cut(p.G, T, 1, 1));
      if (T > 1) this.pool!.wait(T - 1);
      return;
    }
    const T = this.split(p.B);
    for (let t = 1; t < T; t++) {
      const e = this.extra[t - 1]!;
      this.pool!.post(t - 1, "convBackward", ptr(x), ptr(w), ptr(dy), ptr(dx), e.dw, db === null ? 0 : e.db, e.col, this.geomPtr, cut(p.B, T, t, 1), cut(p.B, T, t + 1, 1));
    }
    this.k.convBackward(ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db), ptr(scratch), this.geomPtr, 0, cut(p.B, T, 1, 1));
    if (T === 1) return;
    this.pool!.wait(T - 1);
    const nw = p.F * (p.C / p.G) * p.KH * p.KW;
    for (let t = 1; t < T; t++) {
      const e = this.extra[t - 1]!;
      this.k.add(ptr(dw), e.dw, ptr(dw), 0, nw);
      if (db !== null) this.k.add(ptr(db), e.db, ptr(db), 0, p.F);
    }
  }

  /** The transposed convolution (p: its adjoint convolution's geometry), split by images. */
  deconv2dForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, scratch: Tensor, p: Conv2dParams): void {
    this.convGeom(p, scratch);
    const T = this.split(p.B);
    for (let t = 1; t < T; t++) {
      this.pool!.post(t - 1, "deconvForward", ptr(x), ptr(w), ptr(bias), ptr(y), this.extra[t - 1]!.col, this.geomPtr, cut(p.B, T, t, 1), cut(p.B, T, t + 1, 1));
    }
    this.k.deconvForward(ptr(x), ptr(w), ptr(bias), ptr(y), ptr(scratch), this.geomPtr, 0, cut(p.B, T, 1, 1));
    if (T > 1) this.pool!.wait(T - 1);
  }

  /** Threads for a depthwise layer: split by channels once it is big enough. */
  private depthwiseThreads(p: Conv2dParams): number {
    return p.B * p.C * Math.max(p.H * p.W, p.OH * p.OW) < ELEMENTWISE_SPLIT ? 1 : this.split(p.C);
  }

  private depthwiseForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, scratch: Tensor, p: Conv2dParams, act: Activation, scale: Tensor | null): void {
    const floats = Math.min(scratch.length, this.scratchFloats);
    if (floats < depthwiseConvScratch(p)) {
      throw new RangeError(`conv2dForward: a depthwise convolution needs conv2dScratchSize(p) = ${depthwiseConvScratch(p)} floats of scratch (in the engine's scratch too), got ${floats}`);
    }
    writeGeometry(this.geom, p, floats);
    const T = this.depthwiseThreads(p);
    for (let t = 1; t < T; t++) {
      this.pool!.post(t - 1, "depthwiseForward", ptr(x), ptr(w), ptr(bias), ptr(y), this.extra[t - 1]!.col, this.geomPtr, p.B, cut(p.C, T, t, 1), cut(p.C, T, t + 1, 1), act, ptr(scale));
    }
    this.k.depthwiseForward(ptr(x), ptr(w), ptr(bias), ptr(y), ptr(scratch), this.geomPtr, p.B, 0, cut(p.C, T, 1, 1), act, ptr(scale));
    if (T > 1) this.pool!.wait(T - 1);
  }

  /** Each thread writes the weight and bias gradients of its own channels: nothing to sum afterwards. The scratch bounds which path the kernel takes (depthwiseBackwardScratchSize). */
  private depthwiseBackward(x: Tensor, w: Tensor, dy: Tensor, dx: Tensor | null, dw: Tensor, db: Tensor | null, scratch: Tensor, p: Conv2dParams): void {
    this.convGeom(p, scratch);
    const T = this.depthwiseThreads(p);
    for (let t = 1; t < T; t++) {
      this.pool!.post(t - 1, "depthwiseBackward", ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db), this.extra[t - 1]!.col, this.geomPtr, p.B, cut(p.C, T, t, 1), cut(p.C, T, t + 1, 1));
    }
    this.k.depthwiseBackward(ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db), ptr(scratch), this.geomPtr, p.B, 0, cut(p.C, T, 1, 1));
    if (T > 1) this.pool!.wait(T - 1);
  }

  fcForward(x: Tensor, w: Tensor, b: Tensor | null, y: Tensor, B: number, M: number, N: number, act: Activation = 0, ys: number = N): void {
    const T = B * M * N < FC_SPLIT_MACS ? 1 : this.split(Math.floor(N / 8));
    for (let t = 1; t < T; t++) {
      this.pool!.post(t - 1, "fcForward", ptr(x), ptr(w), ptr(b), ptr(y), B, M, N, ys, cut(N, T, t, 8), cut(N, T, t + 1, 8), act);
    }
    this.k.fcForward(ptr(x), ptr(w), ptr(b), ptr(y), B, M, N, ys, 0, cut(N, T, 1, 8), act);
    if (T > 1) this.pool!.wait(T - 1);
  }

  fcBackward(x: Tensor, w: Tensor, dy: Tensor, dx: Tensor | null, dw: Tensor, db: Tensor | null, B: number, M: number, N: number, dys: number = N): void {
    const T = B * M * N < FC_SPLIT_MACS ? 1 : this.split(Math.floor(Math.min(N, M) / 8));
    for (let t = 1; t < T; t++) {
      this.pool!.post(t - 1, "fcBackward", ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db), B, M, N, dys, cut(N, T, t, 8), cut(N, T, t + 1, 8), cut(M, T, t, 8), cut(M, T, t + 1, 8));
    }
    this.k.fcBackward(ptr(x), ptr(w), ptr(dy), ptr(dx), ptr(dw), ptr(db), B, M, N, dys, 0, cut(N, T, 1, 8), 0, cut(M, T, 1, 8));
    if (T > 1) this.pool!.wait(T - 1);
  }

  /** Threads for a pooling layer: split by planes once it is big enough. */
  private poolThreads(p: Pool2dParams): number {
    return p.B * p.C * p.H * p.W < ELEMENTWISE_SPLIT ? 1 : this.split(p.B * p.C);
  }

  /** Threads for an elementwise kernel over n values. */
  private elementwiseThreads(n: number): number {
    return n < ELEMENTWISE_SPLIT ? 1 : this.split(n >> 12);
  }

  /**
   * Runs `job(a, b[, c[, d]], lo, hi)` over [0, n) cut into T parts (at multiples
   * of `step`): parts 1 … T-1 on the workers, part 0 here. `fixed` is how many
   * leading arguments the kernel takes before its range.
   */
  private ranged(job: JobName, T: number, n: number, step: number, fixed: 2 | 3 | 4, a: number, b: number, c = 0, d = 0): void {
    const fn = this.k[job] as (...args: number[]) => void;
    for (let t = 1; t < T; t++) {
      const lo = cut(n, T, t, step);
      const hi = cut(n, T, t + 1, step);
      if (fixed === 2) this.pool!.post(t - 1, job, a, b, lo, hi);
      else if (fixed === 3) this.pool!.post(t - 1, job, a, b, c, lo, hi);
      else this.pool!.post(t - 1, job, a, b, c, d, lo, hi);
    }
    const hi0 = cut(n, T, 1, step);
    if (fixed === 2) fn(a, b, 0, hi0);
    else if (fixed === 3) fn(a, b, c, 0, hi0);
    else fn(a, b, c, d, 0, hi0);
    if (T > 1) this.pool!.wait(T - 1);
  }

  maxPoolForward(x: Tensor, y: Tensor, argmax: Int32Array, p: Pool2dParams): void {
    this.poolGeom(p);
    this.ranged("maxPoolForward", this.poolThreads(p), p.B * p.C, 1, 4, ptr(x), ptr(y), ptr(argmax), this.geomPtr);
  }

  maxPoolBackward(dy: Tensor, argmax: Int32Array, dx: Tensor, p: Pool2dParams): void {
    this.poolGeom(p);
    this.ranged("maxPoolBackward", this.poolThreads(p), p.B * p.C, 1, 4, ptr(dy), ptr(argmax), ptr(dx), this.geomPtr);
  }

  avgPoolForward(x: Tensor, y: Tensor, p: Pool2dParams): void {
    this.poolGeom(p);
    this.ranged("avgPoolForward", this.poolThreads(p), p.B * p.C, 1, 3, ptr(x), ptr(y), this.geomPtr);
  }

  avgPoolBackward(dy: Tensor, dx: Tensor, p: Pool2dParams): void {
    this.poolGeom(p);
    this.ranged("avgPoolBackward", this.poolThreads(p), p.B * p.C, 1, 3, ptr(dy), ptr(dx), this.geomPtr);
  }

  add(a: Tensor, b: Tensor, out: Tensor, n: number): void {
    this.ranged("add", this.elementwiseThreads(n), n, 16, 3, ptr(a), ptr(b), ptr(out));
  }

  copy(src: Tensor, dst: Tensor, n: number): void {
    this.k.copy(ptr(src), ptr(dst), n);
  }

  /** One memory.copy per example. */
  copySlices(src: Tensor, srcStride: number, srcOffset: number, dst: Tensor, dstStride: number, dstOffset: number, count: number, n: number): void {
    const s = ptr(src) + srcOffset * 4;
    const d = ptr(dst) + dstOffset * 4;
    for (let b = 0; b < n; b++) this.k.copy(s + b * srcStride * 4, d + b * dstStride * 4, count);
  }

  /** One SIMD add per example, on this thread (the slices are short; a gradient sum). */
  addSlices(src: Tensor, srcStride: number, srcOffset: number, dst: Tensor, dstStride: number, dstOffset: number, count: number, n: number): void {
    const s = ptr(src) + srcOffset * 4;
    const d = ptr(dst) + dstOffset * 4;
    for (let b = 0; b < n; b++) this.k.add(d + b * dstStride * 4, s + b * srcStride * 4, d + b * dstStride * 4, 0, count);
  }

  /** The activation's SIMD kernel over each example's run (see slices). */
  activationForwardSlices(kind: KernelActivation, x: Tensor, y: Tensor, stride: number, count: number, n: number): void {
    this.slices(FORWARD_JOBS[kind], 2, count, n, ptr(x), count, ptr(y), stride, 0, 0);
  }

  activationBackwardSlices(kind: KernelActivation, from: Tensor, fromStride: number, dy: Tensor, dyStride: number, dx: Tensor, count: number, n: number): void {
    this.slices(BACKWARD_JOBS[kind], 3, count, n, ptr(from), fromStride, ptr(dy), dyStride, ptr(dx), count);
  }

  /**
   * An elementwise `job` over n examples of `count` values whose operands
   * have their own per-example strides (a, b, c: byte pointers; strides in
   * values). When the whole is worth splitting, threads take whole examples,
   * in rounds of one example each (fewer rounds, each one a wait, than
   * splitting every example); a batch smaller than the threads splits each
   * example's run instead.
   */
  private slices(job: JobName, fixed: 2 | 3, count: number, n: number, a: number, as: number, b: number, bs: number, c: number, cs: number): void {
    const total = this.elementwiseThreads(n * count);
    const P = total > 1 && n >= total ? total : 1;
    if (P === 1) {
      const T = total > 1 ? this.elementwiseThreads(count) : 1;
      for (let e = 0; e < n; e++) this.ranged(job, T, count, 16, fixed, a + e * as * 4, b + e * bs * 4, c + e * cs * 4);
      return;
    }
    const fn = this.k[job] as (...args: number[]) => void;
    for (let e0 = 0; e0 < n; e0 += P) {
      const parts = Math.min(P, n - e0);
      for (let t = 1; t < parts; t++) {
        const e = e0 + t;
        if (fixed === 2) this.pool!.post(t - 1, job, a + e * as * 4, b + e * bs * 4, 0, count);
        else this.pool!.post(t - 1, job, a + e * as * 4, b + e * bs * 4, c + e * cs * 4, 0, count);
      }
      if (fixed === 2) fn(a + e0 * as * 4, b + e0 * bs * 4, 0, count);
      else fn(a + e0 * as * 4, b + e0 * bs * 4, c + e0 * cs * 4, 0, count);
      if (parts > 1) this.pool!.wait(parts - 1);
    }
  }

  gateForward(x: Tensor, g: Tensor, y: Tensor, n: number, channels: number, spatial: number): void {
    this.gateJob("gateForward", n * channels, spatial, ptr(x), ptr(g), ptr(y));
  }

  gateBackwardGate(dy: Tensor, x: Tensor, dg: Tensor, n: number, channels: number, spatial: number): void {
    this.gateJob("gateBackwardGate", n * channels, spatial, ptr(dy), ptr(x), ptr(dg));
  }

  gateBackwardInput(dy: Tensor, g: Tensor, dx: Tensor, n: number, channels: number, spatial: number): void {
    this.gateJob("gateBackwardInput", n * channels, spatial, ptr(dy), ptr(g), ptr(dx));
  }

  upsampleNearestForward(x: Tensor, y: Tensor, planes: number, H: number, W: number, S: number): void {
    this.upsample("upsampleNearestForward", ptr(x), ptr(y), planes, H, W, S);
  }

  upsampleNearestBackward(dy: Tensor, dx: Tensor, planes: number, H: number, W: number, S: number): void {
    this.upsample("upsampleNearestBackward", ptr(dy), ptr(dx), planes, H, W, S);
  }

  upsampleBilinearForward(x: Tensor, y: Tensor, planes: number, rows: BilinearTaps, cols: BilinearTaps): void {
    this.upsample("upsampleBilinearForward", ptr(x), ptr(y), planes, rows.size, cols.size, rows.i0.length / rows.size);
  }

  upsampleBilinearBackward(dy: Tensor, dx: Tensor, planes: number, rows: BilinearTaps, cols: BilinearTaps): void {
    this.upsample("upsampleBilinearBackward", ptr(dy), ptr(dx), planes, rows.size, cols.size, rows.i0.length / rows.size);
  }

  /** An upsampling kernel (the factor S in the stride slots), split by planes once the output is big enough. */
  private upsample(job: "upsampleNearestForward" | "upsampleNearestBackward" | "upsampleBilinearForward" | "upsampleBilinearBackward", a: number, b: number, planes: number, H: number, W: number, S: number): void {
    this.planeGeom(H, W, H * S, W * S, S);
    const T = planes * H * W * S * S < ELEMENTWISE_SPLIT ? 1 : this.split(planes);
    this.ranged(job, T, planes, 1, 3, a, b, this.geomPtr);
  }

  adaptiveAvgPoolForward(x: Tensor, y: Tensor, planes: number, H0: number, W0: number, H: number, W: number): void {
    this.adaptiveGeom(H0, W0, H, W);
    this.ranged("adaptiveAvgPoolForward", this.adaptiveThreads(planes, H0 * W0), planes, 1, 3, ptr(x), ptr(y), this.geomPtr);
  }

  adaptiveAvgPoolBackward(dy: Tensor, dx: Tensor, planes: number, H0: number, W0: number, H: number, W: number): void {
    this.adaptiveGeom(H0, W0, H, W);
    this.ranged("adaptiveAvgPoolBackward", this.adaptiveThreads(planes, H0 * W0), planes, 1, 3, ptr(dy), ptr(dx), this.geomPtr);
  }

  adaptiveMaxPoolForward(x: Tensor, y: Tensor, argmax: Int32Array, planes: number, H0: number, W0: number, H: number, W: number): void {
    this.adaptiveGeom(H0, W0, H, W);
    this.ranged("adaptiveMaxPoolForward", this.adaptiveThreads(planes, H0 * W0), planes, 1, 4, ptr(x), ptr(y), ptr(argmax), this.geomPtr);
  }

  /** A scatter of one value per output: on this thread. */
  adaptiveMaxPoolBackward(dy: Tensor, argmax: Int32Array, dx: Tensor, inputs: number, outputs: number): void {
    this.k.adaptiveMaxPoolBackward(ptr(dy), ptr(argmax), ptr(dx), inputs, outputs);
  }

  /** An adaptive pooling's geometry: the input plane, the output plane. */
  private adaptiveGeom(H0: number, W0: number, H: number, W: number): void {
    this.planeGeom(H0, W0, H, W, 0);
  }

  /** The fields of an upsampling or adaptive pooling, one object reused (a call must not allocate). */
  private readonly plane = { H: 0, W: 0, OH: 0, OW: 0, SH: 0, SW: 0 };

  /** Writes an input plane H x W, an output plane OH x OW and a stride (an upsampling's factor; 0 for none). */
  private planeGeom(H: number, W: number, OH: number, OW: number, S: number): void {
    const g = this.plane;
    g.H = H;
    g.W = W;
    g.OH = OH;
    g.OW = OW;
    g.SH = g.SW = S;
    writeGeometry(this.geom, g, 0);
  }

  /** Threads for an adaptive pooling: split by planes once the input is big enough. */
  private adaptiveThreads(planes: number, plane: number): number {
    return planes * plane < ELEMENTWISE_SPLIT ? 1 : this.split(planes);
  }

  /**
   * The channel copies run at memory speed on this thread (memory.copy; a
   * split would not make them faster) and, unlike the TypeScript ones on
   * the arena's views, allocate nothing (no subarray per run).
   */
  channelEmbed(src: Tensor, dst: Tensor, n: number, srcC: number, dstC: number, offset: number, hw: number): void {
    const s = srcC * hw;
    const d = dstC * hw;
    const o = offset * hw;
    for (let b = 0; b < n; b++) {
      dst.fill(0, b * d, b * d + o);
      dst.fill(0, b * d + o + s, b * d + d);
    }
    this.k.copyRuns(ptr(src), ptr(dst) + o * 4, s, n, 1, s, 0, d, 0);
  }

  channelExtract(src: Tensor, dst: Tensor, n: number, srcC: number, dstC: number, offset: number, hw: number): void {
    const d = dstC * hw;
    this.k.copyRuns(ptr(src) + offset * hw * 4, ptr(dst), d, n, 1, srcC * hw, 0, d, 0);
  }

  /** Image by image: group g's channel k goes to channel k·groups + g. */
  channelShuffle(src: Tensor, dst: Tensor, n: number, C: number, groups: number, hw: number): void {
    const per = C / groups;
    for (let b = 0; b < n; b++) {
      const at = b * C * hw * 4;
      this.k.copyRuns(ptr(src) + at, ptr(dst) + at, hw, groups, per, per * hw, hw, hw, groups * hw);
    }
  }

  /** Batchnorm at inference (scale and shift per channel), split across threads by runs; y's examples yStride apart. */
  channelAffine(x: Tensor, y: Tensor, scale: Tensor, shift: Tensor, n: number, channels: number, spatial: number, yStride: number = channels * spatial): void {
    const runs = n * channels;
    const T = Math.min(this.elementwiseThreads(runs * spatial), this.split(runs));
    const ys = yStride - channels * spatial;
    for (let t = 1; t < T; t++) this.pool!.post(t - 1, "channelAffine", ptr(x), ptr(y), ptr(scale), ptr(shift), spatial, channels, ys, cut(runs, T, t, 1), cut(runs, T, t + 1, 1));
    this.k.channelAffine(ptr(x), ptr(y), ptr(scale), ptr(shift), spatial, channels, ys, 0, cut(runs, T, 1, 1));
    if (T > 1) this.pool!.wait(T - 1);
  }

  globalAvgPoolForward(x: Tensor, y: Tensor, B: number, C: number, HW: number): void {
    this.ranged("globalAvgPoolForward", this.sumThreads(B * C, HW), B * C, 1, 3, ptr(x), ptr(y), HW);
  }

  globalAvgPoolBackward(dy: Tensor, dx: Tensor, B: number, C: number, HW: number): void {
    this.ranged("globalAvgPoolBackward", this.sumThreads(B * C, HW), B * C, 1, 3, ptr(dy), ptr(dx), HW);
  }

  /** Split by channels (each thread sums its channels over the whole batch) once the input is big enough. */
  channelSums(t: Tensor, out: Tensor, B: number, C: number, plane: number): void {
    const T = this.sumThreads(C, B * plane);
    for (let i = 1; i < T; i++) this.pool!.post(i - 1, "channelSums", ptr(t), ptr(out), B, C, plane, cut(C, T, i, 1), cut(C, T, i + 1, 1));
    this.k.channelSums(ptr(t), ptr(out), B, C, plane, 0, cut(C, T, 1, 1));
    if (T > 1) this.pool!.wait(T - 1);
  }

  /**
   * Threads for a sum (or fill) over `units` runs of `size` values each (planes, channels): split by runs
   * from SUM_SPLIT values on. A SIMD sum costs a fraction of an elementwise kernel per value (one read, no
   * write): below that, the hand-off to a worker costs more than it saves (bench/layers.mjs --split: at
   * 524,288 values, 40 µs on one thread, the split was slower).
   */
  private sumThreads(units: number, size: number): number {
    return units * size < SUM_SPLIT ? 1 : this.split(units);
  }

  /** A gate kernel over `runs` runs of `spatial` values, split across threads by runs like the elementwise kernels by values. */
  private gateJob(job: "gateForward" | "gateBackwardGate" | "gateBackwardInput", runs: number, spatial: number, a: number, b: number, c: number): void {
    this.ranged(job, Math.min(this.elementwiseThreads(runs * spatial), this.split(runs)), runs, 1, 4, a, b, c, spatial);
  }
}
