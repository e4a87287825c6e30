/**
 * Reads the words of a layer statement (`conv 3x3 x64 stride 2 pad 1 nobias`)
 * for the layer's definition: positional values first, then named options.
 * Block parameters are substituted here. Every mistake is reported once, at
 * the word, and marks the reader as failed so the layer's shape stays unknown.
 */
import type { Arg, LayerStatement, Value } from "../grammar/ast.js";
import type { SourceFile, Span } from "../diagnostics/source.js";
import type { ReportExtra } from "../diagnostics/diagnostic.js";
import type { ArgsOf, Code } from "../diagnostics/messages.js";
import { INIT_KINDS, type Init } from "./init.js";
import { suggestion } from "../diagnostics/suggest.js";
import { typoFixes } from "../diagnostics/fix.js";

/** The largest size (filters, units, kernel, dimension) a model may name. */
export const MAX_DIM = 2 ** 31 - 1;

/** Block parameters in scope, bound to the values of an invocation. */
export interface Env {
  block?: string;
  values: ReadonlyMap<string, Value>;
}

export interface ReaderHost {
  file: SourceFile;
  /** Unknown values (NaN, from parameters of a block no model uses) pass, so the words after them are still read. */
  lenient?: boolean;
  report<C extends Code>(code: C, args: NoInfer<ArgsOf<C>>, span: Span, extra?: ReportExtra): void;
}

export type OptionType = "flag" | "int" | "pair" | "pad" | "init" | "number";

/** A named option of a layer: how its value is read and, for the usage text, its value's placeholder. */
export interface OptionSpec {
  type: OptionType;
  /** `S` in `[stride S]`; none for a flag. */
  value?: string;
  /** The smallest whole number a `pair` takes (1 unless given: a stride; 0 for a pool's padding). */
  min?: number;
  /** The rule a `number` option's value follows (a number ≥ 0 unless given). */
  rule?: NumberRule;
}

/** A layer's named options, in the order of its usage text. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The option kinds layers declare (`options: { stride: option.pair("S"), nobias: option.flag }`). */
export const option = {
  flag: { type: "flag" },
  init: { type: "init", value: "he|xavier|normal σ|zeros" },
  pad: { type: "pad", value: "P|same|valid" },
  pair: (value: string, min = 1): OptionSpec => ({ type: "pair", value, min }),
  number: (value: string, rule?: NumberRule): OptionSpec => ({ type: "number", value, ...(rule ? { rule } : {}) }),
  int: (value: string): OptionSpec => ({ type: "int", value }),
} as const satisfies Record<string, OptionSpec | ((value: string) => OptionSpec)>;

/** Words an option's value may be (besides numbers): inside a layer statement they mean that, so they cannot name block parameters. */
export function optionValueWords(o: OptionSpec): readonly string[] {
  return o.type === "pad" ? ["same", "valid"] : o.type === "init" ? INIT_KINDS : [];
}

/** `[stride S]`, `[nobias]`, `[+ l2 λ]`: how an option reads in a usage text. */
export function optionUsage(name: string, o: OptionSpec, plus: boolean): string {
  return `[${plus ? "+ " : ""}${name}${o.value === undefined ? "" : ` ${o.value}`}]`;
}
export interface NumberRule {
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Exclusive upper bound. */
  below?: number;
  max?: number;
  integer?: boolean;
  /** Text of the rule for messages: "at least 1", "in [0, 1)". */
  rule: string;
  /** Help shown when the rule is broken. */
  hint?: string;
}

/** A resolved word: a block parameter replaced by its value, keeping the word's own span. */
type Word = Arg & { param?: string };

export class ArgReader {
  failed = false;
  private pos = 0;
  private readonly words: Word[];

  /** The file the statement is in (for related places in reports). */
  get file(): SourceFile {
    return this.host.file;
  }

  constructor(
    readonly layer: string,
    readonly usage: string,
    readonly stmt: LayerStatement,
    private readonly env: Env,
    private readonly host: ReaderHost,
  ) {
    this.words = stmt.args.map((a) => this.resolve(a));
  }

  private resolve(a: Arg): Word {
    if (a.kind !== "name") return a;
    const bound = this.env.values.get(a.name);
    return bound ? { ...bound, span: a.span, param: a.name } : a;
  }

  error<C extends Code>(code: C, args: NoInfer<ArgsOf<C>>, span: Span, extra?: ReportExtra): undefined {
    this.failed = true;
    this.host.report(code, args, span, extra);
    return undefined;
  }

  get span(): Span {
    return this.stmt.span;
  }

  peek(): Word | undefined {
    return this.words[this.pos];
  }

