/** `nnspec check FILE…` (`-`: stdin), and checking the spec files every command starts from. */
import { checkSource, type CheckOutput } from "../compiler/index.js";
import { toJson } from "../diagnostics/render-json.js";
import { outputFormat, parse, shared } from "./args.js";
import { readSpec, UsageError } from "./io.js";
import { countLine, printDiagnosticsText } from "./output.js";
import { readSpecStdin, STDIN_ARG, STDIN_NAME } from "./stdin.js";
import { fixFiles, fixLines } from "./check-fix.js";

/**
 * Check spec files. With `stdin`, a file named `-` is standard input (once),
 * shown as `<stdin>`; otherwise `-` is refused (commands that compile a spec
 * need a file: the generated code names it).
 */
export function checkFiles(files: string[], opts: { stdin?: boolean } = {}): CheckOutput[] {
  const fromStdin = files.filter((f) => f === STDIN_ARG).length;
  if (fromStdin > 1) throw new UsageError(`${STDIN_ARG} (stdin) can be given once`);
  // Read every file first so an unreadable one stops the run before any output.
  const contents = files.map((f) => (f === STDIN_ARG && opts.stdin ? readSpecStdin() : readSpec(f)));
  return files.map((f, i) => checkSource(f === STDIN_ARG ? STDIN_NAME : f, contents[i]!.bytes, contents[i]!.size));
}

export function check(argv: string[]): number {
  const { values, positionals } = parse("check", argv, { ...shared("format"), fix: { type: "boolean" } }, "some");
  const fmt = outputFormat(values.format);
  const fixed = values.fix ? fixFiles(positionals) : undefined;
  const results = fixed ? fixed.map((f) => f.result) : checkFiles(positionals, { stdin: true });
  const diags = results.flatMap((r) => r.diagnostics);
  if (fmt === "json") {
    const fixes = fixed?.flatMap((f) => f.fixes.map((x) => ({ file: f.path, line: x.line, column: x.column, code: x.code, message: x.message })));
    process.stdout.write(JSON.stringify(fixes ? { diagnostics: diags.map(toJson), fixed: fixes } : { diagnostics: diags.map(toJson) }) + "\n");
  } else {
    if (fixed) for (const line of fixLines(fixed)) process.stderr.write(line + "\n");
    printDiagnosticsText(diags);
    const models = results.reduce((n, r) => n + r.models.length, 0);
    process.stderr.write(`${diags.length ? "\n" : ""}checked ${positionals.length} file${positionals.length === 1 ? "" : "s"}, ${models} model${models === 1 ? "" : "s"}: ${countLine(diags)}\n`);
  }
  return diags.some((d) => d.severity === "error") ? 1 : 0;
}
