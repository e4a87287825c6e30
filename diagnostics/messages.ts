/**
 * Every diagnostic nnspec can report, with its stable code. Codes never change
 * meaning once released; retire a code rather than reuse it.
 *
 *   NN1xxx  reading the file: encoding, characters, syntax
 *   NN2xxx  names and structure: unknown layers, options, blocks, arguments
 *   NN3xxx  shapes: windows, flatten, residual joins, assertions, losses
 *   NN4xxx  size limits
 *
 * `message` states the problem next to the underlined source; `help` says how
 * to fix it. `{name}` placeholders are filled from the diagnostic's arguments,
 * whose type `ArgsOf<code>` is read off these strings (hence `as const`).
 * `severity` is the only place that decides warning or error.
 */
export type Severity = "error" | "warning";

export interface MessageTemplate {
  severity: Severity;
  message: string;
  help?: string;
}

export const MESSAGES = {
  // --- reading the file ----------------------------------------------------
  NN1001: { severity: "error", message: "unexpected character {char}", help: "nnspec uses letters, digits, `_`, `#` comments and the symbols { } ( ) , : -> +" },
  NN1002: { severity: "error", message: "expected {expected}, found {found}", help: "a statement is `layer words…`, `name(args)`, `residual { … }` or `repeat N { … }`, optionally `label:` before and `-> shape` after; statements are separated by line breaks or commas" },
  NN1003: { severity: "error", message: "this `{` is never closed", help: "add a `}` to close {what}" },
  NN1004: { severity: "error", message: "the file is not valid UTF-8 (bad byte at offset {offset})", help: "save the file as UTF-8" },
  NN1005: { severity: "error", message: "the file looks binary (it contains a NUL byte)", help: "nnspec reads text files; check the file name" },
  NN1006: { severity: "error", message: "brackets nest deeper than {limit} levels", help: "flatten the structure with blocks; nothing this deep is a real network" },
  NN1007: { severity: "error", message: "the number {text} is too large to represent", help: "use a number below {limit}" },
  NN1008: { severity: "error", message: "the file is too large ({size}; the limit is {limit} bytes)", help: "a spec is a few kilobytes of text; check that this is the right file, or split it" },
  NN1009: { severity: "error", message: "unmatched `{char}`", help: "remove it, or add the matching `{open}` before it" },
  NN1010: { severity: "error", message: "too many errors; stopping after {count}", help: "fix the errors above first" },
  NN1012: { severity: "error", message: "expected `model` or `block` at the top level, found `{found}`", help: "{hint}" },
  NN1013: { severity: "error", message: "a statement cannot start with `{found}`", help: "{hint}" },
  NN1011: { severity: "error", message: "`shortcut` must follow a `residual {…}` body", help: "write it right after the residual's closing brace: `residual { … } shortcut { … }`" },
  NN1014: { severity: "error", message: "`branch` is only allowed directly inside `concat { … }`", help: "join branches with `concat { branch { … } branch { … } }`" },
  NN1015: { severity: "error", message: "a `concat` holds only `branch { … }` statements, found `{found}`", help: "put the layers inside a branch: `concat { branch { conv 1x1 x16 } branch { conv 3x3 x16 pad 1 } }`; layers before or after the join go outside the concat" },

  // --- names and structure ---------------------------------------------------
  NN2001: { severity: "error", message: "unknown layer `{name}`", help: "{suggestion}" },
  NN2002: { severity: "error", message: "unknown option `{name}` for `{layer}`", help: "{suggestion}" },
  NN2003: { severity: "error", message: "unknown block `{name}`", help: "{suggestion}" },
  NN2004: { severity: "error", message: "block `{name}` takes {expected} argument{s}, but {actual} {were} given", help: "call it as `{signature}`" },
  NN2005: { severity: "error", message: "block `{name}` recurs: {cycle}", help: "a block cannot use itself, directly or through other blocks" },
  NN2006: { severity: "error", message: "the name `{name}` is used twice in model `{model}`", help: "rename one of them; layer names must be unique in a model" },
  NN2007: { severity: "error", message: "{what} `{name}` is defined twice", help: "rename or remove one of the definitions" },
  NN2008: { severity: "error", message: "model `{name}` has no `input` statement", help: "start the model with its input shape, e.g. `input 1x28x28` or `input 8`" },
  NN2009: { severity: "error", message: "`input` must be the first statement of the model", help: "move `input` to the top of model `{model}`" },
  NN2010: { severity: "error", message: "`{kind}` comes after the loss", help: "`loss` must be the last statement of a model; move `{kind}` before it" },
  NN2011: { severity: "error", message: "`{name}` is not a parameter of block `{block}`", help: "{suggestion}" },
  NN2012: { severity: "error", message: "`{layer}` needs {what}", help: "write it as `{usage}`" },
  NN2013: { severity: "error", message: "{what} must be {rule}, got {value}", help: "{hint}" },
  NN2014: { severity: "error", message: "`{name}` is a reserved word and cannot name {what}", help: "choose another name, e.g. `{name}_1`" },
  NN2015: { severity: "error", message: "`{kind}` is only allowed at the top level of a model", help: "{hint}" },
  NN2016: { severity: "error", message: "`{option}` is given twice", help: "keep one of them" },
  NN2017: { severity: "error", message: "unexpected {what} `{text}` for `{layer}`", help: "write it as `{usage}`" },
  NN2018: { severity: "warning", message: "the file defines no model", help: "add `model NAME { input … }`" },
  NN2019: { severity: "error", message: "`input` may appear only once", help: "remove this `input`" },
  NN2020: { severity: "error", message: "unknown loss `{name}`", help: "{suggestion}" },
  NN2021: { severity: "error", message: "`{name}` is not defined here: names stand for values only inside a block, as its parameters", help: "write the value itself, e.g. a number or a shape like `3x3`" },
  NN2022: { severity: "error", message: "parameter `{name}` appears twice in block `{block}`", help: "rename one of them" },
  NN2023: { severity: "error", message: "a label on `{kind}` names nothing", help: "remove `{label}:`; only layers, residuals and block invocations have names" },
  NN2024: { severity: "warning", message: "the output already goes through `softmax`, and `loss softmax` applies softmax again", help: "remove the `softmax` layer: `loss softmax` works on the raw scores, and `predict` returns probabilities" },
  NN2025: { severity: "error", message: "`floor` and `ceil` contradict each other", help: "keep one: `ceil` adds a last, partial window; `floor` drops the rows and columns no whole window reads, on purpose" },

  // --- shapes ------------------------------------------------------------------
  NN3001: { severity: "error", message: "the {window} window does not fit the {input} input: {arithmetic}", help: "{hint}" },
  NN3002: { severity: "warning", message: "the last {what} of the {input} input {are} never read: {arithmetic}", help: "{hint}" },
  NN3003: { severity: "error", message: "`{layer}` needs a vector, but its input is {shape}", help: "add `flatten` before it (that gives {size})" },
  NN3004: { severity: "error", message: "`fc {declared}->{out}` expects {declared} inputs, but its input has {actual}", help: "write `fc {actual}->{out}`, or `fc {out}`{more}" },
  NN3005: { severity: "error", message: "`flatten` of {shape}, which is already a vector", help: "remove this `flatten`" },
  NN3006: { severity: "error", message: "the residual body changes the shape from {input} to {output}, so it cannot be added to its input", help: "{hint}" },
  NN3007: { severity: "error", message: "the shortcut gives {shortcut}, but the residual body gives {body}", help: "{hint}" },
  NN3008: { severity: "error", message: "the output is {actual}, not {expected}", help: "{hint}" },
  NN3009: { severity: "error", message: "`loss {loss}` needs a vector of class scores, but the output is {shape}", help: "add `flatten` and `fc N` (N classes) before the loss; `flatten` alone gives {size}" },
  NN3010: { severity: "error", message: "`{layer}` needs an image (CxHxW), but its input is {shape}", help: "{hint}" },
  NN3011: { severity: "error", message: "`pad same` needs stride 1 and an odd kernel, got {detail}", help: "give the padding explicitly: `pad {pad}`" },
  NN3012: { severity: "error", message: "`input` must be a vector (`input 8`) or an image (`input 3x32x32`), got {shape}", help: "{hint}" },
  NN3013: { severity: "error", message: "the output is {actual} ({rank}), not {expected}", help: "write `-> {actual}`; images are CxHxW and vectors a single size" },
  NN3014: {
    severity: "warning",
    message: "`input {shape}` looks channels-last (height x width x channels), but nnspec reads an image as channels x height x width",
    help: "for {h}x{w} images with {c} channel{s}, write `input {c}x{h}x{w}`; as written, the layers see {shape0} channels of {shape1}x{shape2}",
  },
  NN3020: { severity: "error", message: "the branches of `{name}` give {shapes}: their {what} differ, so they cannot be joined along channels", help: "{hint}" },
  NN3021: { severity: "error", message: "`concat` needs at least two branches; it has {count}", help: "add a branch (`branch { }` passes the input itself), or remove the concat" },
  NN3022: { severity: "error", message: "the branches of `{name}` mix images and vectors ({shapes})", help: "every branch must give an image (CxHxW, joined along channels) or every branch a vector (joined along features); add `flatten` or `globalavgpool` to the branches that give images" },
  NN3023: { severity: "error", message: "the gate body gives {output}, but for the input {input} it must give {channels} (one value per channel) or {input}", help: "{hint}" },
  NN3025: { severity: "error", message: "`groups {groups}` must divide both the {channels} input channels and the {filters} filters", help: "{hint}" },
  NN3030: { severity: "error", message: "`{statement}` does not fit the {channels} channels of its input {shape}", help: "{hint}" },

  // --- size limits -----------------------------------------------------------
  NN4001: { severity: "error", message: "model `{model}` is too large to build: {detail}", help: "the limits are {paramLimit} parameters and {activationLimit} activation values per example" },
  NN4002: { severity: "error", message: "{what} {value} is too large (the limit is {limit})", help: "{hint}" },
  NN4003: { severity: "error", message: "model `{model}` expands to more than {limit} layers", help: "reduce the `repeat` counts" },
  NN4004: {
    severity: "error",
    message: "model `{model}` takes more than {limit} steps to expand",
    help: "every statement reached through `repeat` and block invocations is a step, empty ones too; reduce the `repeat` counts or the invocations of blocks that call blocks",
  },
} as const satisfies Record<string, MessageTemplate>;

