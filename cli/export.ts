/** `nnspec export FILE --onnx OUT.onnx`: the model and its weights as an ONNX file. */
import { loadWeights, specHash, WeightsError, WeightsFormatError, writeFileAtomic } from "../runtime/index.js";
import { DEFAULT_OPSET, ExportError, exportOnnx, MAX_OPSET, MIN_OPSET, onnxOutputNames } from "../compiler/export/onnx.js";
import { describeIoError, UsageError } from "./io.js";
import { loadModelFromSpec } from "./load-model.js";
import { nonNegativeInt, parse, shared } from "./args.js";
import { nnspecVersion } from "../compiler/emit/version.js";

function opsetValue(value: unknown): number {
  if (value === undefined) return DEFAULT_OPSET;
  const n = Number(value);
  if (typeof value !== "string" || !/^[0-9]+$/.test(value) || n < MIN_OPSET || n > MAX_OPSET) throw new UsageError(`--opset must be a whole number from ${MIN_OPSET} to ${MAX_OPSET}, not ${String(value)}`);
  return n;
}


export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse("export", argv, {
    ...shared("model", "weights", "force", "seed"),
    onnx: { type: "string" },
    opset: { type: "string" },
  }, "one");
  if (values.onnx === undefined || values.onnx === "") throw new UsageError("export needs --onnx OUT.onnx (the file to write)");
  const opset = opsetValue(values.opset);
  const seed = values.seed === undefined ? 0 : nonNegativeInt(values.seed, "--seed");
  const weights = values.weights as string | undefined;
  if (weights !== undefined && values.seed !== undefined) process.stderr.write("warning: --seed has no effect with --weights (every value comes from the weights file)\n");
  const out = values.onnx as string;

  const loaded = await loadModelFromSpec(positionals[0]!, values.model as string | undefined);
  const hash = specHash(loaded.specText);
  const model = loaded.createModel({ batchSize: 1, seed });
  if (weights !== undefined) {
    try {
      const r = loadWeights(weights, model, loaded.info, { specHash: hash, force: values.force === true });
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    } catch (e) {
      if (e instanceof WeightsError || e instanceof WeightsFormatError) throw new UsageError(e.message);
      throw new UsageError(`${weights}: ${describeIoError(e)}`);
    }
  }

  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(loaded.checked, { ...model.params, ...model.buffers }, { opset, producerVersion: nnspecVersion(), specHash: hash });
  } catch (e) {
    if (e instanceof ExportError) {
      process.stderr.write(`nnspec: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    await writeFileAtomic(out, bytes);
  } catch (e) {
    throw new UsageError(`${out}: ${describeIoError(e)}`);
  }
  const source = weights !== undefined ? `weights from ${weights}` : `freshly initialised weights (seed ${seed}; pass --weights W.safetensors for trained ones)`;
  const outputs = onnxOutputNames(loaded.checked).join(", ");
  process.stderr.write(
    `wrote ${out}: ${loaded.info.name}, opset ${opset}, input [batch, ${loaded.info.inputShape.join(", ")}], outputs ${outputs}; ${loaded.info.paramCount.toLocaleString("en-US")} parameters, ${source}\n`,
  );
  return 0;
}
