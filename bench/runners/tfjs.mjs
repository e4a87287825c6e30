// TF.js runners (layers API): backend "cpu" (pure JS) or "wasm" (@tensorflow/tfjs-backend-wasm).
// Same layers as the spec (for workload M read from the checked spec), channels last (runners/tfjs-model.mjs); train = trainOnBatch with SGD 0.01 and
// softmax cross-entropy on the logits, infer = predict + dataSync.
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { makeBatch, tfLayers, toNHWC } from "./common.mjs";
import { buildTfModel, tfStep } from "./tfjs-model.mjs";

const require = createRequire(import.meta.url);

async function loadTf(backend, threads) {
  const tf = await import("@tensorflow/tfjs");
  if (backend === "wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    // In Node the backend reads its .wasm files from disk: point it at the package's dist/.
    wasm.setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
    if (threads !== undefined) wasm.setThreadsCount(threads);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to initialise`);
  await tf.ready();
  return tf;
}

export async function setup(w, { mode, batch, backend, threads }) {
  const tf = await loadTf(backend, threads);
  const [c, h, wd] = w.inputShape;
  const model = buildTfModel(tf, w, await tfLayers(w));
  const { x, labels } = makeBatch(w, batch);
  const xs = tf.tensor4d(toNHWC(x, batch, w.inputShape), [batch, h, wd, c]);
  const ys = tf.oneHot(tf.tensor1d(labels, "int32"), w.classes).toFloat();
  const step = tfStep(model, mode, xs, ys);
  const info = { backend: tf.getBackend(), threads: 1, tfjs: tf.version.tfjs };
  if (backend === "wasm") {
    info.threads = (await import("@tensorflow/tfjs-backend-wasm")).getThreadsCount();
    info.simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    info.multithreadSupport = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  }
  return {
    step,
    info,
    close: () => tf.disposeVariables(),
  };
}
