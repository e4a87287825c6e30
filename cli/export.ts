/**
 * `nnspec export FILE --onnx OUT.onnx`: the model and its weights as an ONNX
 * file; with external data (--external-data, or weights too large for one
 * ONNX file) OUT.onnx plus its weights in OUT.onnx.data beside it.
 * `--pytorch DIR`: MODEL.py, train_ddp.py and init.safetensors in DIR (export-pytorch.ts).
 */
import { statSync } from "node:fs";
import { basename } from "node:path";
import { writeFileAtomic, type WriteBytes } from "../runtime/index.js";
import { loadWeightsForCli } from "./weights.js";
import { DEFAULT_OPSET, exportOnnx, exportOnnxWithExternalData, INLINE_WEIGHTS_LIMIT, MAX_OPSET, MIN_OPSET, onnxOutputNames, weightBytes } from "../compiler/export/onnx.js";
import { displayPath } from "../diagnostics/display.js";
import { describeIoError, fileError, UsageError, warn } from "./io.js";
import { loadModelFromSpec } from "./load-model.js";
import { checkOutputs, type InputFile, type OutputFile } from "./paths.js";
import { nonNegativeInt, parse, shared } from "./args.js";
import { nnspecVersion } from "../compiler/emit/version.js";
import { pytorchOutputs, writePytorch } from "./export-pytorch.js";

function opsetValue(value: unknown): number {
  if (value === undefined) return DEFAULT_OPSET;
  const n = Number(value);
  if (typeof value !== "string" || !/^[0-9]+$/.test(value) || n < MIN_OPSET || n > MAX_OPSET) throw new UsageError(`--opset must be a whole number from ${MIN_OPSET} to ${MAX_OPSET}, not ${String(value)}`);
  return n;
}

/**
 * The data file beside `onnx` (OUT.onnx → OUT.onnx.data), checked with the
 * other outputs. A device or FIFO as --onnx has no "beside": refused.
 */
function dataOutput(inputs: readonly InputFile[], onnx: OutputFile, force: boolean): OutputFile {
  let st;
  try {
    st = statSync(onnx.path);
  } catch {
    // a new file
  }
  if (st !== undefined && (st.isCharacterDevice() || st.isFIFO()))
    throw new UsageError(`--onnx ${displayPath(onnx.path)} is ${st.isFIFO() ? "a FIFO" : "a character device"}: with external data the model needs a file name (its weights go beside it, in NAME.data)`);
  const data: OutputFile = { role: "--onnx's data file", path: `${onnx.path}.data`, kind: "onnx-data" };
  checkOutputs(inputs, [onnx, data], force);
  return data;
}

async function write(path: string, bytes: WriteBytes): Promise<void> {
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw fileError(path, describeIoError(e));
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse("export", argv, {
    ...shared("model", "weights", "force", "seed"),
    onnx: { type: "string" },
    opset: { type: "string" },
    "external-data": { type: "boolean" },
    pytorch: { type: "string" },
  }, "one");
  const pytorch = values.pytorch as string | undefined;
  if (pytorch === "") throw new UsageError("--pytorch needs a folder (DIR, where MODEL.py and train_ddp.py go)");
  if (values.onnx === "" || (values.onnx === undefined && pytorch === undefined)) throw new UsageError("export needs --onnx OUT.onnx (the file to write) or --pytorch DIR (a PyTorch module and train_ddp.py)");
  const opset = opsetValue(values.opset);
  const seed = values.seed === undefined ? 0 : nonNegativeInt(values.seed, "--seed");
  const weights = values.weights as string | undefined;
  const force = values.force === true;
  const forced = values["external-data"] === true;
  if (weights !== undefined && values.seed !== undefined) warn("--seed has no effect with --weights (every value comes from the weights file)");
  const inputs: InputFile[] = [{ role: "the spec", path: positionals[0]! }];
  if (weights !== undefined) inputs.push({ role: "--weights", path: weights });
  const out: OutputFile | undefined = values.onnx === undefined ? undefined : { role: "--onnx", path: values.onnx as string, kind: "onnx" };
  if (out) checkOutputs(inputs, [out], force);
  let data = out && forced ? dataOutput(inputs, out, force) : undefined;

  const loaded = await loadModelFromSpec(positionals[0]!, values.model as string | undefined);
  const spec = loaded.spec;
  const python = pytorch === undefined ? undefined : pytorchOutputs(inputs, pytorch, loaded.checked, spec, out, force);
  // Export reads the parameters only: the TypeScript kernels, which need no WebAssembly memory (a model of any size fits).
  const model = loaded.createModel({ batchSize: 1, seed, kernels: "js" });
  if (weights !== undefined) loadWeightsForCli(weights, model, loaded.info, { ...spec, force });
  const source = weights !== undefined ? `weights from ${displayPath(weights)}` : `freshly initialised weights (seed ${seed}; pass --weights W.safetensors for trained ones)`;
  if (python !== undefined) await writePytorch(python, loaded, model, source);
  if (out === undefined) return 0;

  const bytes = weightBytes(loaded.checked);
  // Weights too large for one ONNX file (a protobuf message holds 2 GiB) go beside it; that output is checked before any weights exist.
  data ??= bytes > INLINE_WEIGHTS_LIMIT ? dataOutput(inputs, out, force) : undefined;
  // An ExportError (no ONNX form for this model) reaches the error boundary, cli/errors.ts: one line, exit 1.
  const tensors = { ...model.params, ...model.buffers };
  const options = { opset, producerVersion: nnspecVersion(), ...spec };
  let wrote = displayPath(out.path);
  if (data === undefined) await write(out.path, exportOnnx(loaded.checked, tensors, options));
  else {
    const r = exportOnnxWithExternalData(loaded.checked, tensors, { ...options, location: `${basename(out.path)}.data` });
    // The data file first: once the model file is replaced, the pair it names is whole.
    await write(data.path, r.data.pieces);
    await write(out.path, r.model);
    wrote += ` with its weights in ${displayPath(data.path)} (external data, ${forced ? "--external-data" : `${(bytes / 2 ** 30).toFixed(2)} GiB of weights, more than one ONNX file holds`})`;
  }
  const outputs = onnxOutputNames(loaded.checked).join(", ");
  process.stderr.write(
    `wrote ${wrote}: ${loaded.info.name}, opset ${opset}, input [batch, ${loaded.info.inputShape.join(", ")}], outputs ${outputs}; ${loaded.info.paramCount.toLocaleString("en-US")} parameters, ${source}\n`,
  );
  return 0;
}
