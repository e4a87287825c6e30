// A convolution writing its output (and reading its output gradient) as a slice of a larger tensor, as a
// concat's branch does (conv2dParams' outStride and gradStride): the same values as packed, nothing outside
// the slice touched; TypeScript, and the wasm kernel set on 1–3 threads through each of its forward paths.
import { beforeAll, describe, expect, it } from "vitest";
import { conv2dParams, jsKernels, Rng, type ConvSpec, type Kernels } from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";
import { fillUniform } from "./helpers.js";

beforeAll(ensureWasmBuilt);

const SCRATCH = 1 << 16;
const { engine } = wasmEngines({ floats: 2_000_000, ints: 1, scratch: SCRATCH, convParams: 2000 });

const base = { batch: 3, height: 6, width: 7, stride: [1, 1], pad: [1, 1] } as const;
// Each wasm forward path (conv.as.ts): 1x1 GEMM, Winograd (and its input gradient), direct, implicit GEMM,
// im2col over several images per GEMM; grouped runs the TypeScript kernel under wasm too; depthwise (stride 1 and 2) its own kernel.
const cases: Record<string, Omit<ConvSpec, "batch" | "height" | "width"> & { batch?: number; width?: number }> = {
  pointwise: { channels: 8, kernel: [1, 1], pad: [0, 0], filters: 6 },
  // One image on 2 or 3 threads: its filters in chunks the threads claim (pointwise.as.ts, pointwiseShared).
  pointwiseShared: { batch: 1, channels: 64, kernel: [1, 1], pad: [0, 0], filters: 200 },
  winograd: { channels: 8, kernel: [3, 3], filters: 10 },
  direct: { channels: 3, kernel: [3, 3], filters: 4 },
  implicit: { channels: 3, kernel: [3, 3], filters: 12 },
  im2col: { channels: 4, kernel: [3, 3], stride: [2, 2], filters: 12 },
  grouped: { channels: 4, kernel: [3, 3], filters: 6, groups: 2 },
  depthwise: { channels: 6, kernel: [3, 3], filters: 6, groups: 6 },
  depthwise2: { channels: 5, kernel: [3, 3], stride: [2, 2], filters: 5, groups: 5 },
  // The depthwise backward's other paths (depthwise-backward.as.ts): stride 2 by phases (W = 2·OW), stride 1 on rows of whole blocks.
  depthwise2phases: { channels: 5, kernel: [3, 3], stride: [2, 2], filters: 5, groups: 5, width: 8 },
  depthwiseRows: { channels: 3, kernel: [3, 3], filters: 3, groups: 3, width: 16 },
};

const SENTINEL = 12345;

/** Runs forward and backward packed, then into / out of slice [at, at + count) of examples `stride` apart, and compares. */
function compare(k: Kernels, take: (n: number) => Float32Array, name: string, seed: number): void {
  const spec = { ...base, ...cases[name]! } as ConvSpec;
  const packed = conv2dParams(spec);
  const { B, C, H, W, F, OH, OW } = packed;
  const count = F * OH * OW;
  const at = 5;
  const stride = count + 11;
  const sliced = conv2dParams({ ...spec, outStride: stride, gradStride: stride });
  const rng = new Rng(seed);
  const x = take(B * C * H * W);
  const w = take((F * C * packed.KH * packed.KW) / (spec.groups ?? 1));
  const bias = take(F);
  const dyPacked = take(B * count);
  [x, w, bias, dyPacked].forEach((t) => fillUniform(rng, t));
  const scratch = take(SCRATCH);
  const y = take(B * count);
  k.conv2dForward(x, w, bias, y, scratch, packed, 1);
  const big = take(B * stride + at);
  big.fill(SENTINEL);
  const view = big.subarray(at);
  k.conv2dForward(x, w, bias, view, scratch, sliced, 1);
  for (let b = 0; b < B; b++) expect([...view.subarray(b * stride, b * stride + count)]).toEqual([...y.subarray(b * count, (b + 1) * count)]);
  const outside = [...big.subarray(0, at), ...Array.from({ length: B }, (_, b) => [...view.subarray(b * stride + count, (b + 1) * stride)]).flat()];
  expect(outside.every((v) => v === SENTINEL)).toBe(true);

  const grads = () => ({ dx: take(x.length), dw: take(w.length), db: take(F) });
  const ref = grads();
  k.conv2dBackward(x, w, dyPacked, ref.dx, ref.dw, ref.db, scratch, packed);
  const dyBig = take(B * stride + at);
  dyBig.fill(SENTINEL);
  const dyView = dyBig.subarray(at);
  for (let b = 0; b < B; b++) dyView.set(dyPacked.subarray(b * count, (b + 1) * count), b * stride);
  const got = grads();
  k.conv2dBackward(x, w, dyView, got.dx, got.dw, got.db, scratch, sliced);
  for (const key of ["dx", "dw", "db"] as const) expect([...got[key]], key).toEqual([...ref[key]]);
}

