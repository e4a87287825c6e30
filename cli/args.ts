/**
 * Command-line flags shared by the commands: parsing argv, and reading flag
 * values. Every mistake is a UsageError, printed as one line (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./io.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;
export type Values = Record<string, string | boolean | undefined>;

/** Parse argv against a command's flags (plus `--help`/`-h`); unknown flags are usage errors. */
export function parse(argv: string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/^TypeError \[[A-Z_]+\]: /, "") : String(e));
  }
}

export function positiveInt(value: unknown, flag: string): number {
  const n = Number(value);
  if (typeof value !== "string" || !/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number ≥ 1, not ${String(value)}`);
  return n;
}

/**
 * A batch size: a whole number from 1 to `max` (the runtime's MAX_BATCH_SIZE).
 * Written in any decimal form (`1024`, `1e3`); a value over the limit says so.
 */
export function batchSize(value: unknown, flag: string, max: number): number {
  const n = Number(value);
  const numeric = typeof value === "string" && /^[0-9]+(\.[0-9]*)?(e\+?[0-9]+)?$/i.test(value);
  if (numeric && Number.isInteger(n) && n > max) throw new UsageError(`${flag} ${value} is too large: at most ${max.toLocaleString("en-US")} examples per batch`);
  if (!numeric || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not ${String(value)}`);
  return n;
}

/** A whole number that fits 32 bits unsigned (seeds, shift widths). */
export function nonNegativeInt(value: unknown, flag: string): number {
  if (typeof value !== "string" || !/^[0-9]+$/.test(value) || Number(value) > 0xffffffff) throw new UsageError(`${flag} must be a whole number from 0 to 4294967295, not ${String(value)}`);
  return Number(value);
}

export function positiveNumber(value: unknown, flag: string): number {
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number > 0, not ${String(value)}`);
  return n;
}

/** `--format text|json` (text when not given). */
export function outputFormat(value: unknown): "text" | "json" {
  if (value === undefined || value === "text") return "text";
  if (value === "json") return "json";
  throw new UsageError(`--format must be text or json, not ${String(value)}`);
}
