/**
 * createModelAsync on Node: the same model as createModel for every thread
 * count, its threads running once it resolves; the single-thread fallback
 * without SharedArrayBuffer (as in a page that is not cross-origin isolated,
 * simulated with globalThis.crossOriginIsolated = false): an unshared memory,
 * one warning, the same numbers.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { SGD } from "../../runtime/index.js";
import { instantiateKernels, kernelModule, loadKernelModule, newMemory, unsharedKernels } from "../../runtime/wasm/module.js";
import { platform } from "../../runtime/platform/node.js";
import { loadSpec, type GeneratedModel, type GeneratedModule } from "../helpers/compile.js";
import { LENET5, lenetBatch } from "../helpers/lenet5.js";

let mod: GeneratedModule;
const models: GeneratedModel[] = [];
beforeAll(async () => {
  mod = await loadSpec(LENET5);
});
afterEach(() => {
  models.splice(0).forEach((m) => m.dispose());
  delete (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  vi.restoreAllMocks();
});
const keep = <M extends GeneratedModel>(m: M): M => (models.push(m), m);

/** Logits of a batch and the losses of three training steps. */
function run(m: GeneratedModel): { logits: Float32Array; losses: number[] } {
  const { x, labels } = lenetBatch(8);
  const logits = Float32Array.from(m.forward(x));
  const opt = new SGD({ lr: 0.05 });
  const losses = [0, 1, 2].map(() => m.trainStep(x, labels, opt));
  return { logits, losses };
}

describe("createModelAsync on Node", () => {
  for (const threads of [1, 2, 3]) {
    it(`${threads} thread(s): the same model and results as createModel`, async () => {
      const a = keep(await mod.createModelAsync({ batchSize: 8, seed: 3, threads }));
      const b = keep(mod.createModel({ batchSize: 8, seed: 3, threads }));
      expect(a.threads).toBe(threads);
      expect(a.kernels).toBe("wasm");
      expect(run(a)).toEqual(run(b));
    });
  }

  it("kernels: \"js\" needs no wasm and gives a js model", async () => {
    const m = keep(await mod.createModelAsync({ batchSize: 2, kernels: "js" }));
    expect(m.kernels).toBe("js");
    expect(m.threads).toBe(1);
  });

  it("checks its options like createModel", async () => {
    await expect(mod.createModelAsync({ threads: 0 })).rejects.toThrow(/threads must be a whole number from 1 to 64, got 0/);
    await expect(mod.createModelAsync({ batchSize: -1 })).rejects.toThrow(/batchSize must be a whole number/);
    await expect(mod.createModelAsync(null as never)).rejects.toThrow(/options must be an object, got null/);
  });

  it("without SharedArrayBuffer: 1 thread on an unshared memory, one warning, the same numbers", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const shared = run(keep(mod.createModel({ batchSize: 8, seed: 3, threads: 1 })));
    (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated = false;
    const a = keep(await mod.createModelAsync({ batchSize: 8, seed: 3, threads: 2 }));
    const b = keep(await mod.createModelAsync({ batchSize: 8, seed: 3 }));
    expect([a.threads, b.threads]).toEqual([1, 1]);
    expect(a.params["conv1.weight"]!.buffer).toBeInstanceOf(ArrayBuffer); // not a SharedArrayBuffer
    expect(run(a)).toEqual(shared);
    expect(warn).toHaveBeenCalledTimes(1); // once per process, however many models
    expect(String(warn.mock.calls[0]![0])).toMatch(/runs its WebAssembly kernels on 1 thread: SharedArrayBuffer is unavailable .*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    expect(() => mod.createModel({ threads: 2 })).toThrow(/2 threads need SharedArrayBuffer/);
  });
});

describe("the kernels module", () => {
  it("compiles asynchronously to the module createModel uses", async () => {
    expect(await loadKernelModule()).toBe(kernelModule());
  });

  it("unsharedKernels declares the memory import unshared and changes nothing else", async () => {
    const bytes = await platform.kernelsWasm();
    const plain = unsharedKernels(bytes);
    expect(plain.length).toBe(bytes.length);
    const diff = [...bytes].flatMap((b, i) => (b !== plain[i] ? [[i, b, plain[i]]] : []));
    expect(diff.length).toBe(1);
    expect(diff[0]!.slice(1)).toEqual([0x03, 0x01]);
    const k = instantiateKernels(newMemory(4 << 20, 4 << 20, false), new WebAssembly.Module(plain));
    expect(k.heapBase()).toBeGreaterThan(0);
    expect(() => instantiateKernels(newMemory(4 << 20, 4 << 20, false), new WebAssembly.Module(bytes))).toThrow(/memory/i);
    expect(() => unsharedKernels(plain)).toThrow(/does not import a shared env\.memory/);
  });
});
