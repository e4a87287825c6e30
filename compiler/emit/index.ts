/** Code generation: a checked model → a formatted TypeScript module (and optionally JS + .d.ts). */
import * as prettier from "prettier";
import { ts } from "ts-morph";
import type { CheckedModel } from "../model.js";
import { generate } from "./generate.js";
import { buildModule } from "./module.js";
import { nnspecVersion } from "./version.js";
import { DEFAULT_RUNTIME } from "./runtime-specifier.js";

export { nnspecVersion } from "./version.js";

export interface CompileOptions {
  dtype?: "f32" | "f64";
  runtime?: string;
  /** The spec path written in the banner (keep it relative for deterministic output). */
  specPath?: string;
  /** Concat branches write straight into their slices where they can (default true; false: copy every branch). */
  inPlaceConcat?: boolean;
}

export interface CompiledModule {
  model: string;
  fileName: string;
  typescript: string;
}

export async function compileModel(model: CheckedModel, options: CompileOptions = {}): Promise<CompiledModule> {
  const g = generate(model, options.specPath ?? model.file.path, { inPlaceConcat: options.inPlaceConcat ?? true });
  const raw = buildModule(g, {
    dtype: options.dtype ?? "f32",
    runtime: options.runtime ?? DEFAULT_RUNTIME,
    specPath: options.specPath ?? model.file.path,
    version: nnspecVersion(),
  });
  const typescript = await prettier.format(raw, { parser: "typescript", printWidth: 120 });
  return { model: model.name, fileName: `${model.name}.ts`, typescript };
}

/** Plain JavaScript and declarations for a generated module (so Node can import it without a TypeScript step); `declarations: false` skips the (slower) declarations. */
export function toJavaScript(fileName: string, source: string, { declarations = true } = {}): { js: string; dts: string } {
  const js = ts.transpileModule(source, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, removeComments: false },
  }).outputText;
  if (!declarations) return { js, dts: "" };
  const host = ts.createCompilerHost({});
  let dts = "";
  const options: ts.CompilerOptions = { declaration: true, emitDeclarationOnly: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, noResolve: true, skipLibCheck: true, noLib: true, isolatedDeclarations: false };
  const program = ts.createProgram({
    rootNames: [fileName],
    options,
    host: {
      ...host,
      getSourceFile: (name, lang) => (name === fileName ? ts.createSourceFile(name, source, lang, true) : undefined),
      fileExists: (name) => name === fileName,
      readFile: (name) => (name === fileName ? source : undefined),
      writeFile: (name, text) => {
        if (name.endsWith(".d.ts")) dts = text;
      },
    },
  });
  program.emit();
  return { js, dts };
}
