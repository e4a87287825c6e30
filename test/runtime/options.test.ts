/**
 * The runtime's public API refuses bad options with one clear error (an
 * OptionError naming the function, the option, its rule and the value)
 * instead of turning every parameter into NaN or throwing a raw TypeError.
 */
import { describe, expect, it } from "vitest";
import { refuses } from "./helpers.js";
import { Adam, Batches, Momentum, Rng, SGD, createOptimizer, loadMnist, loadNpyDir, randomShift, subset, type Dataset } from "../../runtime/index.js";

/** One step of the optimizer on a small problem; the parameters afterwards. */
function stepOnce(opt: { step(p: Record<string, Float64Array>, g: Record<string, Float64Array>): void }): Float64Array {
  const params = { w: Float64Array.from([1, -2, 0.5]) };
  opt.step(params, { w: Float64Array.from([0.1, 0, -0.3]) });
  return params.w;
}

describe("optimizers refuse options that would corrupt the parameters", () => {
  it.each([
    ["SGD lr NaN", () => new SGD({ lr: NaN }), "SGD: lr must be a finite number ≥ 0, got NaN"],
    ["SGD lr Infinity", () => new SGD({ lr: Infinity }), "SGD: lr must be a finite number ≥ 0, got Infinity"],
    ["SGD lr negative", () => new SGD({ lr: -0.1 }), "SGD: lr must be a finite number ≥ 0, got -0.1"],
    ["SGD lr a string", () => new SGD({ lr: "0.1" as unknown as number }), 'SGD: lr must be a finite number ≥ 0, got the string "0.1"'],
    ["SGD weightDecay NaN", () => new SGD({ lr: 0.1, weightDecay: NaN }), "SGD: weightDecay must be a finite number ≥ 0, got NaN"],
    ["Momentum momentum NaN", () => new Momentum({ lr: 0.1, momentum: NaN }), "Momentum: momentum must be a number in [0, 1), got NaN"],
    ["Momentum momentum 1", () => new Momentum({ lr: 0.1, momentum: 1 }), "Momentum: momentum must be a number in [0, 1), got 1"],
    ["Momentum lr -Infinity", () => new Momentum({ lr: -Infinity }), "Momentum: lr must be a finite number ≥ 0, got -Infinity"],
    ["Adam beta1 1", () => new Adam({ beta1: 1 }), "Adam: beta1 must be a number in [0, 1), got 1"],
    ["Adam beta2 1", () => new Adam({ beta2: 1 }), "Adam: beta2 must be a number in [0, 1), got 1"],
    ["Adam beta1 negative", () => new Adam({ beta1: -0.5 }), "Adam: beta1 must be a number in [0, 1), got -0.5"],
    ["Adam eps 0", () => new Adam({ eps: 0 }), "Adam: eps must be a finite number > 0, got 0"],
    ["Adam lr NaN", () => new Adam({ lr: NaN }), "Adam: lr must be a finite number ≥ 0, got NaN"],
    ["createOptimizer lr NaN", () => createOptimizer("sgd", NaN), "SGD: lr must be a finite number ≥ 0, got NaN"],
  ])("%s", (_, make, message) => {
    refuses(make, message);
  });

  it("(control) without the checks these options make every parameter NaN: the same step with valid options stays finite", () => {
    for (const opt of [new SGD({ lr: 0.1 }), new Momentum({ lr: 0.1, momentum: 0.5 }), new Adam({ beta1: 0.5, eps: 1e-8 })]) {
      expect(Array.from(stepOnce(opt)).every(Number.isFinite)).toBe(true);
    }
  });

  it("a missing lr, or missing and null options, name what is needed instead of a TypeError", () => {
    refuses(() => new SGD(undefined as unknown as { lr: number }), "SGD: lr must be a finite number ≥ 0, got undefined");
    refuses(() => new (SGD as unknown as new () => SGD)(), "SGD: lr must be", "got undefined");
    refuses(() => new Momentum({} as { lr: number }), "Momentum: lr must be", "got undefined");
    refuses(() => new SGD(null as unknown as { lr: number }), "SGD: options must be an object, got null");
    refuses(() => new Adam(0.01 as unknown as object), "Adam: options must be an object, got 0.01");
    expect(new Adam().lr).toBe(1e-3);
  });

  it("a misspelt or foreign option is refused, not ignored", () => {
    refuses(() => new SGD({ lr: 0.1, weight_decay: 0.1 } as unknown as { lr: number }), 'SGD: unknown option "weight_decay"', "lr, weightDecay");
    refuses(() => new Adam({ betas: [0.9, 0.99] } as unknown as object), 'Adam: unknown option "betas"', "beta1, beta2");
    refuses(() => new Momentum({ lr: 0.1, Momentum: 0.5 } as unknown as { lr: number }), 'unknown option "Momentum" (did you mean momentum?)');
  });

  it("assigning a bad value later (as a schedule does) is refused and keeps the old one", () => {
    const sgd = new SGD({ lr: 0.1 });
    refuses(() => (sgd.lr = NaN), "SGD: lr must be a finite number ≥ 0, got NaN");
    expect(sgd.lr).toBe(0.1);
    sgd.lr = 0; // a cosine schedule ends at 0
    expect(sgd.lr).toBe(0);
    const adam = new Adam();
    refuses(() => (adam.beta1 = 1), "Adam: beta1 must be a number in [0, 1), got 1");
    refuses(() => (adam.eps = 0), "Adam: eps must be");
    refuses(() => (adam.t = NaN), "Adam: t must be a whole number ≥ 0, got NaN");
    refuses(() => (adam.t = -1), "Adam: t must be a whole number ≥ 0, got -1");
    const mom = new Momentum({ lr: 0.1 });
    refuses(() => (mom.momentum = Infinity), "Momentum: momentum must be a number in [0, 1), got Infinity");
    refuses(() => (mom.weightDecay = -1), "Momentum: weightDecay must be");
    expect(Array.from(stepOnce(adam)).every(Number.isFinite)).toBe(true);
  });

  it("createOptimizer names the optimizers it knows", () => {
    refuses(() => createOptimizer("rmsprop" as "sgd"), 'createOptimizer: name must be one of "sgd", "momentum", "adam", got the string "rmsprop"');
  });
});

