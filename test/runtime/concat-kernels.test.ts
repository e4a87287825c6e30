// The `concat` slice kernels: TypeScript values, and the wasm kernel set (1–3 threads) against them.
import { beforeAll, describe, expect, it } from "vitest";
import { jsKernels, Rng } from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";

beforeAll(ensureWasmBuilt);

const { engine } = wasmEngines({ floats: 1_000_000, ints: 1, scratch: 1, convParams: 1 });

describe("concat slice kernels", () => {
  it("TypeScript: copies and adds one run per example at the given strides and offsets", () => {
    const src = Float32Array.from([1, 2, 3, 4]); // 2 examples of 2
    const dst = new Float32Array(10); // 2 examples of 5
    jsKernels.copySlices(src, 2, 0, dst, 5, 3, 2, 2);
    expect([...dst]).toEqual([0, 0, 0, 1, 2, 0, 0, 0, 3, 4]);
    jsKernels.addSlices(src, 2, 1, dst, 5, 4, 1, 2);
    expect([...dst]).toEqual([0, 0, 0, 1, 4, 0, 0, 0, 3, 8]);
  });

  for (const threads of [1, 2, 3])
    it(`WebAssembly against TypeScript, ${threads} thread(s)`, () => {
      const e = engine(threads);
      const rng = new Rng(threads);
      const [n, inner, outer, offset] = [5, 37, 101, 29];
      const src = e.floats.take(n * outer);
      for (let i = 0; i < src.length; i++) src[i] = rng.next();
      const dst = e.floats.take(n * outer);
      const ref = new Float32Array(n * outer);
      // forward: a branch's run into its slice; backward: the slice out, then added
      e.kernels.copySlices(src, inner, 3, dst, outer, offset, inner, n);
      jsKernels.copySlices(src, inner, 3, ref, outer, offset, inner, n);
      expect([...dst]).toEqual([...ref]);
      e.kernels.addSlices(src, outer, 11, dst, outer, offset, inner, n);
      jsKernels.addSlices(src, outer, 11, ref, outer, offset, inner, n);
      expect([...dst]).toEqual([...ref]);
    });
});
