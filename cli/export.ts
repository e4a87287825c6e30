/** `nnspec export FILE --onnx OUT.onnx`: the model and its weights as an ONNX file. */
import { specHash, writeFileAtomic } from "../runtime/index.js";
import { loadWeightsForCli } from "./weights.js";
import { DEFAULT_OPSET, exportOnnx, MAX_OPSET, MIN_OPSET, onnxOutputNames } from "../compiler/export/onnx.js";
import { displayPath } from "../diagnostics/display.js";
import { describeIoError, fileError, UsageError, warn } from "./io.js";
import { loadModelFromSpec } from "./load-model.js";
import { checkOutputs } from "./paths.js";
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
  if (weights !== undefined && values.seed !== undefined) warn("--seed has no effect with --weights (every value comes from the weights file)");
  const out = values.onnx as string;
  const inputs = [{ role: "the spec", path: positionals[0]! }];
  if (weights !== undefined) inputs.push({ role: "--weights", path: weights });
  checkOutputs(inputs, [{ role: "--onnx", path: out, kind: "onnx" }], values.force === true);

  const loaded = await loadModelFromSpec(positionals[0]!, values.model as string | undefined);
  const hash = specHash(loaded.specText);
  // Export reads the parameters only: the TypeScript kernels, which need no WebAssembly memory (a model of any size fits).
  const model = loaded.createModel({ batchSize: 1, seed, kernels: "js" });
  if (weights !== undefined) {
    loadWeightsForCli(weights, model, loaded.info, { specHash: hash, force: values.force === true });
  }

  // An ExportError (no ONNX form for this model) reaches the error boundary, cli/errors.ts: one line, exit 1.
  const bytes = exportOnnx(loaded.checked, { ...model.params, ...model.buffers }, { opset, producerVersion: nnspecVersion(), specHash: hash });
  try {
    await writeFileAtomic(out, bytes);
  } catch (e) {
    throw fileError(out, describeIoError(e));
  }
  const source = weights !== undefined ? `weights from ${displayPath(weights)}` : `freshly initialised weights (seed ${seed}; pass --weights W.safetensors for trained ones)`;
  const outputs = onnxOutputNames(loaded.checked).join(", ");
  process.stderr.write(
    `wrote ${displayPath(out)}: ${loaded.info.name}, opset ${opset}, input [batch, ${loaded.info.inputShape.join(", ")}], outputs ${outputs}; ${loaded.info.paramCount.toLocaleString("en-US")} parameters, ${source}\n`,
  );
  return 0;
}
