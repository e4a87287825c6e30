/**
 * `nnspec export FILE --pytorch DIR`: DIR/MODEL.py (the nn.Module), DIR/train_ddp.py
 * (DistributedDataParallel training) and DIR/init.safetensors (the weights
 * export starts from: --weights, or the seed's fresh initialisation). DIR is
 * created when its parent exists; the three files go through the CLI's one
 * output check (cli/paths.ts) and are written atomically.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { saveWeights, writeFileAtomic } from "../runtime/index.js";
import type { CheckedModel } from "../compiler/model.js";
import { exportPytorch, type PytorchExport } from "../compiler/export/pytorch.js";
import { nnspecVersion } from "../compiler/emit/version.js";
import { displayPath } from "../diagnostics/display.js";
import { describeIoError, fileError, UsageError } from "./io.js";
import { checkOutputs, type InputFile, type OutputFile } from "./paths.js";
import type { LoadedModel, RunnableModel } from "./load-model.js";

export interface PytorchOutputs {
  dir: string;
  files: PytorchExport;
  init: string;
}

/** The module text and the checked output paths (nothing written yet); an ExportError when the model has no PyTorch form. */
export function pytorchOutputs(inputs: readonly InputFile[], dir: string, checked: CheckedModel, spec: LoadedModel["spec"], onnx: OutputFile | undefined, force: boolean): PytorchOutputs {
  let st;
  try {
    st = statSync(dir);
  } catch {
    // a new folder, made in its parent (which checkOutputs finds missing or not a folder)
  }
  if (st !== undefined && !st.isDirectory()) throw new UsageError(`--pytorch ${displayPath(dir)} is not a folder; give a folder for MODEL.py and train_ddp.py`);
  const files = exportPytorch(checked, { ...spec, specPath: inputs[0]!.path, producerVersion: nnspecVersion() });
  const outputs: OutputFile[] = [
    ...files.files.map((f) => ({ role: `--pytorch's ${f.name}`, path: join(dir, f.name), kind: "python" as const })),
    { role: "--pytorch's init.safetensors", path: join(dir, "init.safetensors"), kind: "safetensors" },
  ];
  if (st === undefined) {
    const parent = statOrUndefined(dirname(resolve(dir)));
    if (!parent?.isDirectory()) throw new UsageError(`--pytorch ${displayPath(dir)} cannot be made: the folder ${displayPath(dirname(resolve(dir)))} does not exist`);
  } else checkOutputs(inputs, onnx ? [onnx, ...outputs] : outputs, force);
  return { dir, files, init: join(dir, "init.safetensors") };
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Write the module, train_ddp.py and the model's current weights. */
export async function writePytorch(out: PytorchOutputs, loaded: LoadedModel, model: RunnableModel, source: string): Promise<void> {
  const files = out.files;
  try {
    mkdirSync(out.dir, { recursive: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fileError(out.dir, describeIoError(e));
  }
  for (const f of files.files) {
    const path = join(out.dir, f.name);
    try {
      await writeFileAtomic(path, new TextEncoder().encode(f.text));
    } catch (e) {
      throw fileError(path, describeIoError(e));
    }
  }
  await saveWeights(out.init, model, loaded.info, { model: loaded.info.name, ...loaded.spec });
  const names = [...files.files.map((f) => f.name), "init.safetensors"].map((n) => displayPath(join(out.dir, n)));
  process.stderr.write(
    `wrote ${names.join(", ")}: ${loaded.info.name} as a torch.nn.Module, input [batch, ${loaded.info.inputShape.join(", ")}]; ${loaded.info.paramCount.toLocaleString("en-US")} parameters, ${source}\n`,
  );
}
