/**
 * Command-line flags: the flags several commands share (declared once, here),
 * parsing argv against a command's table, and reading flag values. Every
 * mistake is a UsageError, printed as one line (exit 2): an unknown flag gets
 * a "did you mean" from the command's own table, and a single-dash word such
 * as `-out` is never read as `-o ut`.
 */
import { closest } from "../diagnostics/suggest.js";
import { UsageError } from "./io.js";

/** One flag: `--name VALUE` (string) or `--name` (boolean), with an optional one-letter `-x`. */
export interface Flag {
  readonly type: "string" | "boolean";
  readonly short?: string;
}
export type Options = Readonly<Record<string, Flag>>;
export type Values = Record<string, string | boolean | undefined>;

/** The flags more than one command takes; a command's table spreads the ones it uses (see `shared`). */
export const SHARED_FLAGS = {
  model: { type: "string" },
  format: { type: "string" },
  weights: { type: "string" },
  data: { type: "string" },
  batch: { type: "string" },
  seed: { type: "string" },
  limit: { type: "string" },
  force: { type: "boolean" },
  threads: { type: "string" },
  kernels: { type: "string" },
} as const satisfies Options;

type Shared = typeof SHARED_FLAGS;

/** The named shared flags, to spread into a command's table. */
export function shared<K extends keyof Shared>(...names: K[]): Pick<Shared, K> {
  const out = {} as Pick<Shared, K>;
  for (const n of names) out[n] = SHARED_FLAGS[n];
  return out;
}

const HELP_FLAG: Options = { help: { type: "boolean", short: "h" } };

/**
 * Parse argv against a command's flags (plus `--help`/`-h`). `--name VALUE`,
 * `--name=VALUE`, `-x VALUE`; `--` ends the flags and `-` alone is a
 * positional (stdin). Refused: unknown flags, single-dash words (`-out`),
 * values attached to short flags (`-oDIR`), a missing value, a value for a
 * switch, a flag given twice, and a FILE count other than `files` says
 * (`none` for a command such as `lsp` that reads no file).
 */
export function parse(command: string, argv: readonly string[], options: Options, files: "none" | "one" | "some"): { values: Values; positionals: string[] } {
  const table: Options = { ...options, ...HELP_FLAG };
  const hint = `(try: nnspec ${command} --help)`;
  const values: Values = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    const { name, inline } = flagName(arg, table, hint);
    const flag = table[name]!;
    const shown = `--${name}`;
    let value: string | boolean;
    if (flag.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`${shown} takes no value, got ${shown}=${inline} ${hint}`);
      value = true;
    } else if (inline !== undefined) value = inline;
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`${arg} needs a value ${hint}`);
      if (next.startsWith("-") && next !== "-") throw new UsageError(`${arg} needs a value, got the option ${next} (a value that starts with '-' is written ${shown}=${next})`);
      value = next;
      i++;
    }
    if (values[name] !== undefined && flag.type === "string") throw new UsageError(`${shown} is given twice (${String(values[name])} and ${String(value)}); give it once`);
    values[name] = value;
  }
  if (!values.help && files === "none" && positionals.length > 0) throw new UsageError(`${command} takes no FILE, got ${positionals.join(" ")} ${hint}`);
  if (!values.help && files === "one" && positionals.length !== 1) throw new UsageError(`${command} takes exactly one FILE, got ${positionals.length} ${hint}`);
  if (!values.help && files === "some" && positionals.length === 0) throw new UsageError(`${command} needs at least one FILE ${hint}`);
  return { values, positionals };
}

/** Whether argv asks for help (`-h` or `--help` before any `--`): main.ts then shows the command's help instead of running it. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** The table name of a flag argument (`--name[=value]` or `-x`), or a UsageError with a suggestion. */
function flagName(arg: string, table: Options, hint: string): { name: string; inline?: string } {
  const names = Object.keys(table);
  if (arg.startsWith("--")) {
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (Object.prototype.hasOwnProperty.call(table, name)) return eq < 0 ? { name } : { name, inline: arg.slice(eq + 1) };
    throw unknownFlag(arg.slice(0, eq < 0 ? arg.length : eq), name, names, hint);
  }
  const letter = arg.slice(1);
  const byShort = names.find((n) => table[n]!.short === letter);
  if (byShort !== undefined) return { name: byShort };
  // A single dash and a word: `-out` is a mistyped `--out`, never `-o ut`.
  const word = letter.split("=")[0]!;
  const near = closest(word, names);
  if (near !== undefined) throw new UsageError(`unknown option ${arg}; did you mean --${near}? (long options start with two dashes)`);
  const short = names.find((n) => table[n]!.short === letter[0]);
  if (short !== undefined) throw new UsageError(`unknown option ${arg}: -${letter[0]} takes its value as the next argument (-${letter[0]} ${letter.slice(1)} or --${short}=${letter.slice(1)})`);
  throw unknownFlag(arg, word, names, hint);
}

function unknownFlag(arg: string, word: string, names: readonly string[], hint: string): UsageError {
  const near = closest(word, names);
  return new UsageError(`unknown option ${arg}${near !== undefined ? `; did you mean --${near}?` : ""} ${hint}`);
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

/** One of a few words (`--format json`); another is refused with a suggestion. */
export function choice<T extends string>(value: unknown, flag: string, choices: readonly T[]): T {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  const list = choices.length === 2 ? choices.join(" or ") : `one of ${choices.join(", ")}`;
  const near = typeof value === "string" ? closest(value, choices) : undefined;
  throw new UsageError(`${flag} must be ${list}, not ${String(value)}${near !== undefined ? ` (did you mean ${near}?)` : ""}`);
}

/** `--format text|json` (text when not given). */
export function outputFormat(value: unknown): "text" | "json" {
  return value === undefined ? "text" : choice(value, "--format", ["text", "json"] as const);
}