function tinyData(n: number): Dataset {
  return { x: new Float32Array(n * 4), y: new Int32Array(n), n, inputShape: [1, 2, 2], targetSize: 1, kind: "classes", classes: 2 };
}

describe("data and augmentation helpers refuse bad options", () => {
  it("loadMnist", () => {
    refuses(() => loadMnist(null as unknown as object), "loadMnist: options must be an object, got null");
    refuses(() => loadMnist({ dir: 3 } as unknown as { dir: string }), "loadMnist: dir must be a non-empty string, got 3");
    refuses(() => loadMnist({ directory: "x" } as unknown as object), 'loadMnist: unknown option "directory"', "dir");
  });

  it("loadNpyDir", () => {
    refuses(() => loadNpyDir(5 as unknown as string, { inputShape: [4], kind: "classes", outputSize: 2 }), "loadNpyDir: dir must be a non-empty string, got 5");
    refuses(() => loadNpyDir("d", undefined as never), "loadNpyDir: expect must be an object, got undefined");
    refuses(() => loadNpyDir("d", { inputShape: [4], kind: "class", outputSize: 2 } as never), 'loadNpyDir: kind must be "classes" or "targets", got the string "class"');
    refuses(() => loadNpyDir("d", { inputShape: [4], kind: "classes", outputSize: 1.5 }), "loadNpyDir: outputSize must be a whole number ≥ 1, got 1.5");
    refuses(() => loadNpyDir("d", { inputShape: [0], kind: "classes", outputSize: 2 }), "loadNpyDir: inputShape must be a non-empty array of whole numbers ≥ 1");
  });

  it("subset", () => {
    refuses(() => subset(tinyData(4), -1), "subset: count must be a whole number ≥ 0, got -1");
    refuses(() => subset(tinyData(4), NaN), "subset: count must be a whole number ≥ 0, got NaN");
  });

  it("Batches", () => {
    const d = tinyData(5);
    refuses(() => new Batches(d, 0, 1), "Batches: batchSize must be a whole number ≥ 1, got 0");
    refuses(() => new Batches(d, 2, NaN), "Batches: seed must be a whole number from 0 to 2^32−1, got NaN");
    refuses(() => new Batches(d, 2, 1, null as unknown as object), "Batches: options must be an object, got null");
    refuses(() => new Batches(d, 2, 1, { shuffle: "no" } as unknown as object), 'Batches: shuffle must be true or false, got the string "no"');
    refuses(() => new Batches(d, 2, 1, { shufle: false } as unknown as object), 'Batches: unknown option "shufle"', "shuffle");
    const b = new Batches(d, 2, 1);
    refuses(() => b.epoch(-1), "Batches.epoch: epoch must be a whole number ≥ 0, got -1");
    refuses(() => b.batch(3), "Batches.batch: index must be a whole number from 0 to 2, got 3");
  });

  it("randomShift", () => {
    const x = new Float32Array(2 * 9);
    const out = new Float32Array(2 * 9);
    const rng = new Rng(1);
    randomShift(x, out, 2, 1, 3, 3, 1, rng); // fine
    refuses(() => randomShift(x, out, 2, 1, 3, 3, -1, rng), "randomShift: max must be a whole number ≥ 0, got -1");
    refuses(() => randomShift(x, out, 2, 1, 3, 3, NaN, rng), "randomShift: max must be a whole number ≥ 0, got NaN");
    refuses(() => randomShift(x, out, 2, 1, 3, 3.5, 1, rng), "randomShift: W must be a whole number ≥ 1, got 3.5");
    refuses(() => randomShift(x, out, 3, 1, 3, 3, 1, rng), "randomShift: x must be an array of at least n·C·H·W = 27 numbers, got a Float32Array of 18 values");
    refuses(() => randomShift(x, out.subarray(1), 2, 1, 3, 3, 1, rng), "randomShift: out must be a Float32Array or Float64Array of at least n·C·H·W = 18 values, got a Float32Array of 17 values");
    refuses(() => randomShift(x, out, 2, 1, 3, 3, 1, {} as Rng), "randomShift: rng must be an Rng, got an object");
  });
});
