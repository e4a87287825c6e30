// TF.js in the browser: the layers model of runners/tfjs-model.mjs (channels
// last) with nnspec's weights, on the cpu backend (plain JS, one thread) or the
// wasm backend (setThreadsCount before it starts; its .wasm files from ../tfjs/).
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { decodeSafetensors } from "nnspec/runtime";
import { buildTfModel, setTfWeights, tfStep } from "../runners/tfjs-model.mjs";

export async function setup({ w, runner, mode, batch, threads, xNHWC, labels, fetchData }) {
  const backend = runner.slice("tfjs-".length);
  if (backend === "wasm") {
    setWasmPaths(new URL("../tfjs/", self.location.href).href);
    setThreadsCount(threads);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to initialise`);
  await tf.ready();
  const model = buildTfModel(tf, w);
  setTfWeights(tf, model, decodeSafetensors(await fetchData(`${w.name}.safetensors`)).tensors);
  const [c, h, wd] = w.inputShape;
  const xs = tf.tensor4d(xNHWC, [batch, h, wd, c]);
  const ys = tf.oneHot(tf.tensor1d(labels, "int32"), w.classes).toFloat();
  const info = { backend: tf.getBackend(), threads: 1, tfjs: tf.version.tfjs };
  if (backend === "wasm") {
    info.threads = getThreadsCount();
    info.simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    info.multithreadSupport = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  }
  return { step: tfStep(model, mode, xs, ys), info, close: () => tf.disposeVariables() };
}
