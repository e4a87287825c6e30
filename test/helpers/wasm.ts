/**
 * For tests that load kernels.wasm themselves: it must be built from the
 * current runtime/wasm/src (the global setup checks this already; a test file
 * run on its own, or after an edit, gets the same message here).
 */
import { afterEach } from "vitest";
import { createEngine, type Engine, type PlanSizes } from "../../runtime/index.js";
import { requireBuilt } from "./build.js";

export function ensureWasmBuilt(): void {
  requireBuilt("wasm");
}

/**
 * Wasm engines for a test file: `engine(threads)` makes one with the given plan
 * sizes, `track(e)` adopts one made elsewhere; each case's engines stop their
 * workers when it ends, so their memories can be collected.
 */
export function wasmEngines(sizes: PlanSizes): { engine(threads: number): Engine<Float32Array>; track(e: Engine<Float32Array>): void } {
  const engines: Engine<Float32Array>[] = [];
  afterEach(() => {
    engines.forEach((e) => e.kernels.dispose());
    engines.length = 0;
  });
  const track = (e: Engine<Float32Array>) => void engines.push(e);
  return {
    track,
    engine(threads) {
      const e = createEngine(Float32Array, sizes, { kernels: "wasm", threads }, "test");
      track(e);
      return e;
    },
  };
}
