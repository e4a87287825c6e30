/**
 * Compile a spec in memory and import the generated module, for `train`,
 * `eval` and `predict`. The module imports this process's own runtime (by
 * file URL), so the CLI and the model share one copy of it.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { compileModel, toJavaScript } from "../emit/index.js";
import type { CheckedModel } from "../model.js";
import { UsageError } from "./io.js";
import { checkFiles } from "./main.js";
import { printDiagnosticsText } from "./output.js";
import type { Optimizer, Tensor } from "../../runtime/index.js";

export interface ModelInfo {
  name: string;
  dtype: "f32" | "f64";
  inputShape: readonly number[];
  outputShape: readonly number[];
  loss: "softmax" | "mse" | null;
  l2: number;
  paramCount: number;
  params: readonly { name: string; shape: readonly number[] }[];
  buffers: readonly { name: string; shape: readonly number[] }[];
}

export interface RunnableModel {
  batchSize: number;
  params: Record<string, Tensor>;
  grads: Record<string, Tensor>;
  buffers: Record<string, Tensor>;
  memoryBytes: number;
  forward(x: ArrayLike<number>, options?: { training?: boolean }): Tensor;
  predict(x: ArrayLike<number>): Tensor;
  output(): Tensor;
  loss(target: ArrayLike<number>): number;
  backward(): void;
  trainStep(x: ArrayLike<number>, target: ArrayLike<number>, optimizer: Optimizer): number;
  reseed(seed: number): void;
}

export interface LoadedModel {
  checked: CheckedModel;
  info: ModelInfo;
  createModel(options?: { batchSize?: number; seed?: number }): RunnableModel;
  specText: string;
}

/** Check FILE (printing diagnostics), pick the model, compile it and import it. */
export async function loadModelFromSpec(file: string, modelName: string | undefined): Promise<LoadedModel> {
  const [result] = checkFiles([file]);
  const diags = result!.diagnostics;
  printDiagnosticsText(diags);
  if (diags.some((d) => d.severity === "error")) throw new SpecError();
  const models = result!.models;
  let checked: CheckedModel | undefined;
  if (modelName !== undefined) {
    checked = models.find((m) => m.name === modelName);
    if (!checked) throw new UsageError(`no model '${modelName}' in ${file} (models: ${models.map((m) => m.name).join(", ") || "none"})`);
  } else {
    if (models.length === 0) throw new UsageError(`${file} defines no model`);
    if (models.length > 1) throw new UsageError(`${file} defines ${models.length} models (${models.map((m) => m.name).join(", ")}); pick one with --model NAME`);
    checked = models[0]!;
  }
  const runtime = new URL("../../runtime/index.js", import.meta.url).href;
  const compiled = await compileModel(checked, { dtype: "f32", runtime, specPath: file });
  const { js } = toJavaScript(compiled.fileName, compiled.typescript);
  const dir = join(tmpdir(), `nnspec-${process.getuid?.() ?? "user"}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${createHash("sha256").update(js).digest("hex").slice(0, 20)}.mjs`);
  writeFileSync(path, js);
  const mod = (await import(pathToFileURL(path).href)) as { info: ModelInfo; createModel: LoadedModel["createModel"] };
  return { checked, info: mod.info, createModel: mod.createModel, specText: checked.file.text };
}

/** The spec had errors (already printed): exit 1. */
export class SpecError extends Error {}
