// The transposed convolution's forward: the wasm kernel set (1–3 threads) against the TypeScript kernel,
// with and without bias, through the im2col path, the 1x1 path and (3x3 stride 1, enough channels) Winograd.
import { beforeAll, describe, it } from "vitest";
import { conv2dParams, jsKernels, Rng, type Engine } from "../../runtime/index.js";
import { expectClose } from "./helpers.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";

beforeAll(ensureWasmBuilt);

const { engine } = wasmEngines({ floats: 400_000, ints: 1, scratch: 60_000, convParams: 10_000 });

/** Deconvs by their input (C×H×W), filters F, kernel, stride and padding; scratch in floats. */
const CASES = [
  { B: 3, C: 5, H: 4, W: 6, F: 3, K: [4, 4], s: [2, 2], pad: [1, 1], scratch: 60_000 }, // upsampling x2, several images
  { B: 2, C: 3, H: 5, W: 5, F: 4, K: [3, 2], s: [1, 2], pad: [0, 1], scratch: 1_000 }, // uneven, one image per GEMM
  { B: 2, C: 6, H: 4, W: 3, F: 5, K: [1, 1], s: [1, 1], pad: [0, 0], scratch: 1 }, // 1x1
  { B: 2, C: 9, H: 8, W: 7, F: 10, K: [3, 3], s: [1, 1], pad: [1, 1], scratch: 60_000 }, // 3x3 stride 1: Winograd
] as const;

const filled = (e: Engine<Float32Array>, n: number, rng: Rng): Float32Array => {
  const v = e.floats.take(n);
  for (let i = 0; i < n; i++) v[i] = rng.next() * 2 - 1;
  return v;
};

describe("deconv forward: wasm kernel set against TypeScript", () => {
  for (const threads of [1, 2, 3]) {
    for (const [i, c] of CASES.entries()) {
      it(`case ${i} ${JSON.stringify(c)}, ${threads} thread(s)`, () => {
        const e = engine(threads);
        const rng = new Rng(90 + i * 3 + threads);
        // The adjoint convolution maps the deconv's output (F×OH'×OW') to its input (C×H×W).
        const OH = (c.H - 1) * c.s[0] - 2 * c.pad[0] + c.K[0];
        const OW = (c.W - 1) * c.s[1] - 2 * c.pad[1] + c.K[1];
        const p = conv2dParams({ batch: c.B, channels: c.F, height: OH, width: OW, kernel: c.K, stride: c.s, pad: c.pad, filters: c.C });
        const x = filled(e, c.B * c.C * c.H * c.W, rng), w = filled(e, c.C * c.F * c.K[0] * c.K[1], rng), b = filled(e, c.F, rng);
        const scratch = e.floats.take(Math.max(c.scratch, c.F * c.K[0] * c.K[1] * c.H * c.W));
        const y = e.floats.take(c.B * c.F * OH * OW);
        const ref = new Float32Array(y.length);
        const refScratch = new Float32Array(scratch.length);
        for (const bias of [b, null]) {
          y.fill(NaN);
          e.kernels.deconv2dForward(x, w, bias, y, scratch, p);
          jsKernels.deconv2dForward(x, w, bias, ref, refScratch, p);
          expectClose(y, ref, 2e-5, bias === null ? "y without bias" : "y");
        }
      });
    }
  }
});
