import { describe, expect, it } from "vitest";
import { Adam, Momentum, SGD, createOptimizer, type Tensor } from "../../runtime/index.js";
import { expectClose } from "./helpers.js";

describe("optimizers", () => {
  it("SGD: p -= lr * g, every parameter, f32 and f64", () => {
    const params = { w: Float64Array.from([1, 2]), b: Float32Array.from([0.5]) };
    const grads = { w: Float64Array.from([0.5, -1]), b: Float32Array.from([2]) };
    const opt = new SGD({ lr: 0.1 });
    opt.step(params, grads);
    expectClose(params.w, [0.95, 2.1], 1e-15, "sgd w");
    expectClose(params.b, [0.3], 1e-7, "sgd b");
    opt.lr = 1;
    opt.step(params, grads);
    expectClose(params.w, [0.45, 3.1], 1e-15, "sgd w, lr changed");
  });

  it("SGD with weight decay: p -= lr * (g + wd * p)", () => {
    const p = { w: Float64Array.from([2]) };
    new SGD({ lr: 0.5, weightDecay: 0.1 }).step(p, { w: Float64Array.from([1]) });
    expect(p.w[0]).toBeCloseTo(2 - 0.5 * (1 + 0.2), 15);
  });

  it("Momentum (PyTorch form): v = mu v + g; p -= lr v — two hand-computed steps; buffer reused", () => {
    const params = { w: Float64Array.from([1, -1]) };
    const opt = new Momentum({ lr: 0.1 });
    expect(opt.momentum).toBe(0.9);
    opt.step(params, { w: Float64Array.from([1, 2]) });
    // v = [1, 2]; p = [0.9, -1.2]
    expectClose(params.w, [0.9, -1.2], 1e-15, "momentum step 1");
    const v1 = opt.velocity.get("w");
    expectClose(v1!, [1, 2], 0, "velocity 1");
    opt.step(params, { w: Float64Array.from([0.5, -1]) });
    // v = 0.9*[1,2] + [0.5,-1] = [1.4, 0.8]; p = [0.9 - 0.14, -1.2 - 0.08]
    expectClose(params.w, [0.76, -1.28], 1e-15, "momentum step 2");
    expect(opt.velocity.get("w")).toBe(v1); // same buffer object
    expectClose(v1!, [1.4, 0.8], 1e-15, "velocity 2");
  });

  it("Adam: bias-corrected first steps (hand-computed) and state reuse", () => {
    const params = { w: Float64Array.from([1, -2, 0.5]) };
    const opt = new Adam({ lr: 0.01 });
    expect([opt.beta1, opt.beta2, opt.eps]).toEqual([0.9, 0.999, 1e-8]);
    const g1 = Float64Array.from([0.2, -0.4, 0]);
    opt.step(params, { w: g1 });
    // Step 1: mhat = g, vhat = g^2 -> update = lr * g / (|g| + eps) = lr * sign(g) (0 for g = 0).
    expectClose(params.w, [1 - 0.01 * (0.2 / (0.2 + 1e-8)), -2 + 0.01 * (0.4 / (0.4 + 1e-8)), 0.5], 1e-15, "adam step 1");
    const m = opt.m.get("w")!, v = opt.v.get("w")!;
    expectClose(m, [0.02, -0.04, 0], 1e-14, "adam m1");
    expectClose(v, [0.00004, 0.00016, 0], 1e-14, "adam v1");
    const g2 = Float64Array.from([0.1, 0.3, 1]);
    opt.step(params, { w: g2 });
    expect(opt.t).toBe(2);
    expect(opt.m.get("w")).toBe(m);
    expect(opt.v.get("w")).toBe(v);
    const expected: number[] = [];
    const before = [1 - 0.01 * (0.2 / (0.2 + 1e-8)), -2 + 0.01 * (0.4 / (0.4 + 1e-8)), 0.5];
    for (let i = 0; i < 3; i++) {
      const m2 = 0.9 * 0.1 * g1[i]! + 0.1 * g2[i]!;
      const v2 = 0.999 * 0.001 * g1[i]! ** 2 + 0.001 * g2[i]! ** 2;
      const mhat = m2 / (1 - 0.9 ** 2), vhat = v2 / (1 - 0.999 ** 2);
      expected.push(before[i]! - (0.01 * mhat) / (Math.sqrt(vhat) + 1e-8));
    }
    expectClose(params.w, expected, 1e-14, "adam step 2");
    // Concretely for the first element: m = 0.028, v = 0.00004996, mhat = 0.028/0.19, vhat = 0.00004996/0.001999.
    expect(params.w[0]).toBeCloseTo(before[0]! - (0.01 * (0.028 / 0.19)) / (Math.sqrt(0.00004996 / 0.001999) + 1e-8), 12);
  });

  it("state buffers match the parameter precision and are allocated once per name", () => {
    const params: Record<string, Tensor> = { a: new Float32Array(4).fill(1), b: new Float64Array(3).fill(1) };
    const grads: Record<string, Tensor> = { a: new Float32Array(4).fill(0.1), b: new Float64Array(3).fill(0.1) };
    const adam = new Adam();
    adam.step(params, grads);
    const ma = adam.m.get("a"), mb = adam.m.get("b"), va = adam.v.get("a");
    expect(ma).toBeInstanceOf(Float32Array);
    expect(mb).toBeInstanceOf(Float64Array);
    for (let i = 0; i < 5; i++) adam.step(params, grads);
    expect(adam.m.get("a")).toBe(ma);
    expect(adam.m.get("b")).toBe(mb);
    expect(adam.v.get("a")).toBe(va);
    expect(adam.m.size).toBe(2);
    const mom = new Momentum({ lr: 0.1, momentum: 0.5 });
    mom.step(params, grads);
    const vel = mom.velocity.get("a");
    mom.step(params, grads);
    expect(mom.velocity.get("a")).toBe(vel);
    expect(vel).toBeInstanceOf(Float32Array);
  });

  it("missing or mismatched gradients throw", () => {
    const opt = new SGD({ lr: 1 });
    expect(() => opt.step({ w: new Float64Array(2) }, {})).toThrow(/no gradient/);
    expect(() => opt.step({ w: new Float64Array(2) }, { w: new Float64Array(3) })).toThrow(/elements/);
  });

  it("createOptimizer", () => {
    const s = createOptimizer("sgd", 0.5);
    expect(s).toBeInstanceOf(SGD);
    expect((s as SGD).lr).toBe(0.5);
    const m = createOptimizer("momentum");
    expect(m).toBeInstanceOf(Momentum);
    expect((m as Momentum).momentum).toBe(0.9);
    const a = createOptimizer("adam");
    expect(a).toBeInstanceOf(Adam);
    expect((a as Adam).lr).toBe(1e-3);
    expect(() => createOptimizer("rmsprop" as "sgd")).toThrow(/name must be one of "sgd", "momentum", "adam"/);
  });

  it("all optimizers reduce a quadratic", () => {
    for (const opt of [createOptimizer("sgd", 0.1), createOptimizer("momentum", 0.05), createOptimizer("adam", 0.1)]) {
      const p = { w: Float64Array.from([3, -4]) };
      const g = { w: new Float64Array(2) };
      for (let it = 0; it < 300; it++) {
        g.w[0] = 2 * p.w[0]!;
        g.w[1] = 2 * p.w[1]!;
        opt.step(p, g);
      }
      expect(Math.hypot(p.w[0]!, p.w[1]!)).toBeLessThan(1e-2);
    }
  });
});
