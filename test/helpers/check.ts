import { checkSource } from "../../compiler/index.js";
import { toJson } from "../../diagnostics/render-json.js";
import { summarize } from "../../compiler/summary.js";

/** Check a spec given as text; diagnostics as compact `CODE line:col message` strings. */
export function diagnose(text: string): string[] {
  return checkSource("t.nnspec", text).diagnostics.map((d) => {
    const j = toJson(d);
    return `${j.code} ${j.span.start.line}:${j.span.start.column} ${j.message}`;
  });
}

export function codes(text: string): string[] {
  return checkSource("t.nnspec", text).diagnostics.map((d) => d.code);
}

export function summary(text: string, model = 0) {
  const r = checkSource("t.nnspec", text);
  const m = r.models[model];
  if (!m) throw new Error(`no model checked: ${r.diagnostics.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  return summarize(m);
}
