/** `--data mnist|DIR` for train and eval: the data set, checked against the model. */
import { statSync } from "node:fs";
import { DataError, loadMnist, loadNpyDir, subset, type Dataset } from "../runtime/index.js";
import { UsageError } from "./io.js";
import type { ModelInfo } from "./load-model.js";

export function loadData(spec: string, info: ModelInfo, limit?: number): { train: Dataset; test: Dataset } {
  const inputSize = info.inputShape.reduce((a, b) => a * b, 1);
  const outputSize = info.outputShape.reduce((a, b) => a * b, 1);
  if (info.loss === null) throw new UsageError(`model ${info.name} has no loss statement, so it cannot be trained or evaluated against labels; add e.g. \`loss softmax\``);
  let data: { train: Dataset; test: Dataset };
  if (spec === "mnist") {
    if (inputSize !== 784) throw new UsageError(`--data mnist gives 1x28x28 digits, but model ${info.name} takes ${info.inputShape.join("x")}`);
    if (info.loss !== "softmax" || outputSize !== 10) throw new UsageError(`--data mnist has 10 classes, but model ${info.name} ends in ${info.outputShape.join("x")} with loss ${info.loss}`);
    data = loadMnist();
  } else {
    try {
      if (!statSync(spec).isDirectory()) throw new UsageError(`--data ${spec}: not a directory (expected mnist or a folder with train_x.npy, train_y.npy, test_x.npy, test_y.npy)`);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--data ${spec}: no such directory (expected mnist or a folder with train_x.npy, train_y.npy, test_x.npy, test_y.npy)`);
    }
    try {
      data = loadNpyDir(spec, { inputShape: [...info.inputShape], kind: info.loss === "softmax" ? "classes" : "targets", outputSize });
    } catch (e) {
      if (e instanceof DataError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (limit !== undefined) data = { train: subset(data.train, Math.min(limit, data.train.n)), test: subset(data.test, Math.min(Math.max(1, Math.ceil(limit / 4)), data.test.n)) };
  return data;
}
