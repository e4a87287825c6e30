import { expect, it } from "vitest";
import { randomShift } from "../../runtime/augment.js";
import { Rng } from "../../runtime/rng.js";

it("shifts each image by a seeded offset within the bound, zero-filling the edge", () => {
  const C = 2, H = 5, W = 6, n = 40;
  const x = Float32Array.from({ length: n * C * H * W }, (_, i) => 1 + (i % 97));
  const out = new Float32Array(x.length);
  randomShift(x, out, n, C, H, W, 2, new Rng(3));
  const seen = new Set<string>();
  for (let b = 0; b < n; b++) {
    // find the shift that explains this example, among all allowed ones
    let found: string | undefined;
    for (let dy = -2; dy <= 2 && !found; dy++)
      for (let dx = -2; dx <= 2 && !found; dx++) {
        let ok = true;
        for (let c = 0; c < C && ok; c++)
          for (let i = 0; i < H && ok; i++)
            for (let j = 0; j < W && ok; j++) {
              const si = i - dy, sj = j - dx;
              const want = si >= 0 && si < H && sj >= 0 && sj < W ? x[((b * C + c) * H + si) * W + sj]! : 0;
              if (out[((b * C + c) * H + i) * W + j] !== want) ok = false;
            }
        if (ok) found = `${dy},${dx}`;
      }
    expect(found, `example ${b}`).toBeDefined();
    seen.add(found!);
  }
  expect(seen.size).toBeGreaterThan(10); // offsets vary between examples
  const again = new Float32Array(x.length);
  randomShift(x, again, n, C, H, W, 2, new Rng(3));
  expect(again).toEqual(out);
});