  /** Span of the last word read (or the statement's kind word before any). */
  lastSpan: Span = { start: 0, end: 0 };

  private take(): Word | undefined {
    const w = this.words[this.pos++];
    if (w) this.lastSpan = w.span;
    return w;
  }

  private label(w: Word): string | undefined {
    return w.param !== undefined ? `${w.param} = ${"dims" in w ? w.text : "value" in w ? String(w.value) : ""}` : undefined;
  }

  /** A name that is neither an option here nor a bound block parameter. */
  private unboundName(w: Word & { kind: "name" }): undefined {
    if (this.env.block !== undefined)
      return this.error("NN2011", { name: w.name, block: this.env.block, suggestion: suggestion(w.name, [...this.env.values.keys()], "parameters") }, w.span, {
        suggestions: typoFixes(this.host.file, w.span, w.name, [...this.env.values.keys()]),
      });
    return this.error("NN2021", { name: w.name }, w.span);
  }

  /** A kernel or window: `3x3`, `3` (square). */
  window(what: string, required: boolean): [number, number] | undefined {
    const w = this.peek();
    if (!w || !(w.kind === "number" || w.kind === "dims")) {
      if (w?.kind === "name" && !this.isOptionWord(w.name) && this.env.values.size === 0 && required) {
        this.take();
        return this.unboundName(w);
      }
      if (required) return this.error("NN2012", { layer: this.layer, what, usage: this.usage }, w?.span ?? this.stmt.kind.span);
      return undefined;
    }
    this.take();
    const dims = w.kind === "dims" ? w.dims : [w.value, w.value];
    if (dims.length !== 2) return this.error("NN2013", { what, rule: "KHxKW or K", value: w.kind === "dims" ? w.text : String(w.value), hint: `write it as \`${this.usage}\`` }, w.span);
    for (const d of dims) if (this.checkInt(d, what, { min: 1, integer: true, rule: "a whole number ≥ 1" }, w) === undefined) return undefined;
    return [dims[0]!, dims[1]!];
  }

  /** `x64`, or `x NAME` inside a block. */
  filters(): number | undefined {
    const w = this.peek();
    if (w?.kind === "filters") {
      this.take();
      return this.checkInt(w.value, "the filter count", { min: 1, integer: true, rule: "at least 1" }, w);
    }
    if ((w?.kind === "name" && w.name === "x") || w?.param === "x") {
      this.take();
      const v = this.take();
      if (!v) return this.error("NN2012", { layer: this.layer, what: "a filter count after `x`", usage: this.usage }, w.span);
      if (v.kind === "name") return this.unboundName(v);
      if (v.kind !== "number") return this.error("NN2013", { what: "the filter count", rule: "a whole number", value: "dims" in v ? v.text : "?", hint: "write the number of filters, e.g. `x64`" }, v.span);
      return this.checkInt(v.value, "the filter count", { min: 1, integer: true, rule: "at least 1" }, v);
    }
    return this.error("NN2012", { layer: this.layer, what: "a filter count like `x64`", usage: this.usage }, w?.span ?? this.stmt.kind.span);
  }

  /** A positional number (or bound parameter). */
  number(what: string, rule: NumberRule, required: boolean, fallback?: number): number | undefined {
    const w = this.peek();
    if (!w || !(w.kind === "number" || (w.kind === "name" && !this.isOptionWord(w.name)))) {
      if (required) return this.error("NN2012", { layer: this.layer, what, usage: this.usage }, w?.span ?? this.stmt.kind.span);
      return fallback;
    }
    this.take();
    if (w.kind === "name") return this.unboundName(w);
    return this.checkInt(w.value, what, rule, w);
  }

  /** A positional word from a fixed list, e.g. the loss kind. */
  choice<T extends string>(what: string, choices: readonly T[], code: "NN2013" | "NN2020" = "NN2013", plural = "choices"): T | undefined {
    const w = this.peek();
    if (!w || w.kind !== "name") return this.error("NN2012", { layer: this.layer, what, usage: this.usage }, w?.span ?? this.stmt.kind.span);
    this.take();
    if ((choices as readonly string[]).includes(w.name)) return w.name as T;
    const suggestions = w.param === undefined ? typoFixes(this.host.file, w.span, w.name, choices) : [];
    return this.error(code, { name: w.name, what, rule: choices.map((c) => `\`${c}\``).join(" or "), value: `\`${w.name}\``, suggestion: suggestion(w.name, choices, plural), hint: suggestion(w.name, choices, plural) }, w.span, { suggestions });
  }

