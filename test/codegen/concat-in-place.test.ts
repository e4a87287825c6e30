/**
 * A concat branch whose last layer is a conv (not depthwise), an activation of
 * the kernel set, a batchnorm, a max or average pooling or an fc (or a relu
 * fused into a conv or fc) writes straight into its slice of the concat's
 * output and reads its slice of the gradient in place; any other branch is
 * copied. The generated code has no
 * copy for the first kind, and the results are those of the copying path
 * (`inPlaceConcat: false`), bit for bit, on every kernel path, in training
 * and at inference (where `conv, batchnorm` ending a branch folds into one
 * kernel writing the slice).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSource, type CheckedModel } from "../../compiler/index.js";
import { generate } from "../../compiler/emit/generate.js";
import { Rng } from "../../runtime/index.js";
import { ROOT } from "../helpers/cli.js";
import { loadSpec, type GeneratedModule } from "../helpers/compile.js";
import { ensureWasmBuilt } from "../helpers/wasm.js";

function spec(name: string): CheckedModel {
  const path = join(ROOT, "specs", `${name}.nnspec`);
  const r = checkSource(path, readFileSync(path, "utf8"));
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.models[0]!;
}

/** The branch comments of the forward code: which branches write in place, which are copied. */
function branches(forward: readonly string[]): { inPlace: string[]; copied: string[] } {
  const inPlace: string[] = [];
  const copied: string[] = [];
  for (const line of forward) {
    const m = /^\/\/ (\S+\.branch\d+)(:.*)?$/.exec(line);
    if (m) (m[2]?.startsWith(": writes straight into its slice") ? inPlace : copied).push(m[1]!);
  }
  return { inPlace, copied };
}

const copies = (lines: readonly string[]) => lines.filter((l) => l.includes("copySlices(")).length;

describe("concat branches write straight into their slices", () => {
  it("squeezenet1_1: every fire module's two branches (conv, relu) write in place; no copy forward or backward", () => {
    const g = generate(spec("squeezenet1_1"));
    const b = branches(g.forward);
    expect(b.inPlace).toHaveLength(16);
    expect(b.copied).toEqual([]);
    expect(copies(g.forward) + copies(g.backward)).toBe(0);
    // The fused relu's backward reads the slices; the expand convs have the concat's per-example stride.
    expect(g.backward.filter((l) => l.startsWith('k.activationBackwardSlices("relu"'))).toHaveLength(16);
    expect(g.constants.filter((l) => l.includes("outStride: "))).toHaveLength(16);
    // The copying path, for comparison: one copy per branch forward and one backward.
    const copying = generate(spec("squeezenet1_1"), undefined, { inPlaceConcat: false });
    expect(copies(copying.forward)).toBe(16);
    expect(copies(copying.backward)).toBe(16);
  });

  it("branches: conv-ending branches and the fc branch in place; the identity branches still copied", () => {
    const g = generate(spec("branches"));
    expect(branches(g.forward)).toEqual({
      inPlace: ["mixed.concat1.branch2", "mixed.concat1.branch3", "mixed.concat1.branch4", "concat1.branch1"],
      copied: ["mixed.concat1.branch1", "concat1.branch2"],
    });
    expect(copies(g.forward)).toBe(2);
    // The fc (its relu fused) writes rows 26 apart: the GEMM's leading dimension.
    expect(g.forward.filter((l) => /^k\.fcForward\(.*, rt\.ACT_RELU, 26\);$/.test(l))).toHaveLength(1);
    // The conv without a relu (branch 4) reads its slice of the gradient through its geometry's gradStride.
    expect(g.constants.filter((l) => l.includes("gradStride: 2880"))).toHaveLength(1);
    // The in-place branches take no memory of their own (the fc branch: 6 outputs and their gradient).
    const perExample = (inPlaceConcat: boolean) => generate(spec("branches"), undefined, { inPlaceConcat }).plan.buffers.reduce((a, b) => a + b.perExample, 0);
    expect(perExample(false) - perExample(true)).toBe(6 * 576 + 2 * 6);
  });
});

