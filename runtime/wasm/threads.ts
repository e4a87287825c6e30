/**
 * Worker threads that run WebAssembly kernels on a model's shared memory,
 * behind a synchronous API: the calling thread posts a job (kernel number and
 * numeric arguments in shared arrays), does its own share of the work, then
 * waits for the workers with Atomics. Both sides spin briefly before sleeping
 * (Atomics.wait), because a layer's share often takes only tens of
 * microseconds and waking a sleeping thread costs about as much.
 *
 * Where a thread may not block (a browser's main thread forbids Atomics.wait),
 * the caller only spins on Atomics.load while the workers compute its layer.
 *
 * Workers are Node worker_threads or module Web Workers (#platform). With
 * createModel (Node) they start on first use; createModelAsync starts them all
 * and waits until each has reported ready (`startAll`), which browsers need: a
 * worker cannot start while the thread that created it is blocked. They never
 * keep a Node process alive once running, and stop on dispose() or when their
 * owner is garbage-collected.
 */
import { platform } from "#platform";
import type { KernelWorker } from "../platform/types.js";
import { JOBS, type JobName, type WasmMemory, type WasmModule } from "./module.js";

/** Slots of a worker's Int32 control block. */
export const CTL = { POSTED: 0, DONE: 1, JOB: 2, ERROR: 3, READY: 4, ASLEEP: 5, LENGTH: 8 } as const;
/** Arguments per job (Float64 slots: exact for every i32 and f32 argument). */
export const MAX_ARGS = 14;
/** Polls of a shared flag before falling back to Atomics.wait (roughly 10–50 µs). */
export const SPIN = 1 << 15;
/** A worker that has not started after this long is reported as an error. */
const START_TIMEOUT_MS = 30_000;
/** Longest single sleep of a waiting caller (it then checks that the worker has started). */
const NAP_MS = 100;
/** The job number that stops a worker. */
export const STOP = -1;
/** READY slot value of a worker whose loop has ended. */
export const STOPPED = 2;

/** What a worker receives as workerData. */
export interface WorkerSetup {
  module: WasmModule;
  memory: WasmMemory;
  control: SharedArrayBuffer;
  args: SharedArrayBuffer;
  /** Byte offset of this worker's sgemm packing scratch. */
  scratch: number;
}

/** The most threads a model may use. */
export const MAX_THREADS = 64;

