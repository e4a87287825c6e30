// The channel copies (padchannels, channels A:B, shuffle): the wasm kernel set (1–3 threads) against TypeScript.
import { beforeAll, describe, expect, it } from "vitest";
import { jsKernels, Rng } from "../../runtime/index.js";
import { ensureWasmBuilt, wasmEngines } from "../helpers/wasm.js";

beforeAll(ensureWasmBuilt);

const { engine } = wasmEngines({ floats: 100_000, ints: 1, scratch: 1, convParams: 1 });

describe("channel copies: wasm kernel set against TypeScript", () => {
  for (const threads of [1, 2, 3])
    it(`embed, extract and shuffle, ${threads} thread(s)`, () => {
      const e = engine(threads);
      const rng = new Rng(5 + threads);
      const [n, C, wide, offset, hw, groups] = [3, 6, 11, 2, 5, 3];
      const src = e.floats.take(n * wide * hw);
      for (let i = 0; i < src.length; i++) src[i] = rng.next();
      const dst = e.floats.take(n * wide * hw);
      const ref = new Float32Array(dst.length);
      const same = () => expect([...dst]).toEqual([...ref]);
      dst.fill(NaN);
      e.kernels.channelEmbed(src, dst, n, C, wide, offset, hw);
      jsKernels.channelEmbed(src, ref, n, C, wide, offset, hw);
      same();
      dst.fill(NaN), ref.fill(NaN);
      e.kernels.channelExtract(src, dst, n, wide, C, offset, hw);
      jsKernels.channelExtract(src, ref, n, wide, C, offset, hw);
      same();
      dst.fill(NaN), ref.fill(NaN);
      e.kernels.channelShuffle(src, dst, n, C, groups, hw);
      jsKernels.channelShuffle(src, ref, n, C, groups, hw);
      same();
    });
});