  private optionSpecs: OptionSpecs = {};
  private optionsAfterPlus = false;
  private isOptionWord(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.optionSpecs, name);
  }

  /** The options this layer takes, from its definition (set before its words are read, so positionals that may be left out can tell an option word). */
  declareOptions(specs: OptionSpecs, plus = false): void {
    this.optionSpecs = specs;
    this.optionsAfterPlus = plus;
  }

  /**
   * The declared options until the end: `stride 2`, `pad same`, `nobias`, `init normal 0.01`.
   * With `plus` declared, options must be joined by `+` (the loss's `+ l2 1e-4`).
   */
  options(): Record<string, unknown> {
    const spec = this.optionSpecs;
    const plus = this.optionsAfterPlus;
    const out: Record<string, unknown> = {};
    const spans: Record<string, Span> = {};
    const valueSpans: Record<string, Span> = {};
    const names = Object.keys(spec);
    while (this.pos < this.words.length) {
      let w = this.take()!;
      if (plus) {
        if (w.kind !== "plus") {
          this.error("NN2017", { what: "word", text: wordText(w), layer: this.layer, usage: this.usage }, w.span);
          return out;
        }
        const next = this.take();
        if (!next) {
          this.error("NN2012", { layer: this.layer, what: `an option after \`+\` (${names.join(", ")})`, usage: this.usage }, w.span);
          return out;
        }
        w = next;
      }
      // A block parameter named like an option (`pad`) is the option here, not its value.
      if (w.param !== undefined && this.isOptionWord(w.param)) w = { kind: "name", name: w.param, span: w.span };
      if (w.kind !== "name" || w.param !== undefined) {
        this.error("NN2017", { what: w.kind === "arrow" ? "symbol" : "value", text: wordText(w), layer: this.layer, usage: this.usage }, w.span);
        return out;
      }
      const type = this.isOptionWord(w.name) ? spec[w.name]!.type : undefined;
      if (type === undefined) {
        const suggestions = typoFixes(this.host.file, w.span, w.name, names.filter((n) => !(n in out)));
        this.error("NN2002", { name: w.name, layer: this.layer, suggestion: suggestion(w.name, names, `options of \`${this.layer}\``) }, w.span, { suggestions });
        return out;
      }
      if (w.name in out) {
        this.error("NN2016", { option: w.name }, w.span, { related: [{ message: "first given here", file: this.host.file, span: spans[w.name]! }] });
        return out;
      }
      spans[w.name] = w.span;
      const v = this.optionValue(w.name, spec[w.name]!, w);
      if (this.failed) return out;
      out[w.name] = v;
      // The last word of the value as written (`same` in `pad same`), for fixes that rewrite it.
      if (this.lastSpan !== w.span) valueSpans[w.name] = this.lastSpan;
    }
    out.__spans = spans;
    out.__valueSpans = valueSpans;
    return out;
  }

  private optionValue(name: string, o: OptionSpec, at: Word): unknown {
    const type = o.type;
    switch (type) {
      case "flag":
        return true;
      case "int":
        return this.valueAfter(name, at, { min: 1, integer: true, rule: "a whole number ≥ 1" });
      case "number":
        return this.valueAfter(name, at, o.rule ?? { min: 0, rule: "a number ≥ 0" });
      case "pair":
      case "pad": {
        const w = this.peek();
        if (type === "pad" && w?.kind === "name" && (w.name === "same" || w.name === "valid")) {
          this.take();
          return w.name;
        }
 const min = o.min ?? (type === "pad" ? 0 : 1);
        const hint = min === 0 && name === "pad" ? "`pad 1` adds one row and column of zeros on every side" : `\`${name} 1\` moves the window one step at a time, \`${name} 2\` two`;
        const rule: NumberRule = { min, integer: true, rule: `a whole number ≥ ${min}`, hint };
        if (w?.kind === "dims") {
          this.take();
          if (w.dims.length !== 2) return this.error("NN2013", { what: name, rule: "N or NxM", value: w.text, hint: `write \`${name} 1\` or \`${name} 1x2\`` }, w.span);
          const a = this.checkInt(w.dims[0]!, name, rule, w);
          const b = a === undefined ? undefined : this.checkInt(w.dims[1]!, name, rule, w);
          return b === undefined ? undefined : [a, b];
        }
        const v = this.valueAfter(name, at, rule);
        return v === undefined ? undefined : [v, v];
      }
      case "init": {
        const w = this.take();
        const kinds = INIT_KINDS;
        if (!w || w.kind !== "name" || !(kinds as readonly string[]).includes(w.name))
          return this.error("NN2013", { what: "init", rule: kinds.map((k) => `\`${k}\``).join(", "), value: w ? wordText(w) : "nothing", hint: "e.g. `init xavier` or `init normal 0.01`" }, w?.span ?? at.span);
        const init: Init = { kind: w.name as Init["kind"] };
        if (w.name === "normal") {
          const s = this.valueAfter("init normal", w, { min: 0, rule: "a number > 0" });
          if (s === undefined) return undefined;
          if (s === 0) return this.error("NN2013", { what: "the σ of `init normal`", rule: "greater than 0", value: 0, hint: "use `init zeros` for zeros" }, this.lastSpan);
          init.sigma = s;
        }
        return init;
      }
    }
  }

  private valueAfter(what: string, at: Word, rule: NumberRule): number | undefined {
    const w = this.peek();
    if (!w || !(w.kind === "number" || w.kind === "name")) return this.error("NN2012", { layer: this.layer, what: `a value after \`${what}\``, usage: this.usage }, at.span);
    if (w.kind === "name" && this.isOptionWord(w.name)) return this.error("NN2012", { layer: this.layer, what: `a value after \`${what}\``, usage: this.usage }, at.span);
    this.take();
    if (w.kind === "name") return this.unboundName(w);
    return this.checkInt(w.value, what, rule, w);
  }

  /** Check a number against a rule; NaN means it was already reported as unreadable. */
  checkInt(v: number, what: string, rule: NumberRule, w: Word): number | undefined {
    if (Number.isNaN(v)) {
      if (this.host.lenient && w.param !== undefined) return v;
      this.failed = true;
      return undefined;
    }
    const label = this.label(w);
    const extra = label ? { label } : undefined;
    const value = writtenValue(v, w);
    if (rule.integer && !Number.isInteger(v)) return this.error("NN2013", { what, rule: "a whole number", value, hint: rule.hint ?? "sizes, counts and strides are whole numbers" }, w.span, extra);
    if ((rule.min !== undefined && v < rule.min) || (rule.above !== undefined && v <= rule.above) || (rule.below !== undefined && v >= rule.below) || (rule.max !== undefined && v > rule.max))
      return this.error("NN2013", { what, rule: rule.rule, value, hint: rule.hint ?? `use a value that is ${rule.rule}` }, w.span, extra);
    if (rule.integer && v > MAX_DIM) return this.error("NN4002", { what, value, limit: MAX_DIM, hint: "no layer this large can be built" }, w.span, extra);
    return v;
  }

  /** Step over the next word (already inspected with peek). */
  skip(): void {
    this.take();
  }

  /** Consume a `->` if it comes next. */
  arrow(): boolean {
    if (this.peek()?.kind !== "arrow") return false;
    this.take();
    return true;
  }

  /** Consume a `:` if it comes next (`channels A:B`). */
  colon(): boolean {
    if (this.peek()?.kind !== "colon") return false;
    this.take();
    return true;
  }

  /** Anything left over is a mistake. */
  end(): void {
    const w = this.peek();
    if (w && !this.failed) this.error("NN2017", { what: w.kind === "name" ? "word" : "value", text: wordText(w), layer: this.layer, usage: this.usage }, w.span);
  }
}

