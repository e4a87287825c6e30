/**
 * The `#!` expectation lines of spec files (format: ../shared/acceptance/README.md)
 * and a checker that compares them with the CLI's JSON output.
 */
export type Expectation =
  | { kind: "model"; name: string; params: number; output: string }
  | { kind: "error" | "warning"; from: number; to: number; word?: string }
  | { kind: "errors"; count: number }
  | { kind: "clean" };

export function readExpectations(text: string): Expectation[] {
  const out: Expectation[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (!line.startsWith("#!")) continue;
    const words = line.slice(2).trim().split(/\s+/);
    const [kind, ...rest] = words;
    if (kind === "model") {
      const [name, p, params, o, output] = rest;
      if (p !== "params" || o !== "output" || !name || !params || !output) throw new Error(`bad expectation: ${line}`);
      out.push({ kind: "model", name, params: Number(params), output });
    } else if (kind === "error" || kind === "warning") {
      const [range, word] = rest;
      const m = /^(\d+)(?:-(\d+))?$/.exec(range ?? "");
      if (!m) throw new Error(`bad expectation: ${line}`);
      const e: Expectation = { kind, from: Number(m[1]), to: Number(m[2] ?? m[1]) };
      if (word !== undefined) e.word = word;
      out.push(e);
    } else if (kind === "errors") out.push({ kind: "errors", count: Number(rest[0]) });
    else if (kind === "clean") out.push({ kind: "clean" });
    else throw new Error(`unknown expectation: ${line}`);
  }
  return out;
}

export interface JsonDiag {
  severity: "error" | "warning";
  code: string;
  message: string;
  help?: string;
  span: { file: string; start: { line: number; column: number }; end: { line: number; column: number } };
  related: { message: string; span: unknown }[];
}

export interface JsonModel {
  name: string;
  params: number;
  outputShape: number[];
}

/** Every unmet expectation, as readable lines (empty when all hold). */
export function unmet(expectations: Expectation[], diagnostics: JsonDiag[], models: JsonModel[]): string[] {
  const problems: string[] = [];
  const errors = diagnostics.filter((d) => d.severity === "error");
  const show = () => diagnostics.map((d) => `${d.severity} ${d.code} line ${d.span.start.line}: ${d.message}`).join("; ") || "no diagnostics";
  for (const e of expectations) {
    switch (e.kind) {
      case "model": {
        const m = models.find((x) => x.name === e.name);
        if (!m) problems.push(`model ${e.name} did not compile (${show()})`);
        else {
          if (m.params !== e.params) problems.push(`model ${e.name}: ${m.params} params, expected ${e.params}`);
          if (m.outputShape.join("x") !== e.output) problems.push(`model ${e.name}: output ${m.outputShape.join("x")}, expected ${e.output}`);
        }
        break;
      }
      case "error":
      case "warning": {
        const hit = diagnostics.some(
          (d) =>
            d.severity === e.kind &&
            d.span.start.line >= e.from &&
            d.span.start.line <= e.to &&
            (e.word === undefined || `${d.message}\n${d.help ?? ""}`.toLowerCase().includes(e.word.toLowerCase())),
        );
        if (!hit) problems.push(`no ${e.kind} on line ${e.from}${e.to !== e.from ? `-${e.to}` : ""}${e.word ? ` mentioning "${e.word}"` : ""} (${show()})`);
        break;
      }
      case "errors":
        if (errors.length !== e.count) problems.push(`${errors.length} errors, expected ${e.count} (${show()})`);
        break;
      case "clean":
        if (diagnostics.length !== 0) problems.push(`expected no diagnostics (${show()})`);
        break;
    }
  }
  return problems;
}
