/**
 * Checking what callers pass to the runtime's public API: each option has a
 * rule, and a value the rule refuses is an `OptionError` naming the function,
 * the option, the rule and the value ("SGD: lr must be a finite number ≥ 0,
 * got NaN"). Options objects must be objects (or left out) and hold only
 * known names, so a misspelt option is an error instead of a silent default.
 * Every check of an option in the runtime goes through `check`.
 */

/** A refused option: `option` is its name, `message` says what was expected and what was given. */
export class OptionError extends RangeError {
  readonly option: string;
  constructor(message: string, option: string) {
    super(message);
    this.name = "OptionError";
    this.option = option;
  }
}

/** What an option accepts: `text` completes "X must be …". */
export interface Rule<T> {
  readonly text: string;
  test(value: unknown): value is T;
}

/** A rule from its text and its test. */
export function rule<T>(text: string, test: (value: unknown) => boolean): Rule<T> {
  return { text, test: test as (value: unknown) => value is T };
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A finite number ≥ `min` (or > `min` when `strict`). */
export function atLeast(min: number, strict = false): Rule<number> {
  return rule(`a finite number ${strict ? ">" : "≥"} ${min}`, (v) => isNumber(v) && (strict ? v > min : v >= min));
}

/** A number in [lo, hi) — momentum and Adam's betas. */
export function halfOpen(lo: number, hi: number): Rule<number> {
  return rule(`a number in [${lo}, ${hi})`, (v) => isNumber(v) && v >= lo && v < hi);
}

/** A whole number from lo to hi; `hiText` shows hi another way (e.g. "2^32−1"). */
export function wholeNumber(lo: number, hi: number = Number.MAX_SAFE_INTEGER, hiText?: string): Rule<number> {
  const text = hi === Number.MAX_SAFE_INTEGER ? `a whole number ≥ ${lo}` : `a whole number from ${lo} to ${hiText ?? hi}`;
  return rule(text, (v) => typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi);
}

/** One of a few strings. */
export function oneOf<T extends string>(values: readonly T[]): Rule<T> {
  const text = values.map((v) => JSON.stringify(v)).join(values.length === 2 ? " or " : ", ");
  return rule(values.length > 2 ? `one of ${text}` : text, (v) => typeof v === "string" && (values as readonly string[]).includes(v));
}

export const BOOLEAN: Rule<boolean> = rule("true or false", (v) => typeof v === "boolean");
export const STRING: Rule<string> = rule("a string", (v) => typeof v === "string");
export const NON_EMPTY_STRING: Rule<string> = rule("a non-empty string", (v) => typeof v === "string" && v !== "");
export const OBJECT: Rule<object> = rule("an object", (v) => typeof v === "object" && v !== null && !Array.isArray(v));

/** An instance of a class, e.g. a Float32Array or an Rng. */
export function instanceOf<T>(ctor: abstract new (...args: never[]) => T, text: string): Rule<T> {
  return rule(text, (v) => v instanceof ctor);
}

/** The value if `rule` accepts it; an OptionError naming `what`, `name`, the rule and the value otherwise. */
export function check<T>(what: string, name: string, value: unknown, r: Rule<T>): T {
  if (!r.test(value)) throw new OptionError(`${what}: ${name} must be ${r.text}, got ${describeValue(value)}`, name);
  return value;
}

/** How a refused value is shown: numbers as JavaScript prints them, strings quoted (and cut), objects by kind. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined || typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `an array of ${value.length} values`;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return `a ${value.constructor.name} of ${(value as unknown as ArrayLike<number>).length} values`;
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return String(value);
}

/** One option: its rule, and its default or whether it must be given (otherwise it may stay undefined). */
export interface OptionSpec<T> {
  rule: Rule<T>;
  default?: T;
  required?: true;
}

type Read<S> = { [K in keyof S]: S[K] extends OptionSpec<infer T> ? (S[K] extends { default: unknown } | { required: true } ? T : T | undefined) : never };

/**
 * An options object checked against `spec`: `value` must be an object or
 * undefined, hold only the names in `spec`, and each value must pass its
 * rule; an option left out takes its default (an error when it is required).
 */
export function readOptions<S extends Record<string, OptionSpec<unknown>>>(what: string, value: unknown, spec: S): Read<S> {
  checkKeys(what, value, Object.keys(spec));
  const given = (value ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(spec)) {
    const v = given[name];
    out[name] = v === undefined && !s.required ? s.default : check(what, name, v, s.rule);
  }
  return out as Read<S>;
}

/** `value` is undefined or an object whose own names are all in `known`. */
export function checkKeys(what: string, value: unknown, known: readonly string[]): void {
  if (value === undefined) return;
  check(what, "options", value, OBJECT);
  for (const key in value as object) {
    if (Object.prototype.hasOwnProperty.call(value, key) && !known.includes(key)) throw unknownOption(what, key, known);
  }
}

function unknownOption(what: string, key: string, known: readonly string[]): OptionError {
  const near = known.find((k) => k.toLowerCase() === key.toLowerCase() || k.toLowerCase().startsWith(key.toLowerCase()) || key.toLowerCase().startsWith(k.toLowerCase()));
  const hint = near !== undefined ? `did you mean ${near}?` : `known options: ${known.join(", ") || "none"}`;
  return new OptionError(`${what}: unknown option ${JSON.stringify(key)} (${hint})`, key);
}
