// Every activation with a WebAssembly pair (runtime/activations.ts's KERNEL_ACTIVATIONS): the module exports
// it, and the wasm kernel set (1, 2 and 3 threads) computes what the TypeScript kernels do, forward and backward.
import { beforeAll, describe, expect, it } from "vitest";
import { jsKernels, KERNEL_ACTIVATIONS, Rng, type KernelActivation } from "../../runtime/index.js";
import { instantiateKernels, newSharedMemory } from "../../runtime/wasm/module.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";

beforeAll(ensureWasmBuilt);

const { engine } = wasmEngines({ floats: 2_000_000, ints: 1, scratch: 1, convParams: 1 });

/** Values in [-6, 6), with the points where activations bend (0, ±3) and ties among them. */
function inputs(v: Float32Array, rng: Rng): void {
  const special = [0, -0, 3, -3, 6, -6, 1e-30, -1e-30];
  for (let i = 0; i < v.length; i++) v[i] = i % 11 === 0 ? special[(i / 11) % special.length]! : rng.next() * 12 - 6;
}

/** |got − want| ≤ tol · max(1, |want|) everywhere. */
function expectClose(got: Float32Array, want: Float32Array, what: string, tol: number): void {
  let worst = 0;
  let at = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    if (!(d <= worst)) (worst = d), (at = i);
  }
  expect(worst, `${what}: worst at ${at}: ${got[at]} vs ${want[at]}`).toBeLessThanOrEqual(tol);
}

const NAMES = Object.keys(KERNEL_ACTIVATIONS) as KernelActivation[];

describe("activation kernels: WebAssembly against TypeScript", () => {
  it("kernels.wasm exports a forward and a backward for every kernel activation", () => {
    const k = instantiateKernels(newSharedMemory(8 << 20)) as unknown as Record<string, unknown>;
    for (const name of NAMES) for (const fn of [`${name}Forward`, `${name}Backward`]) expect(typeof k[fn], fn).toBe("function");
  });

  for (const name of NAMES)
    for (const threads of [1, 2, 3])
      for (const n of [1, 7, 4099, 300_001]) {
        it(`${name} over ${n} values, ${threads} thread(s)`, () => {
          const e = engine(threads);
          const rng = new Rng(n + threads);
          const x = e.floats.take(n);
          const dy = e.floats.take(n);
          inputs(x, rng);
          inputs(dy, rng);
          const y = e.floats.take(n);
          const ref = new Float32Array(n);
          const forward = `${name}Forward` as const;
          const backward = `${name}Backward` as const;
          e.kernels[forward](x, y, n);
          jsKernels[forward](x, ref, n);
          expectClose(y, ref, `${name} forward`, 1e-6);
          // The backward's first argument is x or y depending on the activation; both kernel sets get the same.
          for (const from of [x, y]) {
            const dx = e.floats.take(n);
            const want = new Float32Array(n);
            e.kernels[backward](from, dy, dx, n);
            jsKernels[backward](from, dy, want, n);
            expectClose(dx, want, `${name} backward`, 1e-6);
          }
        });
      }
});
