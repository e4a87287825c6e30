// The WebAssembly kernel set (1, 2 and 3 threads) against the TypeScript kernels, layer by layer,
// on arena views of a wasm engine: random geometries with strides, padding, odd sizes, ceil-mode
// pooling, 1x1 convolutions, fused relu, null bias / input gradient, and batches of 1.
import { beforeAll, describe, expect, it } from "vitest";
import {
  ACT_NONE,
  ACT_RELU,
  ACT_RELU6,
  conv2dParams,
  conv2dScratchSize,
  createEngine,
  jsKernels,
  pool2dParams,
  Rng,
  type Engine,
} from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";
import { fillUniform } from "./helpers.js";

beforeAll(ensureWasmBuilt);

const { engine, track } = wasmEngines({ floats: 4_000_000, ints: 400_000, scratch: 200_000, convParams: 100_000 });

/** A new view of the engine's arena filled with values in [-1, 1). */
function filled(e: Engine<Float32Array>, n: number, rng: Rng): Float32Array {
  return fillUniform(rng, e.floats.take(n));
}

/** Relative differences, each against max(floor, |want[i]|). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 2e-5, floor = 1): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!) / Math.max(floor, Math.abs(want[i]!));
    if (!(d <= worst)) (worst = d), (at = i);
  }
  expect(worst, `${what}: worst relative difference at ${at} (${got[at]} vs ${want[at]})`).toBeLessThanOrEqual(tol);
}

const THREADS = [1, 2, 3];
/** Elements of an add that is split across the threads (elementwise kernels split from 65,536). */
const WAKE = 1 << 17;

