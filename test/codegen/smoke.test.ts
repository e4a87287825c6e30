import { expect, it } from "vitest";
import { loadSpec } from "../helpers/compile.js";

it("a generated lenet5 runs forward, loss, backward and a training step", async () => {
  const mod = await loadSpec("model lenet5 { input 1x28x28, conv 5x5 x6 pad 2, relu, maxpool 2, conv 5x5 x16, relu, maxpool 2, flatten, fc 120, relu, fc 84, relu, fc 10, loss softmax + l2 1e-4 }");
  const m = mod.createModel({ batchSize: 4, seed: 1 });
  const x = new Float32Array(4 * 784).map((_, i) => Math.sin(i));
  const y = m.forward(x);
  expect(y.length).toBe(40);
  const l = m.loss([1, 2, 3, 4]);
  expect(l).toBeGreaterThan(0);
  m.backward();
  expect(Object.values(m.grads).every((g) => g.some((v) => v !== 0))).toBe(true);
  const { SGD } = await import("../../runtime/index.js");
  const before = m.trainStep(x, [1, 2, 3, 4], new SGD({ lr: 0.05 }));
  let after = before;
  for (let i = 0; i < 20; i++) after = m.trainStep(x, [1, 2, 3, 4], new SGD({ lr: 0.05 }));
  expect(after).toBeLessThan(before);
});
