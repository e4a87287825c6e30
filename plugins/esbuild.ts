/**
 * `nnspec/esbuild`: `import { createModel, info } from "./lenet5.nnspec"`
 * compiles the spec on import. `onResolve` handles `?model=NAME` queries (as
 * an esbuild path suffix); `onLoad` compiles. A spec error fails the build
 * with one esbuild message per diagnostic: the headline as text, the place
 * and source line as its location, the help and related places as notes.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import type { Location, PartialMessage, Plugin } from "esbuild";
import { loadSpecModule, placeOf, parseSpecId, SpecModuleError, type Diagnostic, type NnspecPluginOptions } from "./spec-module.js";

export type { NnspecPluginOptions } from "./spec-module.js";

export default function nnspec(options: NnspecPluginOptions = {}): Plugin {
  return {
    name: "nnspec",
    setup(build) {
      const root = build.initialOptions.absWorkingDir ?? process.cwd();
      build.onResolve({ filter: /\.nnspec\?/ }, (args) => {
        const { file, query } = parseSpecId(args.path);
        const base = args.resolveDir || (args.importer ? dirname(args.importer) : root);
        return { path: isAbsolute(file) ? file : resolve(base, file), suffix: query };
      });
      build.onLoad({ filter: /\.nnspec$/ }, async (args) => {
        const { model } = parseSpecId(args.suffix ?? "");
        try {
          const m = await loadSpecModule(args.path, model, root, options);
          return { contents: m.code, loader: "js", resolveDir: dirname(args.path), warnings: m.warnings.map(toMessage) };
        } catch (e) {
          if (!(e instanceof SpecModuleError)) throw e;
          const errors: PartialMessage[] = e.diagnostics.length ? e.diagnostics.map(toMessage) : [{ text: e.message }];
          return { errors, watchFiles: [args.path] };
        }
      });
    },
  };
}

/** A diagnostic as an esbuild message: esbuild prints its location as file:line:col with the source line underlined. */
function toMessage(d: Diagnostic): PartialMessage {
  const notes: PartialNote[] = d.related.map((r) => ({ text: r.message, location: location(r) }));
  if (d.help) notes.push({ text: `help: ${d.help}` });
  return { text: `${d.severity}[${d.code}]: ${d.message}`, location: location(d), notes, detail: d };
}

type PartialNote = NonNullable<PartialMessage["notes"]>[number];

/** esbuild's columns are 0-based. */
function location(at: Parameters<typeof placeOf>[0]): Partial<Location> {
  const { line, column, lineText, length } = placeOf(at);
  return { file: at.file.path, line, column: column - 1, lineText, length };
}
