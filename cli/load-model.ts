/**
 * Compile a spec in memory and import the generated module, for `train`,
 * `eval` and `predict`. The module imports this process's own runtime (by
 * file URL), so the CLI and the model share one copy of it.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { displayPath } from "../diagnostics/display.js";
import { privateCacheDir, readCachedModule, writeCachedModule } from "./cache.js";
import type { CheckedModel } from "../compiler/model.js";
import { describeIoError, UsageError, warn } from "./io.js";
import { checkFiles } from "./check.js";
import { printDiagnosticsText } from "./output.js";
import type { Optimizer, Tensor } from "../runtime/index.js";
import { specIdentity } from "../compiler/spec-words.js";

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
  readonly kernels: "wasm" | "js";
  readonly threads: number;
}

export interface LoadedModel {
  checked: CheckedModel;
  info: ModelInfo;
  createModel(options?: { batchSize?: number; seed?: number; threads?: number; kernels?: "wasm" | "js" }): RunnableModel;
  /** The spec's text and words hashes, which weights files record and loading compares. */
  spec: { specHash: string; specWordsHash: string };
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
  const mod = await importCompiled(checked, file);
  return { checked, info: mod.info, createModel: mod.createModel, spec: specIdentity(checked.file.text) };
}

/**
 * Compile the model (or take it from the user's private cache, see cache.ts)
 * and import it. Compiled modules are cached by what determines them, so
 * repeated runs skip ts-morph and prettier. When the cache folder is not
 * private, nothing is read from or written to it: the module is imported
 * from memory.
 */
async function importCompiled(checked: CheckedModel, file: string): Promise<CompiledModule> {
  const runtime = new URL("../runtime/index.js", import.meta.url).href;
  const key = createHash("sha256").update(JSON.stringify([generatorFingerprint(), runtime, checked.name, file, checked.file.text])).digest("hex").slice(0, 24);
  const cache = privateCacheDir();
  if (cache.problem === undefined) {
    const cached = readCachedModule(cache.dir, key);
    if (cached !== undefined) return (await import(pathToFileURL(join(cache.dir, `${key}.mjs`)).href)) as CompiledModule;
  } else warn(`${displayPath(cache.dir)} ${cache.problem}; compiled models are not cached`);
  const { compileModel, toJavaScript } = await import("../compiler/emit/index.js");
  const compiled = await compileModel(checked, { dtype: "f32", runtime, specPath: file });
  const { js } = toJavaScript(compiled.fileName, compiled.typescript);
  if (cache.problem === undefined) {
    try {
      return (await import(pathToFileURL(writeCachedModule(cache.dir, key, js)).href)) as CompiledModule;
    } catch (e) {
      warn(`${displayPath(cache.dir)}: cannot cache the compiled model (${describeIoError(e)})`);
    }
  }
  return (await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`)) as CompiledModule;
}

type CompiledModule = { info: ModelInfo; createModel: LoadedModel["createModel"] };

/** The spec had errors (already printed): exit 1. */
export class SpecError extends Error {
  override name = "SpecError";
}

/** A digest of the code generator itself (its compiled files), so a changed generator never reuses a cached module. */
function generatorFingerprint(): string {
  const h = createHash("sha256");
  for (const folder of ["../compiler/emit/", "../compiler/layers/"]) {
    const dir = new URL(folder, import.meta.url);
    for (const name of readdirSync(dir).filter((f) => f.endsWith(".js")).sort()) h.update(name).update(readFileSync(new URL(name, dir)));
  }
  return h.digest("hex");
}
