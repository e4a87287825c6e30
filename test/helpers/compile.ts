/**
 * Compile a spec in a test and import the generated module. Vitest runs the
 * TypeScript directly: the compiler's sources, the generated module, and the
 * runtime's sources it imports as `@nnspec/runtime` (aliased in vitest.config.ts).
 * Only the wasm kernels and their worker threads run from dist/; the global
 * setup (helpers/global-setup.ts) stops the run when those are older than their sources.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkSource } from "../../compiler/index.js";
import { nnspecVersion } from "../../compiler/emit/index.js";
import { generate } from "../../compiler/emit/generate.js";
import { buildModule } from "../../compiler/emit/module.js";
import { DEFAULT_RUNTIME } from "../../compiler/emit/runtime-specifier.js";
import type { CheckedModel } from "../../compiler/model.js";
import { ROOT } from "./cli.js";
import { compiledTypeScript } from "./compile-cache.js";

export interface GeneratedModel {
  forward(x: ArrayLike<number>, options?: { training?: boolean }): Float32Array | Float64Array;
  predict(x: ArrayLike<number>): Float32Array | Float64Array;
  loss(target: ArrayLike<number>): number;
  backward(): void;
  trainStep(x: ArrayLike<number>, target: ArrayLike<number>, optimizer: { step(p: object, g: object): void }): number;
  reseed(seed: number): void;
  params: Record<string, Float32Array | Float64Array>;
  grads: Record<string, Float32Array | Float64Array>;
  buffers: Record<string, Float32Array | Float64Array>;
  batchSize: number;
  memoryBytes: number;
  kernels: "wasm" | "js";
  threads: number;
  dispose(): void;
}

export interface GeneratedModule {
  info: { name: string; inputShape: readonly number[]; outputShape: readonly number[]; loss: "softmax" | "mse" | null; paramCount: number; params: readonly { name: string; shape: readonly number[] }[] };
  createModel(options?: { batchSize?: number; seed?: number; kernels?: "wasm" | "js"; threads?: number }): GeneratedModel;
  createModelAsync(options?: { batchSize?: number; seed?: number; kernels?: "wasm" | "js"; threads?: number }): Promise<GeneratedModel>;
}

export const TMP = join(ROOT, "test", ".tmp");

export async function compileToSource(spec: string, opts: { dtype?: "f32" | "f64"; model?: string; path?: string; inPlaceConcat?: boolean } = {}): Promise<{ name: string; code: string }> {
  const r = checkSource(opts.path ?? "test.nnspec", spec);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`spec does not check: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  const m = opts.model ? r.models.find((x) => x.name === opts.model) : r.models[0];
  if (!m) throw new Error("no model");
  const code = await compiledTypeScript(spec, m, { dtype: opts.dtype ?? "f32", specPath: opts.path ?? "test.nnspec", ...(opts.inPlaceConcat === false ? { inPlaceConcat: false } : {}) });
  return { name: m.name, code };
}

/** Compile (through the compile cache, helpers/compile-cache.ts) and import. */
export async function loadSpec(spec: string, opts: { dtype?: "f32" | "f64"; model?: string; path?: string; inPlaceConcat?: boolean } = {}): Promise<GeneratedModule> {
  const { code } = await compileToSource(spec, opts);
  return importCode(code);
}

/**
 * A checked model (which a test may have changed, e.g. dropout's P) compiled
 * and imported without prettier's formatting, which takes most of a compile
 * and changes nothing the code does: for tests that run many specs.
 */
export async function loadCheckedModel(m: CheckedModel, opts: { dtype?: "f32" | "f64" } = {}): Promise<GeneratedModule> {
  const specPath = "test.nnspec";
  return importCode(buildModule(generate(m, specPath), { dtype: opts.dtype ?? "f32", runtime: DEFAULT_RUNTIME, specPath, version: nnspecVersion() }));
}

async function importCode(code: string): Promise<GeneratedModule> {
  const dir = join(TMP, createHash("sha256").update(code).digest("hex").slice(0, 16));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "model.ts");
  writeFileSync(file, code);
  return (await import(file)) as GeneratedModule;
}
