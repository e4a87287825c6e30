// onnxruntime-node runner: the ONNX file nnspec exported from the nnspec runner's
// weights (seed SEED), CPU execution provider, intraOpNumThreads = --threads. Inference only.
import { makeBatch, prepare } from "./common.mjs";

export async function openSession(onnxPath, threads) {
  const ort = (await import("onnxruntime-node")).default;
  const session = await ort.InferenceSession.create(onnxPath, {
    executionProviders: ["cpu"],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  return { ort, session };
}

export async function setup(w, { mode, batch, threads = 1 }) {
  if (mode !== "infer") throw new Error("unsupported: the ONNX export is inference only");
  const { onnx } = await prepare(w, { onlyIfMissing: true });
  const { ort, session } = await openSession(onnx, threads);
  const { x } = makeBatch(w, batch);
  const feeds = { input: new ort.Tensor("float32", x, [batch, ...w.inputShape]) };
  return {
    step: async () => {
      const out = await session.run(feeds, ["logits"]);
      out.logits.dispose?.();
    },
    info: { threads, ort: ort.env.versions?.node },
    close: () => session.release(),
  };
}
