// The `gate { … }` kernels: the TypeScript ones against a direct loop, and the wasm kernel set (1–3 threads) against them.
import { beforeAll, describe, expect, it } from "vitest";
import { jsKernels, Rng } from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";

beforeAll(ensureWasmBuilt);

const { engine } = wasmEngines({ floats: 4_000_000, ints: 1, scratch: 1, convParams: 1 });

function fill(v: Float32Array, rng: Rng): void {
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 4 - 2;
}

function expectClose(got: Float32Array, want: Float32Array, what: string, tol: number): void {
  let worst = 0;
  let at = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    if (!(d <= worst)) (worst = d), (at = i);
  }
  expect(worst, `${what}: worst at ${at}: ${got[at]} vs ${want[at]}`).toBeLessThanOrEqual(tol);
}

describe("gate kernels", () => {
  it("TypeScript: y = x ⊙ g broadcast per run, dg = Σ dy ⊙ x, dx += dy ⊙ g", () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const g = Float32Array.from([2, -1]);
    const y = new Float32Array(6);
    jsKernels.gateForward(x, g, y, 1, 2, 3);
    expect([...y]).toEqual([2, 4, 6, -4, -5, -6]);
    const dy = Float32Array.from([1, 0, 1, 0, 1, 1]);
    const dg = new Float32Array(2);
    jsKernels.gateBackwardGate(dy, x, dg, 1, 2, 3);
    expect([...dg]).toEqual([4, 11]);
    const dx = Float32Array.from([1, 1, 1, 1, 1, 1]);
    jsKernels.gateBackwardInput(dy, g, dx, 1, 2, 3);
    expect([...dx]).toEqual([3, 1, 3, 1, 0, 0]);
  });

  // [examples, channels, spatial]: a squeeze-and-excitation gate (runs of H·W, some not multiples of 4), a same-shape gate (runs of 1), a large one that splits
  for (const [n, c, s] of [[3, 5, 7], [2, 3, 16], [4, 37, 1], [8, 64, 196]] as const)
    for (const threads of [1, 2, 3])
      it(`WebAssembly against TypeScript: ${n} examples × ${c} channels × ${s}, ${threads} thread(s)`, () => {
        const e = engine(threads);
        const rng = new Rng(n * c * s + threads);
        const total = n * c * s;
        const x = e.floats.take(total);
        const g = e.floats.take(n * c);
        const dy = e.floats.take(total);
        fill(x, rng), fill(g, rng), fill(dy, rng);
        const y = e.floats.take(total).fill(NaN); // forward overwrites: leftovers must not show
        const yRef = new Float32Array(total);
        e.kernels.gateForward(x, g, y, n, c, s);
        jsKernels.gateForward(x, g, yRef, n, c, s);
        expectClose(y, yRef, "forward", 0);
        const dg = e.floats.take(n * c);
        const dgRef = new Float32Array(n * c);
        e.kernels.gateBackwardGate(dy, x, dg, n, c, s);
        jsKernels.gateBackwardGate(dy, x, dgRef, n, c, s);
        expectClose(dg, dgRef, "gradient of the gate", 1e-5);
        const dx = e.floats.take(total);
        fill(dx, rng);
        const dxRef = Float32Array.from(dx);
        e.kernels.gateBackwardInput(dy, g, dx, n, c, s);
        jsKernels.gateBackwardInput(dy, g, dxRef, n, c, s);
        expectClose(dx, dxRef, "gradient of the input", 1e-6);
      });
});
