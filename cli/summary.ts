/** `nnspec summary FILE`: each model's layers, shapes, parameters and FLOPs (and memory with --batch). */
import { memoryPlanBytes } from "../compiler/emit/memory.js";
import { renderSummaryText, summarize } from "../compiler/summary.js";
import { toJson } from "../diagnostics/render-json.js";
import { outputFormat, parse, positiveInt, shared } from "./args.js";
import { checkFiles } from "./check.js";
import { UsageError } from "./io.js";
import { printDiagnosticsText } from "./output.js";

export function summary(argv: string[]): number {
  const { values, positionals } = parse("summary", argv, shared("format", "model", "batch"), "one");
  const batch = values.batch === undefined ? undefined : positiveInt(values.batch, "--batch");
  const fmt = outputFormat(values.format);
  const [result] = checkFiles(positionals, { stdin: true });
  const wanted = values.model as string | undefined;
  let models = result!.models;
  if (wanted !== undefined) {
    models = models.filter((m) => m.name === wanted);
    const declared = result!.program?.models.map((m) => m.name.text) ?? [];
    if (!declared.includes(wanted)) throw new UsageError(`no model '${wanted}' in ${positionals[0] === "-" ? "<stdin>" : positionals[0]} (models: ${declared.join(", ") || "none"})`);
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
