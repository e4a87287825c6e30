/** `nnspec eval` and `nnspec predict`: trained weights applied to data. */
import { Batches, imageShape, loadNpySync, NpyFormatError, saveNpySync } from "../runtime/index.js";
import { loadWeightsForCli } from "./weights.js";
import { loadData } from "./data.js";
import { createRunnable } from "./create-model.js";
import { kernelChoice, type KernelChoice } from "./kernels.js";
import { displayPath } from "../diagnostics/display.js";
import { checkOutputs } from "./paths.js";
import { describeIoError, fileError, UsageError } from "./io.js";
import { loadModelFromSpec, type LoadedModel, type ModelInfo, type RunnableModel } from "./load-model.js";
import { batchSize as batchSizeValue, choice, outputFormat, parse, positiveInt, shared } from "./args.js";
import { argmax, evaluate } from "./measure.js";
import { MAX_BATCH_SIZE } from "../runtime/index.js";

async function withWeights(command: string, file: string, modelName: string | undefined, weights: string | undefined, batchSize: number, force: boolean, kernels: KernelChoice): Promise<{ loaded: LoadedModel; model: RunnableModel }> {
  if (weights === undefined) throw new UsageError(`${command} needs --weights W.safetensors`);
  const loaded = await loadModelFromSpec(file, modelName);
  const model = createRunnable(loaded, { batchSize }, kernels, (text) => process.stderr.write(text + "\n"));
  loadWeightsForCli(weights, model, loaded.info, { ...loaded.spec, force });
  return { loaded, model };
}

export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse("eval", argv, {
    ...shared("model", "weights", "force", "data", "batch", "limit", "format", "threads", "kernels"),
    split: { type: "string" },
  }, "one");
  if (values.data === undefined) throw new UsageError("eval needs --data mnist or --data DIR");
  const format = outputFormat(values.format);
  const split = choice(values.split ?? "test", "--split", ["test", "train"] as const);
  const batchSize = values.batch === undefined ? 256 : batchSizeValue(values.batch, "--batch", MAX_BATCH_SIZE);
  const { loaded, model } = await withWeights("eval", positionals[0]!, values.model as string | undefined, values.weights as string | undefined, batchSize, values.force === true, kernelChoice(values.threads as string | undefined, values.kernels as string | undefined));
  const info = loaded.info;
  const limit = values.limit === undefined ? undefined : positiveInt(values.limit, "--limit");
  const data = loadData(values.data as string, info, limit)[split];
  const classes = info.loss === "softmax" ? info.outputShape[0]! : 0;
  const confusion = classes ? new Int32Array(classes * classes) : undefined;
  const r = evaluate(model, data, new Batches(data, batchSize, 0, { shuffle: false }), classes, info.l2, confusion);
  if (format === "json") {
    const rows = confusion ? Array.from({ length: classes }, (_, i) => Array.from(confusion.subarray(i * classes, (i + 1) * classes))) : undefined;
    process.stdout.write(JSON.stringify({ model: info.name, split, examples: data.n, loss: r.loss, accuracy: r.accuracy, ...(rows ? { confusion: rows } : { mse: r.loss }) }) + "\n");
    return 0;
  }
  console.log(`${info.name} on ${data.n.toLocaleString("en-US")} ${split === "test" ? "held-out" : "training"} examples`);
  if (classes && confusion) {
    console.log(`cross-entropy ${r.loss.toFixed(4)}   accuracy ${(100 * r.accuracy!).toFixed(2)}%`);
    console.log("\nconfusion matrix (rows: true class, columns: predicted)");
    const w = Math.max(4, String(Math.max(...confusion)).length + 1);
    console.log("     " + Array.from({ length: classes }, (_, j) => String(j).padStart(w)).join(""));
    for (let i = 0; i < classes; i++) console.log(String(i).padStart(4) + " " + Array.from(confusion.subarray(i * classes, (i + 1) * classes), (v) => String(v).padStart(w)).join(""));
  } else console.log(`MSE ${r.loss.toPrecision(6)}`);
  return 0;
}

