/**
 * `nnspec/vite`: `import { createModel, info } from "./lenet5.nnspec"` in a
 * Vite (or Rollup) project compiles the spec on import. Hooks: `resolveId`
 * (only for `?model=NAME` queries, which Rollup would not resolve) and
 * `load`. Hot reload comes from Vite's module graph: the module's id is the
 * spec's path, so an edit invalidates it and Vite reloads its importers.
 * A spec error fails the build (and shows in the dev error overlay) through
 * `this.error`: the first headline as the message, `loc`, and the rest of
 * the rendered diagnostics as the `frame`.
 */
import type { Plugin } from "vite";
import { formatDiagnostics, loadSpecModule, parseSpecId, placeOf, SPEC_ID, SpecModuleError, type Diagnostic, type NnspecPluginOptions } from "./spec-module.js";

export type { NnspecPluginOptions } from "./spec-module.js";

export default function nnspec(options: NnspecPluginOptions = {}): Plugin {
  let root = process.cwd();
  return {
    name: "nnspec",
    configResolved(config) {
      root = config.root;
    },
    async resolveId(source, importer, opts) {
      if (!SPEC_ID.test(source) || !source.includes("?")) return null;
      const { file, query } = parseSpecId(source);
      const resolved = await this.resolve(file, importer, { ...opts, skipSelf: true });
      return resolved ? { ...resolved, id: resolved.id + query } : null;
    },
    async load(id) {
      if (!SPEC_ID.test(id)) return null;
      const { file, model } = parseSpecId(id);
      this.addWatchFile(file);
      try {
        const m = await loadSpecModule(file, model, root, options);
        for (const w of m.warnings) this.warn({ message: formatDiagnostics([w]), id: file, loc: rollupLoc(file, w) });
        return { code: m.code, map: null };
      } catch (e) {
        if (!(e instanceof SpecModuleError)) throw e;
        const first = e.diagnostics[0];
        if (!first) return this.error({ message: e.message, id: file });
        // The headline as the message, the rest (place, source line, help, further errors) as the frame: together the CLI's text.
        const [headline, ...rest] = e.message.split("\n");
        return this.error({ message: headline!, id: file, loc: rollupLoc(file, first), frame: rest.join("\n") });
      }
    },
  };
}

/** Rollup's `loc`: 1-based line, 0-based column (the message keeps the CLI's 1-based file:line:col). */
function rollupLoc(file: string, d: Diagnostic): { file: string; line: number; column: number } {
  const { line, column } = placeOf(d);
  return { file, line, column: column - 1 };
}
