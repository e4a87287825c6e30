/**
 * The CLI's error boundary: every error a command throws, its own or the
 * runtime's, becomes one line on stderr and an exit status. Never a stack
 * trace for a user's mistake; an unexpected error is reported as an internal
 * error (its stack only with NNSPEC_DEBUG=1).
 *
 * The runtime's error classes are recognised by name, so `check` and
 * `summary` need not load the runtime to report errors.
 */
import { InternalError } from "../compiler/index.js";
import { escapeControl } from "../diagnostics/display.js";
import { UsageError } from "./io.js";

/** A training run that cannot go on (the loss diverged): exit 1, after the last good checkpoint was kept. */
export class TrainingError extends Error {
  override name = "TrainingError";
}

/** Usage or file problems: exit 2. The runtime's file readers throw these. */
const FILE_ERRORS = new Set(["WeightsError", "WeightsFormatError", "NpyFormatError", "DataError"]);
/** Errors of the work itself: exit 1. ExportError: the model has no ONNX form. */
const WORK_ERRORS = new Set(["ExportError", "TrainingError", "SpecError"]);

/** Print `e` as the CLI's one line and return the exit status. */
export function reportError(e: unknown, debug = process.env.NNSPEC_DEBUG === "1"): number {
  const line = (text: string) => process.stderr.write(`nnspec: ${oneLine(text)}\n`);
  if (e instanceof UsageError) return line(e.message), 2;
  if (!(e instanceof Error)) return line(`internal error: ${String(e)}`), 3;
  if (e.name === "SpecError") return 1; // the diagnostics are already printed
  if (FILE_ERRORS.has(e.name)) return line(e.message), 2;
  if (WORK_ERRORS.has(e.name)) return line(e.message), 1;
  if (e instanceof InternalError) return line(`internal error: ${e.message}`), 3;
  if (e instanceof RangeError && /allocation failed|Invalid (typed )?array length|Array buffer/i.test(e.message))
    return line(`out of memory: ${e.message} (try a smaller --batch, or a smaller model)`), 1;
  // The runtime's argument checks throw RangeError/TypeError with a message that names the model and the value.
  if ((e instanceof RangeError || e instanceof TypeError) && !/Maximum call stack/.test(e.message)) return line(e.message), 1;
  if (debug && e.stack) process.stderr.write(e.stack + "\n");
  line(`internal error: ${oneLine(e.message)}${debug ? "" : " (NNSPEC_DEBUG=1 shows where)"}`);
  return 3;
}

/** Messages are one line: the first line of a multi-line message, control characters shown escaped. */
function oneLine(text: string): string {
  return escapeControl(text.split("\n", 1)[0]!.trimEnd());
}
