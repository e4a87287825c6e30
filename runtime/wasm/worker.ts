/**
 * A kernel worker thread (a Node worker_threads worker or a module Web Worker,
 * started by runtime/wasm/threads.ts): receives its setup, instantiates the
 * kernels on the model's shared memory, reports ready, then runs posted jobs
 * until told to stop. See threads.ts for the protocol.
 */
import { platform } from "#platform";
import { instantiateKernels, JOBS } from "./module.js";
import { CTL, SPIN, STOP, STOPPED, type WorkerSetup } from "./threads.js";

platform.receiveSetup((setup) => run(setup as WorkerSetup));

function run(setup: WorkerSetup): void {
  const kernels = instantiateKernels(setup.memory, setup.module);
  kernels.setScratch(setup.scratch);
  const ctl = new Int32Array(setup.control);
  const a = new Float64Array(setup.args);
  const fns = JOBS.map((name) => kernels[name] as (...args: number[]) => void);

  Atomics.store(ctl, CTL.READY, 1);
  platform.reportReady();
  try {
    let seen = 0;
    for (;;) {
      let spins = 0;
      while (Atomics.load(ctl, CTL.POSTED) === seen) {
        if (++spins < SPIN) continue;
        spins = 0;
        Atomics.store(ctl, CTL.ASLEEP, 1);
        Atomics.wait(ctl, CTL.POSTED, seen);
        Atomics.store(ctl, CTL.ASLEEP, 0);
      }
      seen = Atomics.load(ctl, CTL.POSTED);
      const job = ctl[CTL.JOB]!;
      if (job === STOP) break;
      try {
        fns[job]!(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!);
      } catch {
        ctl[CTL.ERROR] = 1;
      }
      Atomics.store(ctl, CTL.DONE, seen);
      Atomics.notify(ctl, CTL.DONE);
    }
  } finally {
    // However the loop ends, a caller waiting for this worker must not wait forever.
    Atomics.store(ctl, CTL.READY, STOPPED);
    Atomics.notify(ctl, CTL.DONE);
  }
}
