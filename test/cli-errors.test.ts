/**
 * The CLI's error boundary (cli/errors.ts): every error becomes one line and
 * an exit status, never a stack trace unless NNSPEC_DEBUG=1; and the kernel
 * choice for models too large for a WebAssembly memory (cli/create-model.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { InternalError } from "../compiler/index.js";
import { reportError, TrainingError } from "../cli/errors.js";
import { UsageError } from "../cli/io.js";
import { createRunnable } from "../cli/create-model.js";
import type { LoadedModel, RunnableModel } from "../cli/load-model.js";
import { DataError, NpyFormatError, WasmMemoryError, WeightsError, WeightsFormatError } from "../runtime/index.js";
import { ExportError } from "../compiler/export/onnx.js";

function report(e: unknown, debug = false): { status: number; stderr: string } {
  let stderr = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { status: reportError(e, debug), stderr };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("reportError", () => {
  it("maps each error class to one line and its exit status", () => {
    const cases: [unknown, number, string][] = [
      [new UsageError("--epochs must be a whole number ≥ 1, not x"), 2, "nnspec: --epochs must be a whole number ≥ 1, not x\n"],
      [new WeightsError("w.safetensors: missing tensor"), 2, "nnspec: w.safetensors: missing tensor\n"],
      [new WeightsFormatError("w.safetensors: truncated"), 2, "nnspec: w.safetensors: truncated\n"],
      [new NpyFormatError("x.npy: bad header"), 2, "nnspec: x.npy: bad header\n"],
      [new DataError("train_x.npy: 3 examples, train_y.npy: 4"), 2, "nnspec: train_x.npy: 3 examples, train_y.npy: 4\n"],
      [new ExportError("no ONNX form"), 1, "nnspec: no ONNX form\n"],
      [new TrainingError("training diverged: …"), 1, "nnspec: training diverged: …\n"],
      [new RangeError("lenet5.forward: input value 3 is NaN; inputs must be finite"), 1, "nnspec: lenet5.forward: input value 3 is NaN; inputs must be finite\n"],
      [new TypeError("net.trainStep: expected an optimizer"), 1, "nnspec: net.trainStep: expected an optimizer\n"],
      [new RangeError("Array buffer allocation failed"), 1, "nnspec: out of memory: Array buffer allocation failed (try a smaller --batch, or a smaller model)\n"],
      [new InternalError("bad plan"), 3, "nnspec: internal error: bad plan\n"],
      [new Error("something\nat line two"), 3, "nnspec: internal error: something (NNSPEC_DEBUG=1 shows where)\n"],
      [new RangeError("Maximum call stack size exceeded"), 3, "nnspec: internal error: Maximum call stack size exceeded (NNSPEC_DEBUG=1 shows where)\n"],
      ["a string", 3, "nnspec: internal error: a string\n"],
      [new UsageError("bad \u001b[31mname"), 2, "nnspec: bad \\x1b[31mname\n"],
    ];
    for (const [e, status, stderr] of cases) expect(report(e), String(e)).toEqual({ status, stderr });
  });

  it("a spec with errors prints nothing more (its diagnostics are out), exit 1", () => {
    const e = new Error("");
    e.name = "SpecError";
    expect(report(e)).toEqual({ status: 1, stderr: "" });
  });

  it("the stack trace of an unexpected error only with NNSPEC_DEBUG=1", () => {
    const plain = report(new Error("boom"));
    expect(plain.stderr).not.toMatch(/^\s+at /m);
    const debug = report(new Error("boom"), true);
    expect(debug.stderr).toMatch(/^\s+at /m);
    expect(debug.status).toBe(3);
  });
});

describe("createRunnable", () => {
  /** A model whose wasm memory plan is 5 GiB: createModel throws WasmMemoryError unless kernels is "js". */
  function hugeModel(): { loaded: LoadedModel; calls: (string | undefined)[] } {
    const calls: (string | undefined)[] = [];
    const loaded = {
      info: { name: "huge" },
      createModel(o: { kernels?: "wasm" | "js" } = {}) {
        calls.push(o.kernels);
        if (o.kernels !== "js") throw new WasmMemoryError(5 * 2 ** 30);
        return { kernels: "js" } as unknown as RunnableModel;
      },
    } as unknown as LoadedModel;
    return { loaded, calls };
  }

  it("without --kernels: falls back to the TypeScript kernels, with a note", () => {
    const { loaded, calls } = hugeModel();
    const notes: string[] = [];
    expect(createRunnable(loaded, { batchSize: 64 }, {}, (t) => notes.push(t)).kernels).toBe("js");
    expect(calls).toEqual([undefined, "js"]);
    expect(notes).toEqual(["note: model huge needs 5.00 GiB at batch 64, more than a WebAssembly memory holds (4 GiB); running on the TypeScript kernels (--kernels js)"]);
  });

  it("with --kernels wasm: a usage error naming --kernels js", () => {
    const { loaded } = hugeModel();
    expect(() => createRunnable(loaded, { batchSize: 64 }, { kernels: "wasm" }, () => {})).toThrow(new UsageError("model huge needs 5.00 GiB at batch 64, more than a WebAssembly memory holds (4 GiB); use --kernels js or a smaller --batch"));
  });

  it("a batch too large for the model's activations names --batch", () => {
    const loaded = { info: { name: "big" }, createModel: () => { throw new RangeError("big: batchSize 60000 needs 20.1 GiB of activations; use a smaller batch"); } } as unknown as LoadedModel;
    expect(() => createRunnable(loaded, { batchSize: 60000 }, {}, () => {})).toThrow(new UsageError("--batch 60000 is too large for model big: it needs 20.1 GiB of activations; use a smaller batch"));
  });
});
