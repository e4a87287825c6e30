/**
 * Names the compiler writes out: identifiers of generated code, value and
 * node names of ONNX graphs, and spec text in comments. One `Names` hands out
 * the unique names of one namespace for both outputs.
 */

/**
 * Identifiers a generated module cannot give to a spec name: JavaScript's
 * keywords and the globals it uses, and the module's own locals. Spec names are
 * already [A-Za-z_][A-Za-z0-9_]* (the lexer guarantees it), but they may be
 * keywords (`class`, `delete`) or clash with these.
 */
export const CODE_RESERVED: ReadonlySet<string> = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await async of arguments eval undefined NaN Infinity globalThis Object Array Math Number String Error RangeError TypeError Float32Array Float64Array Int32Array Symbol JSON Reflect Proxy Promise constructor prototype __proto__ toString valueOf hasOwnProperty " +
    // locals of the generated module
    "rt info Model ParamName BufferName createModel options batchSize seed rng mem imem state stateBackup scratch input dinput output doutput probs targets labels n training lossReady forward predict loss backward trainStep reseed params grads buffers x target optimizer value outputViews probsViews decayed TRAIN result count memoryBytes engine k kernels threads dispose layers unfold"
  ).split(" "),
);

/**
 * Unique names within one namespace. Generated code asks for identifiers
 * (`one`, `pair`: sanitized, `_` appended until free, starting from
 * CODE_RESERVED); an ONNX graph for readable names (`unique`: `relu1`, then
 * `relu1_1`, `relu1_2`, …, starting empty or from names it reserves).
 */
export class Names {
  private readonly used: Set<string>;

  constructor(reserved: Iterable<string> = []) {
    this.used = new Set(reserved);
  }

  reserve(name: string): void {
    this.used.add(name);
  }

  /** `preferred`, else `preferred_1`, `preferred_2`, … */
  unique(preferred: string): string {
    let name = preferred;
    for (let i = 1; this.used.has(name); i++) name = `${preferred}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A fresh identifier for `base`. */
  one(base: string): string {
    let id = sanitize(base);
    while (this.used.has(id)) id += "_";
    this.used.add(id);
    return id;
  }

  /** A fresh identifier for `base` such that both it and `d` + it are free (a buffer and its gradient). */
  pair(base: string): string {
    let id = sanitize(base);
    while (this.used.has(id) || this.used.has(`d${id}`)) id += "_";
    this.used.add(id);
    this.used.add(`d${id}`);
    return id;
  }
}

function sanitize(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
}

/** Text from a spec made safe for a `//` comment: one line, printable, no line terminators of any kind. */
export function commentText(s: string, max = 120): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").replace(/\s+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