// Fire-style and Inception-style concats with every case: fused relu (1x1 and Winograd-sized 3x3), a conv without relu
// (gradient read in place through the Winograd input gradient), identity, an activation after batchnorm (reading y)
// and one reading x, batchnorm alone and after a conv (folded at inference into a kernel writing the slice), max and
// average pooling, grouped, depthwise (with and without a fused relu), a concat inside a residual body (whose output
// gradient the shortcut reads again), and a concat of vectors: fc with a fused relu, fc alone, batchnorm of vectors.
const MIXED = `
model mixed {
  input 3x6x6
  conv 3x3 x8 pad 1, relu
  concat {
    branch { conv 1x1 x6, relu }
    branch { conv 3x3 x8 pad 1 }
    branch { }
    branch { batchnorm }
  }
  concat {
    branch { conv 1x1 x4, batchnorm, relu }
    branch { conv 1x1 x4, hardswish }
    branch { maxpool 3 stride 1 pad 1, conv 1x1 x6 }
    branch { avgpool 3 stride 1 pad 1 }
    branch { conv 1x1 x4, batchnorm }
    branch { maxpool 3 stride 1 pad 1 }
  }
  conv 1x1 x30
  residual {
    conv 1x1 x8, relu
    concat {
      branch { conv 3x3 x8 pad 1 groups 2, relu }
      branch { conv 3x3 x8 pad 1 groups 8 }
      branch { conv 1x1 x6 }
      branch { conv 3x3 x8 pad 1 groups 8, relu }
    }
  }
  globalavgpool
  concat {
    branch { fc 6, relu }
    branch { fc 5 }
    branch { fc 4, batchnorm }
  }
  fc 5
  loss softmax
}`;

describe("results are those of the copying path", () => {
  let inPlace: GeneratedModule;
  let copying: GeneratedModule;
  beforeAll(async () => {
    ensureWasmBuilt();
    [inPlace, copying] = await Promise.all([loadSpec(MIXED), loadSpec(MIXED, { inPlaceConcat: false })]);
  });

  it("the spec has both kinds of branch", () => {
    const r = checkSource("t.nnspec", MIXED);
    const b = branches(generate(r.models[0]!).forward);
    expect(b.copied).toEqual(["concat1.branch3"]);
    expect(b.inPlace).toEqual([
      ...["concat1.branch1", "concat1.branch2", "concat1.branch4"],
      ...["concat2.branch1", "concat2.branch2", "concat2.branch3", "concat2.branch4", "concat2.branch5", "concat2.branch6"],
      ...["residual1.concat1.branch1", "residual1.concat1.branch2", "residual1.concat1.branch3", "residual1.concat1.branch4"],
      ...["concat3.branch1", "concat3.branch2", "concat3.branch3"],
    ]);
  });

  for (const [kernels, threads] of [
    ["js", 1],
    ["wasm", 1],
    ["wasm", 2],
  ] as const)
    it(`${kernels}, ${threads} thread(s): inference output, training output, loss and every gradient identical`, () => {
      const rng = new Rng(5);
      const n = 3;
      const x = Float32Array.from({ length: n * 108 }, () => rng.next() * 2 - 1);
      const labels = [0, 3, 4];
      const run = (mod: GeneratedModule) => {
        const m = mod.createModel({ batchSize: 4, seed: 2, kernels, threads });
        try {
          const inference = [...m.forward(x)];
          const out = [...m.forward(x, { training: true })];
          const loss = m.loss(labels);
          m.backward();
          return { inference, out, loss, grads: Object.fromEntries(Object.entries(m.grads).map(([k, v]) => [k, [...v]])) };
        } finally {
          m.dispose();
        }
      };
      const a = run(inPlace);
      const b = run(copying);
      expect(a.inference).toEqual(b.inference);
      expect(a.out).toEqual(b.out);
      expect(a.loss).toBe(b.loss);
      expect(a.grads).toEqual(b.grads);
      expect(Object.values(a.grads).every((g) => g.some((v) => v !== 0))).toBe(true);
    });
});
