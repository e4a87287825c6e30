/**
 * The `nnspec` command line. `check` and `summary` load only the front end
 * (grammar + checker); heavier commands load their code on demand.
 */
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { checkSource, InternalError, type CheckOutput } from "../compiler/index.js";
import { toJson } from "../diagnostics/render-json.js";
import { renderSummaryText, summarize } from "../compiler/summary.js";
import { memoryPlanBytes } from "../compiler/emit/memory.js";
import { countLine, printDiagnosticsText } from "./output.js";
import { readSpec, UsageError } from "./io.js";
import { COMMAND_HELP, HELP } from "./help.js";

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    return pkg.version;
  } catch {
    return "unknown";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse(argv: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/^TypeError \[[A-Z_]+\]: /, "") : String(e));
  }
}

export function positiveInt(value: unknown, flag: string): number {
  const n = Number(value);
  if (typeof value !== "string" || !/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number ≥ 1, not ${String(value)}`);
  return n;
}

function format(value: unknown): "text" | "json" {
  if (value === undefined || value === "text") return "text";
  if (value === "json") return "json";
  throw new UsageError(`--format must be text or json, not ${String(value)}`);
}

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nnspec: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && e.constructor.name === "SpecError") return 1; // diagnostics already printed
    if (e instanceof InternalError) {
      process.stderr.write(`nnspec: internal error: ${e.message}\n`);
      return 3;
    }
    throw e;
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP + "\n");
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`nnspec ${version()}\n`);
    return 0;
  }
  switch (command) {
    case "check":
      return check(rest);
    case "summary":
      return summary(rest);
    case "compile":
      return (await import("./compile.js")).compile(rest);
    case "train":
      return (await import("./train.js")).train(rest);
    case "eval":
      return (await import("./evaluate.js")).evalCommand(rest);
    case "predict":
      return (await import("./evaluate.js")).predictCommand(rest);
    case "export":
      return (await import("./export.js")).exportCommand(rest);
    default:
      throw new UsageError(`unknown command '${command}' (try: nnspec --help)`);
  }
}

export function checkFiles(files: string[]): CheckOutput[] {
  // Read every file first so an unreadable one stops the run before any output.
  const contents = files.map((f) => readSpec(f));
  return files.map((f, i) => checkSource(f, contents[i]!.bytes, contents[i]!.size));
}

function check(argv: string[]): number {
  const { values, positionals } = parse(argv, { format: { type: "string" } });
  if (values.help) {
    process.stdout.write(COMMAND_HELP.check + "\n");
    return 0;
  }
  const fmt = format(values.format);
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

function summary(argv: string[]): number {
  const { values, positionals } = parse(argv, { format: { type: "string" }, model: { type: "string" }, batch: { type: "string" } });
  if (values.help) {
    process.stdout.write(COMMAND_HELP.summary + "\n");
    return 0;
  }
  const batch = values.batch === undefined ? undefined : positiveInt(values.batch, "--batch");
  const fmt = format(values.format);
  if (positionals.length !== 1) throw new UsageError("summary takes exactly one FILE (try: nnspec summary --help)");
  const [result] = checkFiles(positionals);
  const wanted = values.model as string | undefined;
  let models = result!.models;
  if (wanted !== undefined) {
    models = models.filter((m) => m.name === wanted);
    const declared = result!.program?.models.map((m) => m.name.text) ?? [];
    if (!declared.includes(wanted)) throw new UsageError(`no model '${wanted}' in ${positionals[0]} (models: ${declared.join(", ") || "none"})`);
  }
  const diags = result!.diagnostics;
  const summaries = models.map((m) => {
    const s = summarize(m);
    return batch === undefined ? s : { ...s, batch, planBytes: memoryPlanBytes(m, batch) };
  });
  if (fmt === "json") {
    process.stdout.write(JSON.stringify({ models: summaries, diagnostics: diags.map(toJson) }) + "\n");
  } else {
    printDiagnosticsText(diags);
    const text = models.map((m, i) => renderSummaryText(summaries[i]!, m.loss ? `${m.loss.kind}${m.loss.l2 ? ` + l2 ${m.loss.l2}` : ""}` : null));
    if (text.length) process.stdout.write(text.join("\n\n") + "\n");
  }
  return diags.some((d) => d.severity === "error") ? 1 : 0;
}
