/**
 * Every example network of specs/ runs forward. Those up to ONNX_MAX_PARAMS
 * do so in the ONNX comparison (test/export/onnx.test.ts: the wasm kernels, at
 * batch 1, against ONNX Runtime); this file creates each larger one at batch 1
 * with the wasm kernels and runs forward once: the output has the model's
 * shape and is finite. Left out, on purpose and asserted, to keep `npm test`
 * short (creating a model initialises every weight: AlexNet's 61M take
 * seconds): VGG-16 and VGG-19 (31 and 39 GFLOPs, over half a GB of weights
 * each) and ResNet-18, whose layer kinds and joins run in AlexNet here and in
 * ResNet-20 and ResNet-56 in the ONNX comparison. (Every spec's parameter
 * count and summary are checked by test/acceptance.test.ts, through the CLI.)
 */
import { describe, expect, it } from "vitest";
import { checkSource, type CheckedModel } from "../../compiler/index.js";
import { numel } from "../../compiler/shape.js";
import { loadSpec } from "../helpers/compile.js";
import { exampleSpecs, ONNX_MAX_PARAMS } from "../helpers/example-specs.js";

const LEFT_OUT = ["resnet18", "vgg16", "vgg19"];

const specs = exampleSpecs().map((s) => {
  const r = checkSource(`${s.name}.nnspec`, s.text);
  return { ...s, model: r.models[0] as CheckedModel };
});
const here = specs.filter((s) => s.model.params > ONNX_MAX_PARAMS && !LEFT_OUT.includes(s.name));

describe("every example spec runs forward", () => {
  it(`beyond the ONNX comparison's ${ONNX_MAX_PARAMS.toLocaleString("en-US")} parameters: ${here.map((s) => s.name).join(", ")} here, ${LEFT_OUT.join(", ")} left out`, () => {
    expect(specs.every((s) => s.model)).toBe(true);
    expect(here.map((s) => s.name)).toEqual(["alexnet"]);
    expect(specs.filter((s) => LEFT_OUT.includes(s.name)).map((s) => s.model.params > ONNX_MAX_PARAMS)).toEqual([true, true, true]);
  });

  for (const s of here) {
    it(`${s.name}: batch 1 with the wasm kernels, output ${s.model.outputShape.join("x")} and finite`, async () => {
      const mod = await loadSpec(s.text, { path: `${s.name}.nnspec` }); // the path test/codegen/golden-and-typecheck.test.ts compiles it at: one compile for both (helpers/compile-cache.ts)
      const model = mod.createModel({ batchSize: 1, seed: 1, kernels: "wasm" });
      try {
        const x = Float32Array.from({ length: numel(s.model.inputShape) }, (_, i) => Math.sin(i));
        const y = model.forward(x);
        expect(y.length).toBe(numel(s.model.outputShape));
        expect(y.every(Number.isFinite)).toBe(true);
        expect(y.some((v) => v !== 0)).toBe(true);
      } finally {
        model.dispose();
      }
    });
  }
});
