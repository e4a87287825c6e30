/**
 * `nnspec fmt [--check] FILE…`: rewrite specs in the canonical layout
 * (compiler/fmt/), atomically and only when they change; with `--check`,
 * list the files that would change and exit 1 (for CI). A FILE of - is
 * standard input, formatted to standard output. A directory stands for the
 * `.nnspec` files under it (`nnspec fmt --check specs/`). A file with syntax
 * errors is left alone: its errors are printed and the exit status is 1.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
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
  const files = positionals.flatMap(specFiles);
  // Read every file first so an unreadable one stops the run before anything is written.
  const contents = files.map((f) => (f === STDIN_ARG ? readSpecStdin() : readSpec(f)));
  const errors: Diagnostic[] = [];
  const changed: string[] = [];
  files.forEach((path, i) => {
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
  const n = files.length;
  if (values.check && changed.length > 0) process.stderr.write(`${changed.length} of ${n} file${n === 1 ? "" : "s"} would be reformatted (run nnspec fmt to rewrite them)\n`);
  return errors.length > 0 || (values.check && changed.length > 0) ? 1 : 0;
}

/** A FILE argument, or the `.nnspec` files under a directory (sorted; node_modules, dist and dot folders skipped). */
function specFiles(arg: string): string[] {
  if (arg === STDIN_ARG || !isDirectory(arg)) return [arg];
  const found = nnspecFilesUnder(arg);
  if (found.length === 0) throw new UsageError(`${displayPath(arg)}: a directory with no .nnspec file under it`);
  return found;
}

function nnspecFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      if (e.isDirectory()) return e.name.startsWith(".") || e.name === "node_modules" || e.name === "dist" ? [] : nnspecFilesUnder(join(dir, e.name));
      return e.isFile() && e.name.endsWith(".nnspec") ? [join(dir, e.name)] : [];
    });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // readSpec reports a missing or unreadable FILE
  }
}
