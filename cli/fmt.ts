/**
 * `nnspec fmt [--check] FILE…`: rewrite specs in the canonical layout
 * (compiler/fmt/), atomically and only when they change; with `--check`,
 * list the files that would change and exit 1 (for CI). A FILE of - is
 * standard input, formatted to standard output. A file with syntax errors
 * is left alone: its errors are printed and the exit status is 1.
 */
import { formatSpec } from "../compiler/fmt/index.js";
import { DiagnosticBag, type Diagnostic } from "../diagnostics/diagnostic.js";
import { displayPath } from "../diagnostics/display.js";
import { decodeSource } from "../grammar/decode.js";
import { writeFileAtomicSync } from "../runtime/io/atomic.js";
import { parse } from "./args.js";
import { readSpec, UsageError } from "./io.js";
import { printDiagnosticsText } from "./output.js";
import { readSpecStdin, STDIN_ARG, STDIN_NAME } from "./stdin.js";

export function fmt(argv: string[]): number {
  const { values, positionals } = parse("fmt", argv, { check: { type: "boolean" } }, "some");
  if (positionals.filter((f) => f === STDIN_ARG).length > 1) throw new UsageError(`${STDIN_ARG} (stdin) can be given once`);
  // Read every file first so an unreadable one stops the run before anything is written.
  const contents = positionals.map((f) => (f === STDIN_ARG ? readSpecStdin() : readSpec(f)));
  const errors: Diagnostic[] = [];
  const changed: string[] = [];
  positionals.forEach((path, i) => {
    const { bytes, size } = contents[i]!;
    const shown = path === STDIN_ARG ? STDIN_NAME : path;
    const bag = new DiagnosticBag();
    const file = decodeSource(shown, bytes, bag, size);
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "\ufeff" : "";
    const result = file ? formatSpec(shown, bom + file.text) : { errors: bag.items };
    if ("errors" in result) {
      errors.push(...result.errors);
      return;
    }
    if (path === STDIN_ARG && !values.check) process.stdout.write(result.text);
    if (!result.changed) return;
    changed.push(shown);
    if (!values.check && path !== STDIN_ARG) writeFileAtomicSync(path, new TextEncoder().encode(result.text));
  });
  printDiagnosticsText(errors);
  if (values.check) for (const f of changed) process.stdout.write(`${displayPath(f)}\n`);
  else for (const f of changed) if (f !== STDIN_NAME) process.stderr.write(`formatted ${displayPath(f)}\n`);
  const n = positionals.length;
  if (values.check && changed.length > 0) process.stderr.write(`${changed.length} of ${n} file${n === 1 ? "" : "s"} would be reformatted (run nnspec fmt to rewrite them)\n`);
  return errors.length > 0 || (values.check && changed.length > 0) ? 1 : 0;
}