export function wordText(w: Arg): string {
  switch (w.kind) {
    case "number":
    case "dims":
    case "filters":
      return w.text;
    case "name":
      return w.name;
    case "plus":
      return "+";
    case "arrow":
      return "->";
    case "colon":
      return ":";
  }
}

/**
 * A number as the user wrote it (a literal's own text, not the rounded
 * double), saying what it rounds to when that differs: `1e-400 (which
 * rounds to 0)`. Values from dims or block parameters are shown as numbers.
 */
export function writtenValue(v: number, w: Arg): string {
  if (w.kind !== "number" && w.kind !== "filters") return String(v);
  const text = w.kind === "filters" ? w.text.replace(/^x/, "") : w.text;
  return sameNumberText(text, v) ? text : `${text} (which rounds to ${v})`;
}

/** Whether `text` spells exactly the double `v` (as `0.50` and `5e-1` spell 0.5), so no rounding happened. */
function sameNumberText(text: string, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  const m = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return String(v) === text;
  const digits = (m[2]! + m[3]!).replace(/^0+/, "");
  const exp = Number(m[4] ?? 0) - m[3]!.length;
  const exact = digits.replace(/0+$/, "");
  const shift = exp + (digits.length - exact.length);
  // The literal is exact·10^shift; compare with the shortest digits of v.
  const [mant, e = "0"] = Math.abs(v).toExponential().split("e");
  const vDigits = mant!.replace(".", "").replace(/0+$/, "");
  const vShift = Number(e) - (mant!.replace(".", "").length - 1) + (mant!.replace(".", "").length - vDigits.length);
  if (exact === "") return v === 0;
  return exact === vDigits && shift === vShift && (m[1] === "-") === v < 0;
}