export async function predictCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse("predict", argv, {
    ...shared("model", "weights", "force", "format", "threads", "kernels"),
    input: { type: "string" },
    output: { type: "string" },
  }, "one");
  const format = outputFormat(values.format);
  if (values.input === undefined) throw new UsageError("predict needs --input x.npy");
  if (values.output !== undefined) {
    const inputs = [{ role: "the spec", path: positionals[0]! }, { role: "--input", path: values.input as string }];
    if (values.weights !== undefined) inputs.push({ role: "--weights", path: values.weights as string });
    checkOutputs(inputs, [{ role: "--output", path: values.output as string, kind: "npy" }], values.force === true);
  }
  let x: Float32Array;
  let n: number;
  const batchSize = 64;
  const { loaded, model } = await withWeights("predict", positionals[0]!, values.model as string | undefined, values.weights as string | undefined, batchSize, values.force === true, kernelChoice(values.threads as string | undefined, values.kernels as string | undefined));
  const info = loaded.info;
  const inSize = info.inputShape.reduce((a, b) => a * b, 1);
  try {
    const arr = loadNpySync(values.input as string);
    n = examplesIn(String(values.input), arr.shape, info);
    x = new Float32Array(n * inSize);
    const scale = arr.dtype === "|u1" ? 1 / 255 : 1;
    for (let i = 0; i < x.length; i++) {
      const v = Number(arr.data[i]!) * scale;
      if (!Number.isFinite(v)) throw new UsageError(`${String(values.input)}: value ${v} in example ${Math.floor(i / inSize)} (at index ${i}); inputs must be finite numbers`);
      x[i] = v;
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof NpyFormatError) throw new UsageError(e.message);
    throw fileError(String(values.input), describeIoError(e));
  }
  const outSize = info.outputShape.reduce((a, b) => a * b, 1);
  const result = new Float32Array(n * outSize);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    result.set(model.predict(x.subarray(start * inSize, (start + count) * inSize)), start * outSize);
  }
  if (values.output !== undefined) {
    try {
      saveNpySync(values.output as string, { dtype: "<f4", shape: [n, ...info.outputShape], data: result });
    } catch (e) {
      throw fileError(String(values.output), describeIoError(e));
    }
    process.stderr.write(`wrote ${n} predictions to ${displayPath(String(values.output))}\n`);
    return 0;
  }
  const classes = info.loss === "softmax" ? outSize : 0;
  const rows = Array.from({ length: n }, (_, i) => Array.from(result.subarray(i * outSize, (i + 1) * outSize)));
  if (classes) {
    const preds = rows.map((row, index) => {
      const c = argmax(result, index * outSize, outSize);
      return { index, class: c, probability: row[c]!, probabilities: row };
    });
    if (format === "json") process.stdout.write(JSON.stringify({ model: info.name, predictions: preds }) + "\n");
    else for (const p of preds) console.log(`${p.index}: class ${p.class} (p = ${p.probability.toFixed(4)})`);
  } else if (format === "json") process.stdout.write(JSON.stringify({ model: info.name, predictions: rows.map((output, index) => ({ index, output })) }) + "\n");
  else rows.forEach((row, i) => console.log(`${i}: ${row.map((v) => v.toPrecision(6)).join(" ")}`));
  return 0;
}

/**
 * How many examples an input array of `shape` holds: one when it is the
 * model's input shape; N for [N, …input shape] or flat [N, features], the
 * shapes `train` accepts.
 */
function examplesIn(file: string, shape: readonly number[], info: ModelInfo): number {
  const inSize = info.inputShape.reduce((a, b) => a * b, 1);
  if (shape.join("x") === info.inputShape.join("x")) return 1;
  const perExample = shape.slice(1).reduce((a, b) => a * b, 1);
  const full = shape.length === info.inputShape.length + 1 && info.inputShape.every((d, i) => shape[i + 1] === d);
  if (full || (shape.length === 2 && shape[1] === inSize)) return shape[0]!;
  const asImage = shape.length >= 2 ? `; ${perExample} values per example${imageShape(perExample, info.inputShape)}` : "";
  throw new UsageError(`${file} has shape [${shape.join(", ")}]${asImage}, but model ${info.name} takes ${info.inputShape.join("x")} (${inSize} values): expected [N, ${info.inputShape.join(", ")}] or [N, ${inSize}]`);
}