/** Default thread count: the logical cores the platform reports. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, platform.hardwareThreads()));
}

let blocking: boolean | undefined;

/** Whether this thread may sleep in Atomics.wait (not on a browser's main thread); asked once. */
export function canBlock(): boolean {
  if (blocking === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

const JOB_NUMBER = new Map<JobName, number>(JOBS.map((name, i) => [name, i]));

/** One worker thread and its control block. */
class Lane {
  readonly ctl = new Int32Array(new SharedArrayBuffer(CTL.LENGTH * 4));
  readonly args = new Float64Array(new SharedArrayBuffer(MAX_ARGS * 8));
  worker: KernelWorker | null = null;
  seq = 0;
  constructor(readonly scratch: number) {}
}

/** `count` worker threads (the calling thread is the extra one) on one module and memory. */
export class WorkerPool {
  private readonly lanes: Lane[];
  private disposed = false;

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    scratch: readonly number[], // packing scratch of each worker
  ) {
    this.lanes = scratch.map((s) => new Lane(s));
  }

  /**
   * Posts kernel `job` with arguments a0 … a13 to worker `i` (0-based); it runs
   * while the caller goes on. (Fixed arity: nothing is allocated per call.)
   */
  post(i: number, job: JobName, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0): void {
    if (this.disposed) throw new Error("this model was disposed; create a new one");
    const lane = this.lanes[i]!;
    if (lane.worker === null) this.start(lane);
    // A job left running by a shared job (see idle) finishes before its arguments are overwritten.
    else if (Atomics.load(lane.ctl, CTL.DONE) !== lane.seq) this.waitLane(lane);
    const a = lane.args;
    a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3; a[4] = a4; a[5] = a5; a[6] = a6;
    a[7] = a7; a[8] = a8; a[9] = a9; a[10] = a10; a[11] = a11; a[12] = a12; a[13] = a13;
    lane.ctl[CTL.JOB] = JOB_NUMBER.get(job)!;
    lane.seq = (lane.seq + 1) | 0;
    Atomics.store(lane.ctl, CTL.POSTED, lane.seq);
    Atomics.notify(lane.ctl, CTL.POSTED);
  }

  /** Starts every worker that has not started and resolves when all have instantiated the kernels; on failure, stops them and rejects. */
  async startAll(): Promise<void> {
    for (const lane of this.lanes) if (lane.worker === null) this.start(lane);
    try {
      await Promise.all(this.lanes.map((lane) => lane.worker!.ready));
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Waits until workers 0 … count-1 have finished their last job: spins, then sleeps in Atomics.wait where the thread may block, else keeps spinning. */
  wait(count: number): void {
    for (let i = 0; i < count; i++) this.waitLane(this.lanes[i]!);
  }

  /**
   * Whether worker i has finished its last job (or not started: post starts
   * it). A shared job (jobs that take their parts from a common counter, and
   * that the caller finishes alone when a worker is late) posts only to idle
   * workers and does not wait for them: a worker the OS has not run yet
   * would otherwise hold up the whole layer.
   */
  idle(i: number): boolean {
    const lane = this.lanes[i]!;
    return lane.worker === null || Atomics.load(lane.ctl, CTL.DONE) === lane.seq;
  }

  /**
   * Whether worker i is running, idle and not asleep: still spinning after
   * its last job, so a job posted now starts within microseconds. Waking a
   * sleeping thread can take a scheduler's time slice on a busy machine.
   */
  awake(i: number): boolean {
    const lane = this.lanes[i]!;
    return lane.worker !== null && Atomics.load(lane.ctl, CTL.DONE) === lane.seq && Atomics.load(lane.ctl, CTL.ASLEEP) === 0;
  }

  /** Throws what a worker reported: a failed kernel, or a stopped thread. */
  check(i: number): void {
    const ctl = this.lanes[i]!.ctl;
    if (Atomics.load(ctl, CTL.READY) === STOPPED) throw new Error("internal: a kernel worker thread stopped unexpectedly");
    takeError(ctl);
  }

  private waitLane(lane: Lane): void {
    const sleep = canBlock();
    const ctl = lane.ctl;
    let spins = 0;
    let since = 0; // when the worker was first seen not started
    while (Atomics.load(ctl, CTL.DONE) !== lane.seq) {
      if (++spins < SPIN) continue;
      spins = 0;
      if (sleep) Atomics.wait(ctl, CTL.DONE, (lane.seq - 1) | 0, NAP_MS);
      const state = Atomics.load(ctl, CTL.READY);
      if (state === STOPPED) throw new Error("internal: a kernel worker thread stopped unexpectedly");
      if (state === 0 && (since ||= Date.now()) < Date.now() - START_TIMEOUT_MS) {
        throw new Error(`a kernel worker thread did not start within ${START_TIMEOUT_MS / 1000} s` + (sleep ? "" : " (on a thread that cannot block, create the model with createModelAsync)"));
      }
    }
    takeError(ctl);
  }

  /** Stops the workers (idempotent). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const lane of this.lanes) {
      if (lane.worker === null) continue;
      lane.ctl[CTL.JOB] = STOP;
      Atomics.store(lane.ctl, CTL.POSTED, (lane.seq + 1) | 0);
      Atomics.notify(lane.ctl, CTL.POSTED);
      lane.worker.terminate();
      lane.worker = null;
    }
  }

  private start(lane: Lane): void {
    const setup: WorkerSetup = { module: this.module, memory: this.memory, control: lane.ctl.buffer as SharedArrayBuffer, args: lane.args.buffer as SharedArrayBuffer, scratch: lane.scratch };
    // A failure inside the worker is reported through the control block (and rejects its
    // `ready`); the callback also keeps an unexpected crash from becoming an unhandled error.
    lane.worker = platform.startKernelWorker(setup, () => {
      lane.ctl[CTL.ERROR] = 1;
    });
  }
}

/** Throws (once) the failure a worker recorded in its control block. */
function takeError(ctl: Int32Array): void {
  if (ctl[CTL.ERROR] !== 0) {
    ctl[CTL.ERROR] = 0;
    throw new Error("internal: a WebAssembly kernel failed in a worker thread");
  }
}
