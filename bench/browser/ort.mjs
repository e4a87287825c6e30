// ONNX Runtime Web (WebAssembly) on the ONNX file `nnspec export` made from
// nnspec's weights. Its thread pool is set once per instance
// (ort.env.wasm.numThreads, before the first session); its .mjs/.wasm from ../ort/.
// Inference only.
import * as ort from "onnxruntime-web/wasm";

export async function setup({ w, mode, batch, threads, x, fetchData }) {
  if (mode !== "infer") throw new Error("unsupported: the ONNX export is inference only");
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = new URL("../ort/", self.location.href).href;
  const session = await ort.InferenceSession.create(await fetchData(`${w.name}.onnx`), {
    executionProviders: ["wasm"],
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  const feeds = { input: new ort.Tensor("float32", x, [batch, ...w.inputShape]) };
  return {
    step: async () => (await session.run(feeds, ["logits"])).logits.data,
    info: { threads: ort.env.wasm.numThreads, ort: ort.env.versions?.web },
    close: () => session.release(),
  };
}
