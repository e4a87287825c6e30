/**
 * Ctrl-C (SIGINT) and SIGTERM during training. The first signal sets a flag
 * that the loop checks after every step (and between evaluation batches);
 * the loop then saves a checkpoint and exits 130. The handler also stops
 * listening, so a second signal gets the default action and ends the process
 * at once, even in the middle of a step or a save: every file nnspec writes is
 * replaced atomically, so the old checkpoint stays whole.
 *
 * A signal handler runs only when the event loop gets a turn; `pause()` gives
 * it one whenever 20 ms have passed since the last, so a signal is seen within
 * one step (or one evaluation batch) plus 20 ms.
 */
import { setImmediate as tick } from "node:timers/promises";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
/** Longest time between event-loop turns while training. */
const TURN_MS = 20;

export class Interrupt {
  /** The signal received, once one was. */
  signal: NodeJS.Signals | undefined;
  private lastTurn = performance.now();
  private readonly handler = (signal: NodeJS.Signals) => {
    this.signal = signal;
    this.dispose();
    process.stderr.write(`\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping after this step to save a checkpoint (press Ctrl-C again to quit at once without saving)\n`);
  };

  constructor() {
    for (const s of SIGNALS) process.on(s, this.handler);
  }

  get requested(): boolean {
    return this.signal !== undefined;
  }

  /** Give the event loop a turn when it has not had one for a while; true when a stop was requested. */
  async pause(): Promise<boolean> {
    if (performance.now() - this.lastTurn >= TURN_MS) {
      await tick();
      this.lastTurn = performance.now();
    }
    return this.requested;
  }

  /** Stop listening: a signal now has its default effect (the process ends). */
  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.handler);
  }
}
