/**
 * `nnspec typegen FILE…`: writes FILE.d.ts beside each spec, the types of the
 * module the bundler plugins generate when an app imports FILE, with the
 * model's literal shapes. A file with one model gets module declarations
 * (TypeScript resolves an import of `./net.nnspec` to `./net.nnspec.d.ts` under
 * `"moduleResolution": "bundler"`); a file with several gets one ambient
 * `declare module` per model (the pattern `*` + `/net.nnspec?model=NAME`), matching the imports
 * that pick one (see docs/api.md).
 */
import { basename, relative } from "node:path";
import { writeFileAtomic } from "../runtime/io/atomic.js";
import { compileSpec, ModelChoiceError, specDeclarations } from "../compiler/api.js";
import { UsageError } from "./io.js";
import { displayPath } from "../diagnostics/display.js";
import { describeIoError, fileError, readSpec } from "./io.js";
import { parse, shared } from "./args.js";
import { printDiagnosticsText } from "./output.js";
import { checkOutputs } from "./paths.js";

export async function typegen(argv: string[]): Promise<number> {
  const { values, positionals } = parse("typegen", argv, { ...shared("force"), runtime: { type: "string" } }, "some");
  // Every output checked before anything is read or written: FILE.d.ts is never an input, and an existing one must be nnspec's (or --force).
  checkOutputs(
    positionals.map((path) => ({ role: "the spec", path })),
    positionals.map((file) => ({ role: "typegen", path: `${file}.d.ts`, kind: "module" as const })),
    values.force === true,
  );
  const specs = positionals.map((file) => ({ file, ...readSpec(file) }));
  let failed = false;
  for (const { file, bytes, size } of specs) {
    const result = await compileSpec(bytes, { file, size, runtime: values.runtime as string | undefined, outputs: ["js", "dts"] }).catch((e: unknown) => {
      throw e instanceof ModelChoiceError ? new UsageError(e.message) : e;
    });
    printDiagnosticsText(result.diagnostics);
    if (!result.ok) {
      failed = true;
      continue;
    }
    const path = `${file}.d.ts`;
    try {
      await writeFileAtomic(path, new TextEncoder().encode(specDeclarations(basename(file), result.modules)));
    } catch (e) {
      throw fileError(path, describeIoError(e));
    }
    process.stderr.write(`wrote ${displayPath(relative(process.cwd(), path) || path)}\n`);
  }
  return failed ? 1 : 0;
}