describe("conv2dParams outStride / gradStride (a concat's branch writing into its slice)", () => {
  it("rejects a stride shorter than one example's output", () => {
    const spec: ConvSpec = { batch: 1, channels: 4, height: 5, width: 5, kernel: [3, 3], filters: 4 };
    expect(() => conv2dParams({ ...spec, outStride: 4 * 9 - 1 })).toThrow(/outStride 35 must be a whole number ≥ filters·OH·OW = 36/);
    expect(() => conv2dParams({ ...spec, groups: 4, gradStride: 4 * 9 - 2 })).toThrow(/gradStride 34 must be a whole number/);
    expect(conv2dParams({ ...spec, outStride: 40 }).YS).toBe(40);
  });

  for (const name of Object.keys(cases))
    it(`TypeScript, ${name}`, () => {
      let pos = 0;
      const arena = new Float32Array(400_000);
      compare(jsKernels, (n) => arena.subarray(pos, (pos += n)), name, 1);
    });

  // One engine per thread count (starting workers is what costs): every conv path, then the relu backward over slices.
  for (const threads of [1, 2, 3])
    it(`WebAssembly against TypeScript, ${threads} thread(s): every conv path, activations over slices`, () => {
      const e = engine(threads);
      for (const name of Object.keys(cases)) compare(e.kernels, (n) => e.floats.take(n), name, threads);
      // Activations ending a branch: forward into slices; backward from the slices (relu reads y) or from the packed
      // input (hardswish reads x). Runs long enough to be split across threads, then short runs that go one example per thread.
      for (const [n, count, stride] of [
        [2, 66_000, 66_013],
        [7, 10_000, 10_009],
      ] as const)
        activations(e.kernels, (k) => e.floats.take(k), n, count, stride);
    });
});

function activations(k: Kernels, take: (n: number) => Float32Array, n: number, count: number, stride: number): void {
  const rng = new Rng(4);
  const [x, y, dy, dx] = [take(n * count), take(n * stride), take(n * stride), take(n * count)];
  [x, dy].forEach((t) => fillUniform(rng, t));
  const [yRef, dxRef] = [new Float32Array(n * stride), new Float32Array(n * count)];
  for (const kind of ["relu", "hardswish"] as const) {
    jsKernels.activationForwardSlices(kind, x, yRef.subarray(2), stride, count, n);
    k.activationForwardSlices(kind, x, y.subarray(2), stride, count, n);
    expect(yRef[2 + stride + 7]).toBe(kind === "relu" ? Math.max(0, x[count + 7]!) : yRef[2 + stride + 7]);
    expect([...y.subarray(2)].every((v, i) => i % stride >= count || Math.abs(v - yRef[2 + i]!) <= 1e-6 * Math.abs(v))).toBe(true);
    const [from, fromStride] = kind === "relu" ? [y.subarray(2), stride] : [x, count];
    jsKernels.activationBackwardSlices(kind, from, fromStride, dy.subarray(2), stride, dxRef, count, n);
    k.activationBackwardSlices(kind, from, fromStride, dy.subarray(2), stride, dx, count, n);
    if (kind === "relu") expect(dxRef[count + 7]).toBe(y[2 + stride + 7]! > 0 ? dy[2 + stride + 7] : 0);
    expect([...dx].every((v, i) => Math.abs(v - dxRef[i]!) <= 1e-6 * Math.max(1, Math.abs(v)))).toBe(true);
  }
}
