/** `nnspec check FILE…`, and checking the spec files every command starts from. */
import { checkSource, type CheckOutput } from "../compiler/index.js";
import { toJson } from "../diagnostics/render-json.js";
import { outputFormat, parse } from "./args.js";
import { COMMAND_HELP } from "./help.js";
import { readSpec, UsageError } from "./io.js";
import { countLine, printDiagnosticsText } from "./output.js";

export function checkFiles(files: string[]): CheckOutput[] {
  // Read every file first so an unreadable one stops the run before any output.
  const contents = files.map((f) => readSpec(f));
  return files.map((f, i) => checkSource(f, contents[i]!.bytes, contents[i]!.size));
}

export function check(argv: string[]): number {
  const { values, positionals } = parse(argv, { format: { type: "string" } });
  if (values.help) {
    process.stdout.write(COMMAND_HELP.check + "\n");
    return 0;
  }
  const fmt = outputFormat(values.format);
  if (positionals.length === 0) throw new UsageError("check needs at least one FILE (try: nnspec check --help)");
  const results = checkFiles(positionals);
  const diags = results.flatMap((r) => r.diagnostics);
  if (fmt === "json") {
    process.stdout.write(JSON.stringify({ diagnostics: diags.map(toJson) }) + "\n");
  } else {
    printDiagnosticsText(diags);
    const models = results.reduce((n, r) => n + r.models.length, 0);
    process.stderr.write(`${diags.length ? "\n" : ""}checked ${positionals.length} file${positionals.length === 1 ? "" : "s"}, ${models} model${models === 1 ? "" : "s"}: ${countLine(diags)}\n`);
  }
  return diags.some((d) => d.severity === "error") ? 1 : 0;
}
