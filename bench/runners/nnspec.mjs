// nnspec runner: the compiled module (bench/.tmp/nnspec/<model>.js), trainStep with SGD 0.01 or forward.
import { pathToFileURL } from "node:url";
import { SEED, makeBatch, paths, prepare } from "./common.mjs";

export async function setup(w, { mode, batch, threads, kernels }) {
  await prepare(w, { onlyIfMissing: true });
  const rt = await import("nnspec/runtime");
  const mod = await import(pathToFileURL(paths(w).module).href);
  const options = { batchSize: batch, seed: SEED };
  if (threads !== undefined) options.threads = threads;
  if (kernels !== undefined) options.kernels = kernels;
  const model = await mod.createModel(options);
  const { x, labels } = makeBatch(w, batch);
  const sgd = new rt.SGD({ lr: 0.01 });
  return {
    step: mode === "train" ? () => model.trainStep(x, labels, sgd) : () => model.forward(x),
    info: {
      threads: threads ?? "default",
      kernels: kernels ?? "default",
      // threads/kernels/dispose arrived together; without dispose the options are ignored.
      threadsOptionSupported: typeof model.dispose === "function",
    },
    close: () => model.dispose?.(),
  };
}
