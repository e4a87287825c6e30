// nnspec in the browser: the module `nnspec compile --js` made (bench/.tmp/nnspec/),
// createModelAsync on the WebAssembly kernels with the requested threads, the
// weights of bench/.tmp/<model>.safetensors (those ONNX Runtime and TF.js get).
// train = trainStep with SGD 0.01 (returns the loss), infer = forward (the logits).
import { SGD, loadWeights } from "nnspec/runtime";

const MODULES = { lenet5: () => import("../.tmp/nnspec/lenet5.js"), cifar_c: () => import("../.tmp/nnspec/cifar_c.js") };

export async function setup({ w, mode, batch, threads, x, labels, fetchData }) {
  const mod = await MODULES[w.name]();
  const model = await mod.createModelAsync({ batchSize: batch, seed: 1, threads, kernels: "wasm" });
  loadWeights(await fetchData(`${w.name}.safetensors`), model, mod.info, { source: `${w.name}.safetensors` });
  const sgd = new SGD({ lr: 0.01 });
  return {
    step: mode === "train" ? () => model.trainStep(x, labels, sgd) : () => model.forward(x),
    info: { threads: model.threads, kernels: model.kernels },
    close: () => model.dispose(),
  };
}