export type Code = keyof typeof MESSAGES;

/** A value that fills a placeholder. */
export type ArgValue = string | number;

/** `{name}` as `format` finds it: a brace, word characters, a brace. */
const PLACEHOLDER = /\{(\w+)\}/g;

/** The placeholder names of a template, in order of first use. */
export function placeholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1]!))];
}

/**
 * Fill `{name}` placeholders in one pass (a value containing braces is not
 * read again). A missing argument is a bug in nnspec: it throws.
 */
export function format(template: string, args: Readonly<Record<string, ArgValue>>): string {
  return template.replace(PLACEHOLDER, (_, key: string) => {
    const v = args[key];
    if (v === undefined) throw new Error(`internal: no value for {${key}} in "${template}"`);
    return String(v);
  });
}

// --- the same placeholders as types, so a call that misses one does not compile ---

type WordChar = "_" | "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | Lowercase<Letter> | Letter;
type Letter = "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I" | "J" | "K" | "L" | "M" | "N" | "O" | "P" | "Q" | "R" | "S" | "T" | "U" | "V" | "W" | "X" | "Y" | "Z";

/** S is one or more word characters (`\w+`). */
type IsWord<S extends string> = S extends `${infer C}${infer Rest}` ? (C extends WordChar ? (Rest extends "" ? true : IsWord<Rest>) : false) : false;

/**
 * The placeholder names in a template string type, matched as `format` does:
 * at each `{`, a word and a `}` make a placeholder and the scan goes on after
 * it; anything else (`{ … }`, `` `{` ``) is text and the scan goes on after the `{`.
 */
export type Placeholders<S extends string> = S extends `${string}{${infer Rest}`
  ? Rest extends `${infer K}}${infer After}`
    ? IsWord<K> extends true
      ? K | Placeholders<After>
      : Placeholders<Rest>
    : never
  : never;

/** The message and help texts of a code (of each code, for a union). */
type TextsOf<C extends Code> = C extends Code ? (typeof MESSAGES)[C]["message"] | ((typeof MESSAGES)[C] extends { help: infer H extends string } ? H : never) : never;

/** The arguments a code's texts need: exactly their placeholders (all of them, for a union of codes). */
export type ArgsOf<C extends Code> = { readonly [K in Placeholders<TextsOf<C>>]: ArgValue };
