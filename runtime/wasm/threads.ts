/**
 * Worker threads that run WebAssembly kernels on a model's shared memory,
 * behind a synchronous API: the calling thread posts a job (kernel number and
 * numeric arguments in shared arrays), does its own share of the work, then
 * waits for the workers with Atomics. Both sides spin briefly before sleeping
 * (Atomics.wait), because a layer's share often takes only tens of
 * microseconds and waking a sleeping thread costs about as much.
 *
 * Workers start on first use, are unref'd (they never keep the process
 * alive), and stop on dispose() or when their owner is garbage-collected.
 */
import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { JOBS, type JobName, type WasmMemory, type WasmModule } from "./module.js";

/** Slots of a worker's Int32 control block. */
export const CTL = { POSTED: 0, DONE: 1, JOB: 2, ERROR: 3, READY: 4, LENGTH: 8 } as const;
/** Arguments per job (Float64 slots: exact for every i32 and f32 argument). */
export const MAX_ARGS = 13;
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

/** Default thread count: the cores Node reports. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, availableParallelism()));
}

const WORKER_CANDIDATES = [new URL("./worker.js", import.meta.url), new URL("../../dist/runtime/wasm/worker.js", import.meta.url)];

function workerPath(): string {
  for (const u of WORKER_CANDIDATES) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  throw new Error(`runtime/wasm/worker.js not found (looked for ${WORKER_CANDIDATES.map((u) => fileURLToPath(u)).join(", ")}); run \`npm run build\``);
}

const JOB_NUMBER = new Map<JobName, number>(JOBS.map((name, i) => [name, i]));

/** One worker thread and its control block. */
class Lane {
  readonly ctl = new Int32Array(new SharedArrayBuffer(CTL.LENGTH * 4));
  readonly args = new Float64Array(new SharedArrayBuffer(MAX_ARGS * 8));
  worker: Worker | null = null;
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
   * Posts kernel `job` with arguments a0 … a12 to worker `i` (0-based); it runs
   * while the caller goes on. (Fixed arity: nothing is allocated per call.)
   */
  post(i: number, job: JobName, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0): void {
    if (this.disposed) throw new Error("this model was disposed; create a new one");
    const lane = this.lanes[i]!;
    if (lane.worker === null) this.start(lane);
    const a = lane.args;
    a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3; a[4] = a4; a[5] = a5; a[6] = a6;
    a[7] = a7; a[8] = a8; a[9] = a9; a[10] = a10; a[11] = a11; a[12] = a12;
    lane.ctl[CTL.JOB] = JOB_NUMBER.get(job)!;
    lane.seq = (lane.seq + 1) | 0;
    Atomics.store(lane.ctl, CTL.POSTED, lane.seq);
    Atomics.notify(lane.ctl, CTL.POSTED);
  }

  /** Waits until workers 0 … count-1 have finished their last job. */
  wait(count: number): void {
    for (let i = 0; i < count; i++) {
      const lane = this.lanes[i]!;
      const ctl = lane.ctl;
      let spins = 0;
      let naps = 0; // 100 ms sleeps while the worker has not started
      while (Atomics.load(ctl, CTL.DONE) !== lane.seq) {
        if (++spins < SPIN) continue;
        spins = 0;
        Atomics.wait(ctl, CTL.DONE, (lane.seq - 1) | 0, NAP_MS);
        const state = Atomics.load(ctl, CTL.READY);
        if (state === STOPPED) throw new Error("internal: a kernel worker thread stopped unexpectedly");
        if (state === 0 && ++naps * NAP_MS > START_TIMEOUT_MS) {
          throw new Error(`a kernel worker thread did not start within ${START_TIMEOUT_MS / 1000} s`);
        }
      }
      if (ctl[CTL.ERROR] !== 0) {
        ctl[CTL.ERROR] = 0;
        throw new Error("internal: a WebAssembly kernel failed in a worker thread");
      }
    }
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
      void lane.worker.terminate();
      lane.worker = null;
    }
  }

  private start(lane: Lane): void {
    const setup: WorkerSetup = { module: this.module, memory: this.memory, control: lane.ctl.buffer as SharedArrayBuffer, args: lane.args.buffer as SharedArrayBuffer, scratch: lane.scratch };
    const worker = new Worker(workerPath(), { workerData: setup });
    worker.unref();
    // A failure inside the worker is reported through the control block; this only keeps
    // an unexpected crash from becoming an unhandled 'error' event.
    worker.on("error", () => {
      lane.ctl[CTL.ERROR] = 1;
    });
    lane.worker = worker;
  }
}
