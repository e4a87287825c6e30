// Grouped, depthwise and dilated convolution: the TypeScript kernels against a float64 reference
// straight from the definition, and the wasm kernel set (1–3 threads) against the TypeScript one.
import { beforeAll, describe, expect, it } from "vitest";
import { ACT_NONE, ACT_RELU, ACT_RELU6, conv2dBackward, conv2dForward, conv2dParams, conv2dScratchSize, jsKernels, Rng, type Conv2dParams, type Engine } from "../../runtime/index.js";
import { expectClose, fillUniform, randArray } from "./helpers.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";
import { refConvBackward as refBackward, refConvForward as refForward } from "./conv-reference.js";

const CASES = [
  { B: 2, C: 4, H: 7, W: 6, F: 6, G: 2, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // grouped
  { B: 3, C: 6, H: 5, W: 5, F: 9, G: 3, K: [1, 1], s: [1, 1], pad: [0, 0], d: [1, 1] }, // grouped pointwise
  { B: 2, C: 5, H: 9, W: 8, F: 5, G: 5, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise
  { B: 3, C: 4, H: 10, W: 9, F: 4, G: 4, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2
  { B: 1, C: 3, H: 11, W: 12, F: 3, G: 3, K: [3, 5], s: [1, 2], pad: [2, 1], d: [2, 1] }, // depthwise dilated, uneven
  { B: 2, C: 3, H: 9, W: 10, F: 4, G: 1, K: [3, 3], s: [1, 1], pad: [2, 2], d: [2, 2] }, // dense dilated
  { B: 2, C: 4, H: 8, W: 8, F: 8, G: 4, K: [2, 3], s: [2, 1], pad: [0, 2], d: [3, 2] }, // grouped dilated (channel multiplier 2)
  { B: 2, C: 33, H: 32, W: 31, F: 33, G: 33, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise, large enough to split across threads
  { B: 3, C: 24, H: 29, W: 30, F: 24, G: 24, K: [5, 5], s: [2, 2], pad: [2, 2], d: [1, 1] }, // depthwise 5x5 stride 2, split
  // With a model-sized scratch the wasm kernels put several images side by side in each group's GEMM.
  { B: 3, C: 6, H: 7, W: 7, F: 9, G: 3, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1], scratch: 40_000 }, // grouped, several images per GEMM
  { B: 5, C: 4, H: 9, W: 8, F: 6, G: 1, K: [3, 3], s: [2, 1], pad: [2, 2], d: [2, 2], scratch: 40_000 }, // dense dilated, several images per GEMM
  { B: 1, C: 8, H: 6, W: 7, F: 12, G: 4, K: [3, 1], s: [1, 1], pad: [1, 0], d: [1, 1] }, // one image, four groups: split by groups
  { B: 4, C: 4, H: 6, W: 5, F: 6, G: 2, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // 3 threads: split by images, weight gradients summed
  { B: 2, C: 3, H: 9, W: 13, F: 3, G: 3, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2, odd width
  { B: 1, C: 2, H: 6, W: 18, F: 2, G: 2, K: [3, 3], s: [1, 1], pad: [0, 0], d: [1, 1] }, // depthwise no padding, width 4k + 2
  { B: 2, C: 3, H: 11, W: 23, F: 3, G: 3, K: [3, 3], s: [1, 1], pad: [2, 2], d: [2, 2] }, // depthwise dilated, width 4k + 3
  { B: 1, C: 2, H: 12, W: 17, F: 2, G: 2, K: [3, 3], s: [2, 2], pad: [2, 0], d: [2, 2] }, // depthwise stride 2 dilated, no column padding
  { B: 1, C: 3, H: 10, W: 14, F: 3, G: 3, K: [2, 4], s: [3, 3], pad: [1, 2], d: [1, 1] }, // depthwise stride 3, even kernel
  { B: 2, C: 2, H: 5, W: 21, F: 2, G: 2, K: [1, 5], s: [1, 1], pad: [0, 2], d: [1, 1] }, // depthwise single filter row, width 4k + 1
  // The wasm forward's bands (depthwise.as.ts): narrow planes as one flat run, wide rows straight into y, odd and tiny widths.
  { B: 2, C: 5, H: 7, W: 7, F: 5, G: 5, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise 7x7 plane
  { B: 1, C: 3, H: 14, W: 14, F: 3, G: 3, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise 14x14 plane
  { B: 2, C: 4, H: 14, W: 14, F: 4, G: 4, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise 14x14 stride 2
  { B: 2, C: 3, H: 7, W: 7, F: 3, G: 3, K: [5, 5], s: [1, 1], pad: [2, 2], d: [1, 1] }, // depthwise 5x5 on 7x7
  { B: 3, C: 4, H: 100, W: 64, F: 4, G: 4, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise rows of 64 (stride 1 from x: direct3x3s1), split
  { B: 2, C: 4, H: 40, W: 64, F: 4, G: 4, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2 rows of 32 into y
  { B: 1, C: 2, H: 5, W: 3, F: 2, G: 2, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise row narrower than a block
  { B: 1, C: 2, H: 9, W: 7, F: 2, G: 2, K: [3, 3], s: [2, 2], pad: [0, 0], d: [1, 1] }, // depthwise stride 2, width under 8, no padding
  { B: 2, C: 3, H: 11, W: 9, F: 3, G: 3, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2, width 9
  // Stride 2 straight from x (direct3x3s2): rows of padding above and below, a partial last block, a single block.
  { B: 2, C: 3, H: 11, W: 16, F: 3, G: 3, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2 from x, odd height
  { B: 1, C: 3, H: 12, W: 22, F: 3, G: 3, K: [3, 3], s: [2, 2], pad: [2, 1], d: [1, 1] }, // depthwise stride 2 from x, two rows of padding, rows of 11
  { B: 2, C: 2, H: 8, W: 8, F: 2, G: 2, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2 from x, rows of one block
  { B: 1, C: 2, H: 9, W: 38, F: 2, G: 2, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2 from x, rows of 19 (a block overlapping)
  // Stride 1 from x (direct3x3s1): rows of 8 (first and last block only) and 12, two rows of padding, none; rows of 4k + 1,
  // 4k + 2 (the 14x14 case above) and 4k + 3 (the 7x7 one), of a single block and of one block and a tail.
  { B: 2, C: 3, H: 6, W: 8, F: 3, G: 3, K: [3, 3], s: [1, 1], pad: [2, 1], d: [1, 1] }, // depthwise stride 1 from x, rows of 8, two rows of padding
  { B: 1, C: 2, H: 5, W: 12, F: 2, G: 2, K: [3, 3], s: [1, 1], pad: [0, 1], d: [1, 1] }, // depthwise stride 1 from x, rows of 12, no row padding
  { B: 2, C: 2, H: 7, W: 13, F: 2, G: 2, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise stride 1 from x, rows of 13
  { B: 1, C: 3, H: 5, W: 5, F: 3, G: 3, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise stride 1 from x, rows of 5
  { B: 1, C: 2, H: 4, W: 4, F: 2, G: 2, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise stride 1 from x, rows of 4
  { B: 1, C: 2, H: 6, W: 6, F: 2, G: 2, K: [3, 3], s: [1, 1], pad: [1, 1], d: [1, 1] }, // depthwise stride 1 from x, rows of 6
  // Rows of under 16 (narrow3x3s2), their last partial block of lane loads and stores: 1, 2 or 3 outputs past the blocks, rows under a block.
  { B: 2, C: 3, H: 9, W: 10, F: 3, G: 3, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2 from x, rows of 5
  { B: 1, C: 4, H: 10, W: 12, F: 4, G: 4, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2 from x, rows of 6
  { B: 2, C: 3, H: 7, W: 6, F: 3, G: 3, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2 from x, rows of 3
  { B: 1, C: 3, H: 6, W: 4, F: 3, G: 3, K: [3, 3], s: [2, 2], pad: [0, 1], d: [1, 1] }, // depthwise stride 2 from x, rows of 2, no row padding
  { B: 2, C: 2, H: 5, W: 2, F: 2, G: 2, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2 from x, rows of 1
  { B: 1, C: 2, H: 7, W: 8, F: 2, G: 2, K: [3, 3], s: [2, 2], pad: [1, 1], d: [1, 1] }, // depthwise stride 2, rows of 4 (one dx block down the plane), odd height
] as const;

function params(c: (typeof CASES)[number]): Conv2dParams {
  return conv2dParams({ batch: c.B, channels: c.C, height: c.H, width: c.W, kernel: c.K, stride: c.s, pad: c.pad, filters: c.F, groups: c.G, dilation: c.d });
}

describe("grouped, depthwise and dilated conv: TypeScript kernels against the definition", () => {
  it("resolves the dilated extent in the output size and refuses groups that do not divide", () => {
    const p = conv2dParams({ batch: 1, channels: 2, height: 9, width: 9, kernel: [3, 3], filters: 2, dilation: [2, 3] });
    expect([p.OH, p.OW, p.KH, p.DH, p.DW, p.G]).toEqual([5, 3, 3, 2, 3, 1]);
    expect(() => conv2dParams({ batch: 1, channels: 6, height: 5, width: 5, kernel: [3, 3], filters: 4, groups: 4 })).toThrow(RangeError);
  });
  for (const [i, c] of CASES.entries()) {
    it(`case ${i} ${JSON.stringify(c)}: forward (with relu) and backward`, () => {
      const p = params(c);
      const rng = new Rng(40 + i);
      const wN = c.F * (c.C / c.G) * c.K[0] * c.K[1];
      const x = randArray(Float64Array, c.B * c.C * c.H * c.W, rng);
      const w = randArray(Float64Array, wN, rng);
      const b = randArray(Float64Array, c.F, rng);
      const outN = c.B * c.F * p.OH * p.OW;
      const dy = randArray(Float64Array, outN, rng);
      const scratch = new Float64Array(Math.max(1, conv2dScratchSize(p)));
      const y = new Float64Array(outN).fill(NaN);
      conv2dForward(x, w, b, y, scratch, p);
      const want = refForward(x, w, b, p);
      expectClose(y, want, 1e-12, "y");
      conv2dForward(x, w, b, y, scratch, p, ACT_RELU);
      expectClose(y, want.map((v) => Math.max(0, v)), 1e-12, "relu(y)");
      // The inference epilogue of a folded batchnorm: relu6(conv·scale[f] + b[f]), the bias not scaled.
      const scale = randArray(Float64Array, c.F, rng).map((v) => 8 * v);
      const unbiased = refForward(x, w, null, p);
      const OHW = p.OH * p.OW;
      conv2dForward(x, w, b, y, scratch, p, ACT_RELU6, scale);
      expectClose(y, unbiased.map((v, j) => Math.min(6, Math.max(0, v * scale[Math.floor(j / OHW) % c.F]! + b[Math.floor(j / OHW) % c.F]!))), 1e-12, "relu6(y·scale + b)");
      const dx = new Float64Array(x.length).fill(NaN);
      const dw = new Float64Array(wN).fill(NaN);
      const db = new Float64Array(c.F).fill(NaN);
      conv2dBackward(x, w, dy, dx, dw, db, scratch, p);
      const ref = refBackward(x, w, dy, p);
      expectClose(dx, ref.dx, 1e-12, "dx");
      expectClose(dw, ref.dw, 1e-12, "dw");
      expectClose(db, ref.db, 1e-12, "db");
    });
  }
});

describe("grouped, depthwise and dilated conv: wasm kernel set against TypeScript", () => {
  beforeAll(ensureWasmBuilt);
  const BIG = 50_000;
  const { engine } = wasmEngines({ floats: 1_000_000, ints: 1000, scratch: BIG, convParams: 10_000 });
  const filled = (e: Engine<Float32Array>, n: number, rng: Rng): Float32Array => fillUniform(rng, e.floats.take(n));
  /** Runs `check` on `count` geometries from `draw(n)` (n: how many were checked before), skipping those whose filter does not fit the padded input; `check` gets n + 1. */
  const eachGeometry = (count: number, draw: (n: number) => Parameters<typeof conv2dParams>[0], check: (spec: Parameters<typeof conv2dParams>[0], p: Conv2dParams, n: number) => void): void => {
    for (let n = 0; n < count; ) {
      const spec = draw(n);
      let p: Conv2dParams;
      try {
        p = conv2dParams(spec);
      } catch {
        continue; // the filter does not fit the padded input
      }
      check(spec, p, ++n);
    }
  };
  // Seeded random depthwise geometries (filters 1–5 each way, strides 1–3, dilation 1–2, padding 0–3, planes 1–24
  // wide, batch 1–3), each with the least scratch and with a model's, under one of the epilogues.
  it("random depthwise geometries, 2 threads: forward as TypeScript's", () => {
    const e = engine(2);
    const rng = new Rng(99);
    const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
    const [x, w, b, y, big] = [e.floats.take(3 * 6 * 24 * 24), e.floats.take(6 * 25), e.floats.take(6), e.floats.take(3 * 6 * 27 * 27), e.floats.take(BIG)];
    eachGeometry(
      40,
      () => {
        const [C, B, H, W] = [int(2, 6), int(1, 3), int(1, 24), int(1, 24)];
        return { batch: B, channels: C, height: H, width: W, kernel: [int(1, 5), int(1, 5)], stride: [int(1, 3), int(1, 3)], pad: [int(0, 3), int(0, 3)], dilation: [int(1, 2), int(1, 2)], filters: C, groups: C };
      },
      (spec, p, tried) => {
        const [xs, ws, ys] = [x.subarray(0, spec.batch * spec.channels * spec.height * spec.width), w.subarray(0, p.C * p.KH * p.KW), y.subarray(0, spec.batch * p.C * p.OH * p.OW)];
        fillUniform(rng, xs, ws, b);
        const act = ([ACT_NONE, ACT_RELU, ACT_RELU6] as const)[tried % 3]!;
        const want = new Float32Array(ys.length);
        jsKernels.conv2dForward(xs, ws, b, want, new Float32Array(1), p, act);
        for (const s of [big.subarray(0, conv2dScratchSize(p)), big]) {
          ys.fill(NaN);
          e.kernels.conv2dForward(xs, ws, b, ys, s, p, act);
          expectClose(ys, want, 2e-5, `${JSON.stringify(spec)}, act ${act}, scratch ${s.length}`);
        }
      },
    );
  });
  // Seeded random depthwise geometries for the backward's paths (depthwise-backward.as.ts), in turn: stride 1 with
  // padding within the filter (the bands; filters 1–5, dilation 1–2, rows 4–24), 3x3 stride 2 padding 1 on widths
  // 7–40 of 2·OW or 2·OW − 1 (the phases; dw by rows under 16 outputs, dwNarrowS2, or per row pair), anything (the general path), and 3x3 stride 1 on rows of 16, 20 or 24 or of 4–15
  // (dx and dw in one loop, on rows or on flat runs); each with less scratch than it asks for (the general path too), the least, three times it (bands of a
  // few rows, the last one shorter) and a model's; dx and db in turn left out.
  it("random depthwise geometries, 2 threads: backward as TypeScript's", () => {
    const e = engine(2);
    const rng = new Rng(7);
    const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
    const [x, w, dy, dx, dw, db, big] = [3 * 6 * 24 * 40, 6 * 25, 3 * 6 * 27 * 27, 3 * 6 * 24 * 40, 6 * 25, 6, BIG].map((n) => e.floats.take(n)) as Float32Array[];
    eachGeometry(
      48,
      (tried) => {
        const [C, B, H] = [int(2, 6), int(1, 3), int(1, 24)];
        const kind = tried % 4;
        const K = kind % 2 === 1 ? [3, 3] : [int(1, 5), int(1, 5)];
        const d = kind % 2 === 1 ? [1, 1] : [int(1, 2), int(1, 2)];
        const W = kind === 1 ? 2 * int(4, 20) - (tried % 8 === 1 ? 1 : 0) : kind === 3 ? (tried % 8 === 3 ? 4 * int(4, 6) : int(4, 15)) : kind === 0 ? int(4, 24) : int(1, 24);
        const stride = kind === 0 || kind === 3 ? [1, 1] : kind === 1 ? [2, 2] : [int(1, 3), int(1, 3)];
        const pad = kind === 0 || kind === 3 ? [int(0, (K[0]! - 1) * d[0]!), int(0, (K[1]! - 1) * d[1]!)] : kind === 1 ? [1, 1] : [int(0, 3), int(0, 3)];
        return { batch: B, channels: C, height: H, width: W, kernel: K as [number, number], stride: stride as [number, number], pad: pad as [number, number], dilation: d as [number, number], filters: C, groups: C };
      },
      (spec, p, tried) => {
        const C = p.C;
        const [xs, ws, dys] = [x.subarray(0, spec.batch * C * spec.height * spec.width), w.subarray(0, C * p.KH * p.KW), dy.subarray(0, spec.batch * C * p.OH * p.OW)];
        fillUniform(rng, xs, ws, dys);
        const [dxs, dws, dbs] = [dx.subarray(0, xs.length), dw.subarray(0, ws.length), db.subarray(0, C)];
        const ref = { dx: new Float32Array(xs.length), dw: new Float32Array(ws.length), db: new Float32Array(C) };
        jsKernels.conv2dBackward(xs, ws, dys, ref.dx, ref.dw, ref.db, new Float32Array(1), p);
        const withDx = tried % 2 === 0, withDb = tried % 5 !== 0;
        for (const s of [big.subarray(0, 1), big.subarray(0, conv2dScratchSize(p)), big.subarray(0, 3 * conv2dScratchSize(p)), big]) {
          dxs.fill(NaN), dws.fill(NaN), dbs.fill(NaN);
          e.kernels.conv2dBackward(xs, ws, dys, withDx ? dxs : null, dws, withDb ? dbs : null, s, p);
          const at = `${JSON.stringify(spec)}, scratch ${s.length}`;
          if (withDx) expectClose(dxs, ref.dx, 2e-5, `dx ${at}`);
          expectClose(dws, ref.dw, 1e-4, `dw ${at}`);
          if (withDb) expectClose(dbs, ref.db, 1e-4, `db ${at}`);
        }
      },
    );
  });
  it("refuses a depthwise forward with less scratch than conv2dScratchSize(p), saying how much it needs", () => {
    const e = engine(1);
    const p = conv2dParams({ batch: 1, channels: 4, height: 9, width: 9, kernel: [3, 3], pad: [1, 1], filters: 4, groups: 4 });
    const need = conv2dScratchSize(p);
    const [x, w, y] = [e.floats.take(4 * 81), e.floats.take(36), e.floats.take(4 * 81)];
    expect(() => e.kernels.conv2dForward(x, w, null, y, e.floats.take(need - 1), p)).toThrow(`needs conv2dScratchSize(p) = ${need} floats of scratch (in the engine's scratch too), got ${need - 1}`);
  });
  for (const threads of [1, 2, 3]) {
    for (const [i, c] of CASES.entries()) {
      it(`case ${i}, ${threads} thread(s)`, () => {
        const e = engine(threads);
        const p = params(c);
        const rng = new Rng(70 + i + threads);
        const wN = c.F * (c.C / c.G) * c.K[0] * c.K[1];
        const inN = c.B * c.C * c.H * c.W;
        const outN = c.B * c.F * p.OH * p.OW;
        const x = filled(e, inN, rng), w = filled(e, wN, rng), b = filled(e, c.F, rng), dy = filled(e, outN, rng);
        const scratch = e.floats.take("scratch" in c ? c.scratch : Math.max(1, conv2dScratchSize(p)));
        const y = e.floats.take(outN), dx = e.floats.take(inN), dw = e.floats.take(wN), db = e.floats.take(c.F);
        const big = e.floats.take(BIG);
        const ref = { y: new Float32Array(outN), dx: new Float32Array(inN), dw: new Float32Array(wN), db: new Float32Array(c.F), s: new Float32Array(scratch.length) };
        const bias = i % 2 === 0 ? b : null;
        // Scales in [-4, 4) so that relu6 clamps at both ends.
        const scale = filled(e, c.F, rng);
        scale.forEach((v, f) => (scale[f] = 4 * v)); // in place: the kernels read the arena
        // Depthwise: with the least scratch (bands of one output row) and with a model's (whole planes per band).
        for (const s of c.G === c.C && c.F === c.C ? [scratch, big] : [scratch]) {
          for (const [act, sc] of [[ACT_NONE, null], [ACT_RELU, null], [ACT_NONE, scale], [ACT_RELU6, scale], [ACT_RELU6, null]] as const) {
            y.fill(NaN);
            e.kernels.conv2dForward(x, w, bias, y, s, p, act, sc);
            jsKernels.conv2dForward(x, w, bias, ref.y, ref.s, p, act, sc);
            expectClose(y, ref.y, 2e-5, `y act ${act}${sc ? " with scale" : ""}, scratch ${s.length}`);
          }
        }
        dx.fill(NaN), dw.fill(NaN), db.fill(NaN);
        e.kernels.conv2dBackward(x, w, dy, dx, dw, db, scratch, p);
        jsKernels.conv2dBackward(x, w, dy, ref.dx, ref.dw, ref.db, ref.s, p);
        expectClose(dx, ref.dx, 2e-5, "dx");
        expectClose(dw, ref.dw, 1e-4, "dw");
        expectClose(db, ref.db, 1e-4, "db");
        dw.fill(7);
        e.kernels.conv2dBackward(x, w, dy, null, dw, null, scratch, p);
        expectClose(dw, ref.dw, 1e-4, "dw without dx");
      });
    }
  }
});