describe("wasm kernels match the TypeScript kernels", () => {
  it("reports its kind and thread count; the TypeScript set is single-threaded", () => {
    const e = engine(2);
    expect(e.kernels.kind).toBe("wasm");
    expect(e.kernels.threads).toBe(2);
    expect(e.floats.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(jsKernels.kind).toBe("js");
    expect(jsKernels.threads).toBe(1);
  });

  const convCases = [
    { B: 3, C: 2, H: 9, W: 7, F: 5, KH: 3, KW: 2, s: 2, p: 1, sw: 1, pw: 0 },
    { B: 4, C: 3, H: 12, W: 12, F: 8, KH: 3, KW: 3, s: 1, p: 1, sw: 1, pw: 1 },
    { B: 1, C: 6, H: 5, W: 5, F: 7, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0 }, // pointwise
    { B: 5, C: 4, H: 8, W: 6, F: 9, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0 }, // pointwise, several images
    { B: 2, C: 1, H: 28, W: 28, F: 6, KH: 5, KW: 5, s: 1, p: 2, sw: 1, pw: 2 }, // lenet conv1
    { B: 3, C: 2, H: 6, W: 11, F: 3, KH: 4, KW: 3, s: 3, p: 2, sw: 2, pw: 3 }, // padding wider than some windows
    { B: 2, C: 3, H: 4, W: 4, F: 2, KH: 4, KW: 4, s: 1, p: 0, sw: 1, pw: 0 }, // one output position
    // Implicit GEMM (row stride 1) past every sgemm block: F > 128 rows, CKK 288 > 256 deep, OHW 576 > 512 wide.
    { B: 2, C: 32, H: 24, W: 24, F: 136, KH: 3, KW: 3, s: 1, p: 1, sw: 1, pw: 1 },
    { B: 3, C: 2, H: 11, W: 10, F: 5, KH: 3, KW: 3, s: 2, p: 1, sw: 1, pw: 0 }, // vertical stride 2, rows of 8 (panels wrap)
    { B: 2, C: 3, H: 7, W: 5, F: 4, KH: 2, KW: 2, s: 1, p: 0, sw: 1, pw: 0 }, // rows of 4: panels span three rows
    // Winograd F(4x4, 3x3) (with a model-sized scratch): odd output sizes (partial tiles, partial
    // groups of four tiles), no padding, padding 2, several images per run and several runs.
    // Its transforms scale rounding errors with the layer's output range rather than each output:
    // the forward and the input gradient are checked to 2e-5 of their largest value instead of each.
    { B: 3, C: 8, H: 9, W: 13, F: 5, KH: 3, KW: 3, s: 1, p: 1, sw: 1, pw: 1, scratch: 200_000 },
    { B: 2, C: 16, H: 12, W: 21, F: 12, KH: 3, KW: 3, s: 1, p: 0, sw: 1, pw: 0, scratch: 200_000 },
    { B: 2, C: 9, H: 6, W: 6, F: 3, KH: 3, KW: 3, s: 1, p: 2, sw: 1, pw: 2, scratch: 200_000 },
    { B: 7, C: 32, H: 16, W: 16, F: 64, KH: 3, KW: 3, s: 1, p: 1, sw: 1, pw: 1, scratch: 200_000 },
    { B: 2, C: 4, H: 7, W: 9, F: 10, KH: 3, KW: 3, s: 1, p: 2, sw: 1, pw: 0, scratch: 200_000 }, // Winograd input gradient only, uneven padding
    { B: 2, C: 5, H: 23, W: 29, F: 7, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0 }, // pointwise, 667 columns: with an epilogue, GEMM blocks of 512 and a partial one
    // Pointwise with planes smaller than a GEMM column block: several images per GEMM (pointwise.as.ts), the scratch
    // permitting; split by images, or, with fewer images than threads, by filters (F > H·W) or by columns.
    { B: 8, C: 64, H: 7, W: 7, F: 36, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0, scratch: 200_000 }, // batch 8, 7x7: one GEMM per thread's images
    { B: 5, C: 16, H: 5, W: 5, F: 12, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0, scratch: 1_500 }, // scratch for 2 images: GEMMs of 2, 2 and 1
    { B: 1, C: 96, H: 7, W: 7, F: 138, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0, scratch: 200_000 }, // batch 1, split by filters (138: a partial tile)
    { B: 2, C: 64, H: 9, W: 9, F: 100, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0, scratch: 200_000 }, // batch 2: by images on 2 threads, by filters of 2 joined images on 3
    { B: 1, C: 32, H: 40, W: 45, F: 12, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0 }, // batch 1, 1800 columns: split by columns
    // The GEMM's epilogue after its last K block (300 = 150 + 150: C + tile first) on full and edge tiles (10 rows, 25 columns).
    { B: 2, C: 300, H: 5, W: 5, F: 10, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0 },
    // The epilogue finished in the micro-kernel's registers (packed weights, 144 columns) and as a pass over a block whose
    // weights are read in place (49 columns: 20 filters, and 136, two row blocks), the first two after two K blocks.
    { B: 1, C: 300, H: 12, W: 12, F: 8, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0 },
    { B: 1, C: 300, H: 7, W: 7, F: 20, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0 },
    { B: 1, C: 24, H: 7, W: 7, F: 136, KH: 1, KW: 1, s: 1, p: 0, sw: 1, pw: 0 },
  ];
  for (const threads of THREADS) {
    for (const [ci, c] of convCases.entries()) {
      for (const act of [ACT_NONE, ACT_RELU]) {
        it(`conv case ${ci} (${JSON.stringify(c)}), act ${act}, ${threads} thread(s): forward and backward`, () => {
          const e = engine(threads);
          const rng = new Rng(100 + ci * 7 + threads + act * 31);
          const p = conv2dParams({ batch: c.B, channels: c.C, height: c.H, width: c.W, kernel: [c.KH, c.KW], stride: [c.s, c.sw], pad: [c.p, c.pw], filters: c.F });
          const inN = c.B * c.C * c.H * c.W;
          const outN = c.B * c.F * p.OH * p.OW;
          const wN = c.F * c.C * c.KH * c.KW;
          const x = filled(e, inN, rng), w = filled(e, wN, rng), b = filled(e, c.F, rng), dy = filled(e, outN, rng);
          const scratch = e.floats.take(c.scratch ?? Math.max(1, conv2dScratchSize(p), c.C * c.KH * c.KW * p.OH * p.OW));
          const y = e.floats.take(outN), dx = e.floats.take(inN), dw = e.floats.take(wN), db = e.floats.take(c.F);
          const bias = ci % 2 === 0 ? b : null;
          const ref = { y: new Float32Array(outN), dx: new Float32Array(inN), dw: new Float32Array(wN), db: new Float32Array(c.F), s: new Float32Array(scratch.length) };
          y.fill(Number.NaN); // beta = 0 semantics: old contents never leak through
          // A split job just before, so the workers are awake: a batch-1 1x1 conv shares its chunks only with awake workers.
          if (threads > 1) {
            const wake = e.floats.take(WAKE);
            e.kernels.add(wake, wake, wake, WAKE);
          }
          e.kernels.conv2dForward(x, w, bias, y, scratch, p, act);
          jsKernels.conv2dForward(x, w, bias, ref.y, ref.s, p, act);
          // Winograd (a model-sized scratch, 3x3, stride 1): forward from 8 input channels, input gradient from 8 filters.
          const wino3x3 = c.scratch !== undefined && c.KH === 3 && c.KW === 3 && c.s === 1 && c.sw === 1;
          const range = (v: Float32Array): number => v.reduce((m, u) => Math.max(m, Math.abs(u)), 1);
          expectClose(y, ref.y, "y", 2e-5, wino3x3 && c.C >= 8 ? range(ref.y) : 1);
          if (act === ACT_RELU) {
            // The inference epilogue of a folded batchnorm on every path (Winograd and direct take it as a pass after their own): relu6(conv·scale + bias).
            // Scales up to 8 scale the rounding errors too: compared against 8× the unscaled floor.
            const floor = 8 * (wino3x3 && c.C >= 8 ? range(ref.y) : 1);
            const scale = filled(e, c.F, rng);
            scale.forEach((v, f) => (scale[f] = 8 * v)); // in place: the kernels read the arena
            y.fill(Number.NaN);
            e.kernels.conv2dForward(x, w, bias, y, scratch, p, ACT_RELU6, scale);
            jsKernels.conv2dForward(x, w, bias, ref.y, ref.s, p, ACT_RELU6, scale);
            expectClose(y, ref.y, "relu6(y·scale + bias)", 2e-5, floor);
          }
          e.kernels.conv2dBackward(x, w, dy, dx, dw, db, scratch, p);
          jsKernels.conv2dBackward(x, w, dy, ref.dx, ref.dw, ref.db, ref.s, p);
          // (3x3 stride 1: the input gradient is a Winograd convolution of dy as well.)
          expectClose(dx, ref.dx, "dx", 2e-5, wino3x3 && c.F >= 8 ? range(ref.dx) : 1);
          expectClose(dw, ref.dw, "dw", 1e-4);
          expectClose(db, ref.db, "db", 1e-4);
          // No input gradient and no bias gradient (first layer, nobias).
          dw.fill(7);
          e.kernels.conv2dBackward(x, w, dy, null, dw, null, scratch, p);
          expectClose(dw, ref.dw, "dw without dx", 1e-4);
        });
      }
    }

    const fcCases = [
      { B: 3, M: 5, N: 7 },
      { B: 32, M: 400, N: 120 }, // large enough to split
      { B: 9, M: 300, N: 100 }, // splits, N not a multiple of 8
      { B: 1, M: 4096, N: 256 },
      { B: 40, M: 17, N: 1000 },
    ];
    for (const [fi, c] of fcCases.entries()) {
      it(`fc ${c.B}x${c.M}→${c.N}, ${threads} thread(s): forward (+relu) and backward`, () => {
        const e = engine(threads);
        const rng = new Rng(500 + fi * 11 + threads);
        const x = filled(e, c.B * c.M, rng), w = filled(e, c.N * c.M, rng), b = filled(e, c.N, rng), dy = filled(e, c.B * c.N, rng);
        const y = e.floats.take(c.B * c.N), dx = e.floats.take(c.B * c.M), dw = e.floats.take(c.N * c.M), db = e.floats.take(c.N);
        for (const act of [ACT_NONE, ACT_RELU]) {
          const ref = new Float32Array(c.B * c.N);
          e.kernels.fcForward(x, w, fi % 2 ? null : b, y, c.B, c.M, c.N, act);
          jsKernels.fcForward(x, w, fi % 2 ? null : b, ref, c.B, c.M, c.N, act);
          expectClose(y, ref, `y act ${act}`, 1e-4);
        }
        const ref = { dx: new Float32Array(c.B * c.M), dw: new Float32Array(c.N * c.M), db: new Float32Array(c.N) };
        e.kernels.fcBackward(x, w, dy, dx, dw, db, c.B, c.M, c.N);
        jsKernels.fcBackward(x, w, dy, ref.dx, ref.dw, ref.db, c.B, c.M, c.N);
        expectClose(dx, ref.dx, "dx", 1e-4);
        expectClose(dw, ref.dw, "dw", 1e-4);
        expectClose(db, ref.db, "db", 1e-4);
      });
    }

    const poolCases = [
      { B: 2, C: 3, H: 8, W: 8, K: 2, s: 2, p: 0, ceil: false },
      { B: 16, C: 32, H: 32, W: 32, K: 2, s: 2, p: 0, ceil: false }, // large enough to split
      { B: 3, C: 2, H: 7, W: 9, K: 3, s: 2, p: 1, ceil: true },
      { B: 2, C: 4, H: 5, W: 5, K: 2, s: 2, p: 0, ceil: true }, // windows hanging past the edge
      { B: 1, C: 1, H: 6, W: 4, K: 3, s: 1, p: 1, ceil: false },
    ];
    for (const [pi, c] of poolCases.entries()) {
      it(`pooling case ${pi} (${JSON.stringify(c)}), ${threads} thread(s): max and average, forward and backward`, () => {
        const e = engine(threads);
        const rng = new Rng(900 + pi * 13 + threads);
        const p = pool2dParams({ batch: c.B, channels: c.C, height: c.H, width: c.W, kernel: [c.K, c.K], stride: [c.s, c.s], pad: [c.p, c.p], ceil: c.ceil });
        const inN = c.B * c.C * c.H * c.W;
        const outN = c.B * c.C * p.OH * p.OW;
        const x = filled(e, inN, rng), dy = filled(e, outN, rng);
        const y = e.floats.take(outN), dx = e.floats.take(inN), arg = e.ints.take(outN);
        const ry = new Float32Array(outN), rdx = new Float32Array(inN), rarg = new Int32Array(outN);
        e.kernels.maxPoolForward(x, y, arg, p);
        jsKernels.maxPoolForward(x, ry, rarg, p);
        expectClose(y, ry, "max y", 0);
        expect(Array.from(arg)).toEqual(Array.from(rarg));
        dx.fill(Number.NaN);
        e.kernels.maxPoolBackward(dy, arg, dx, p);
        jsKernels.maxPoolBackward(dy, rarg, rdx, p);
        expectClose(dx, rdx, "max dx", 0);
        e.kernels.avgPoolForward(x, y, p);
        jsKernels.avgPoolForward(x, ry, p);
        expectClose(y, ry, "avg y");
        dx.fill(Number.NaN);
        e.kernels.avgPoolBackward(dy, dx, p);
        jsKernels.avgPoolBackward(dy, rdx, p);
        expectClose(dx, rdx, "avg dx");
      });
    }

    it(`2x2 max pooling on relu-like data with ties (first maximum wins), odd widths, ${threads} thread(s)`, () => {
      const e = engine(threads);
      const rng = new Rng(77 + threads);
      // W = 22 (OW 11: two SIMD groups of 4 and a tail of 3), H odd (a row left over).
      const p = pool2dParams({ batch: 4, channels: 8, height: 9, width: 22, kernel: [2, 2], stride: [2, 2], pad: [0, 0], ceil: false });
      const inN = 4 * 8 * 9 * 22;
      const outN = 4 * 8 * p.OH * p.OW;
      const x = e.floats.take(inN);
      // Half zeros, the rest from three values: every window has ties.
      for (let i = 0; i < inN; i++) x[i] = rng.next() < 0.5 ? 0 : Math.floor(rng.next() * 3) / 2;
      const y = e.floats.take(outN), arg = e.ints.take(outN);
      const ry = new Float32Array(outN), rarg = new Int32Array(outN);
      e.kernels.maxPoolForward(x, y, arg, p);
      jsKernels.maxPoolForward(x, ry, rarg, p);
      expectClose(y, ry, "max y", 0);
      expect(Array.from(arg)).toEqual(Array.from(rarg));
    });

    // B, C, HW: planes with SIMD and scalar tails (HW 1, 3, 13, 49, 1029), the last large enough to split across threads.
    for (const [B, C, HW] of [
      [2, 3, 13],
      [3, 5, 1],
      [1, 2, 3],
      [8, 64, 196],
      [2, 512, 49],
      [4, 256, 1029], // over a million values: split across threads
    ] as const) {
      it(`global average pooling and per-channel sums (deconv's bias gradient), ${B}x${C}x${HW}, ${threads} thread(s)`, () => {
        const e = engine(threads);
        const rng = new Rng(B * C * HW + threads);
        const x = filled(e, B * C * HW, rng), dy = filled(e, B * C, rng);
        const y = e.floats.take(B * C), dx = e.floats.take(B * C * HW), sums = e.floats.take(C);
        const [ry, rdx, rsums] = [new Float32Array(B * C), new Float32Array(B * C * HW), new Float32Array(C)];
        e.kernels.globalAvgPoolForward(x, y, B, C, HW);
        jsKernels.globalAvgPoolForward(x, ry, B, C, HW);
        expectClose(y, ry, "mean", 2e-6, 0.05);
        dx.fill(Number.NaN);
        e.kernels.globalAvgPoolBackward(dy, dx, B, C, HW);
        jsKernels.globalAvgPoolBackward(dy, rdx, B, C, HW);
        expectClose(dx, rdx, "mean backward", 2e-7);
        sums.fill(Number.NaN);
        e.kernels.channelSums(x, sums, B, C, HW);
        jsKernels.channelSums(x, rsums, B, C, HW);
        expectClose(sums, rsums, "channel sums", 2e-6, Math.sqrt(B * HW));
      });
    }

    for (const n of [1, 7, 4099, 300_001]) {
      it(`relu, add and copy over ${n} elements, ${threads} thread(s)`, () => {
        const e = engine(threads);
        const rng = new Rng(n + threads);
        const a = filled(e, n, rng), b = filled(e, n, rng), out = e.floats.take(n);
        const ref = new Float32Array(n);
        e.kernels.reluForward(a, out, n);
        jsKernels.reluForward(a, ref, n);
        expectClose(out, ref, "relu", 0);
        e.kernels.reluBackward(a, b, out, n);
        jsKernels.reluBackward(a, b, ref, n);
        expectClose(out, ref, "relu backward", 0);
        e.kernels.add(a, b, out, n);
        jsKernels.add(a, b, ref, n);
        expectClose(out, ref, "add", 0);
        out.fill(Number.NaN);
        e.kernels.copy(a, out, n - 1); // the last element stays as it was
        expect(Array.from(out.subarray(0, n - 1))).toEqual(Array.from(a.subarray(0, n - 1)));
        expect(out[n - 1]).toBeNaN();
      });
    }
  }
});

describe("engine options", () => {
  const sizes = { floats: 100, ints: 0, scratch: 0, convParams: 0 };
  it("float32 defaults to wasm on the available cores; float64 and kernels: js use the TypeScript kernels", () => {
    const e = createEngine(Float32Array, sizes, {}, "m");
    track(e);
    expect(e.kernels.kind).toBe("wasm");
    expect(e.kernels.threads).toBeGreaterThanOrEqual(1);
    expect(createEngine(Float64Array, sizes, {}, "m").kernels).toBe(jsKernels);
    expect(createEngine(Float32Array, sizes, { kernels: "js", threads: 4 }, "m").kernels).toBe(jsKernels);
    expect(createEngine(Float32Array, sizes, { kernels: "js" }, "m").floats.data.buffer).toBeInstanceOf(ArrayBuffer);
  });
  it("a plan beyond 4 GiB cannot live in a WebAssembly memory: a clear error that points to the TypeScript kernels", () => {
    expect(() => createEngine(Float32Array, { ...sizes, floats: 1_100_000_000 }, {}, "m")).toThrow(/does not fit in a 4 GiB WebAssembly memory; use a smaller batch or kernels: "js"/);
  });
  it("rejects bad options with the model's name", () => {
    expect(() => createEngine(Float64Array, sizes, { kernels: "wasm" }, "m")).toThrow(/m: the WebAssembly kernels are float32.*kernels: "js"/);
    expect(() => createEngine(Float32Array, sizes, { kernels: "gpu" as never }, "m")).toThrow(/m: kernels must be "wasm" or "js", got the string "gpu"/);
    for (const t of [0, 1.5, -1, 65, "2", Number.NaN]) {
      expect(() => createEngine(Float32Array, sizes, { threads: t as number }, "m")).toThrow(/m: threads must be a whole number from 1 to 64/);
    }
  });
  it("keeps working after another model's workers were disposed, and refuses work once disposed", () => {
    const a = engine(2);
    const b = engine(2);
    const rng = new Rng(1);
    const n = 200_000;
    const x = filled(a, n, rng), y = a.floats.take(n);
    a.kernels.reluForward(x, y, n); // starts a's worker
    a.kernels.dispose();
    expect(() => a.kernels.reluForward(x, y, n)).toThrow(/disposed/);
    const bx = filled(b, n, rng), by = b.floats.take(n), ref = new Float32Array(n);
    b.kernels.reluForward(bx, by, n);
    jsKernels.reluForward(bx, ref, n);
    expectClose(by, ref, "relu on b", 0);
  });
});
