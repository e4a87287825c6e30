/** `nnspec eval` and `nnspec predict`: trained weights applied to data. */
import { Batches, loadNpySync, loadWeights, NpyFormatError, saveNpySync, WeightsError, WeightsFormatError } from "../runtime/index.js";
import { loadData } from "./data.js";
import { kernelChoice, type KernelChoice } from "./kernels.js";
import { describeIoError, UsageError } from "./io.js";
import { loadModelFromSpec, type LoadedModel, type RunnableModel } from "./load-model.js";
import { choice, outputFormat, parse, positiveInt, shared } from "./args.js";
import { argmax, evaluate } from "./measure.js";
import { specHash } from "../runtime/index.js";

async function withWeights(command: string, file: string, modelName: string | undefined, weights: string | undefined, batchSize: number, force: boolean, kernels: KernelChoice): Promise<{ loaded: LoadedModel; model: RunnableModel }> {
  if (weights === undefined) throw new UsageError(`${command} needs --weights W.safetensors`);
  const loaded = await loadModelFromSpec(file, modelName);
  const model = loaded.createModel({ batchSize, ...kernels });
  try {
    const r = loadWeights(weights, model, loaded.info, { specHash: specHash(loaded.specText), force });
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  } catch (e) {
    if (e instanceof WeightsError || e instanceof WeightsFormatError) throw new UsageError(e.message);
    throw new UsageError(`${weights}: ${describeIoError(e)}`);
  }
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
  const batchSize = values.batch === undefined ? 256 : positiveInt(values.batch, "--batch");
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
  let x: Float32Array;
  let n: number;
  const batchSize = 64;
  const { loaded, model } = await withWeights("predict", positionals[0]!, values.model as string | undefined, values.weights as string | undefined, batchSize, values.force === true, kernelChoice(values.threads as string | undefined, values.kernels as string | undefined));
  const info = loaded.info;
  const inSize = info.inputShape.reduce((a, b) => a * b, 1);
  try {
    const arr = loadNpySync(values.input as string);
    const shape = arr.shape;
    const perExample = shape.slice(1).reduce((a, b) => a * b, 1);
    const single = shape.join("x") === info.inputShape.join("x");
    if (!single && (shape.length < 2 || perExample !== inSize || shape.slice(1).join("x") !== info.inputShape.join("x")))
      throw new UsageError(`${String(values.input)} has shape [${shape.join(", ")}], but model ${info.name} takes ${info.inputShape.join("x")}: expected [N, ${info.inputShape.join(", ")}]`);
    n = single ? 1 : shape[0]!;
    x = new Float32Array(n * inSize);
    const scale = arr.dtype === "|u1" ? 1 / 255 : 1;
    for (let i = 0; i < x.length; i++) x[i] = Number(arr.data[i]!) * scale;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof NpyFormatError) throw new UsageError(e.message);
    throw new UsageError(`${String(values.input)}: ${describeIoError(e)}`);
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
      throw new UsageError(`${String(values.output)}: ${describeIoError(e)}`);
    }
    process.stderr.write(`wrote ${n} predictions to ${String(values.output)}\n`);
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
