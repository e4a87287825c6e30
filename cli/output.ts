/** How the CLI prints diagnostics: text on stderr (colour on a TTY unless NO_COLOR), or JSON. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatDiagnostics } from "../diagnostics/render-text.js";

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

export function printDiagnosticsText(diags: readonly Diagnostic[]): void {
  if (diags.length === 0) return;
  process.stderr.write(formatDiagnostics(diags, { color: useColor(process.stderr) }) + "\n");
}

export function countLine(diags: readonly Diagnostic[]): string {
  const counted = diags.filter((d) => d.code !== "NN1010");
  const errors = counted.filter((d) => d.severity === "error").length;
  const warnings = counted.length - errors;
  const part = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${part(errors, "error")}, ${part(warnings, "warning")}`;
}
