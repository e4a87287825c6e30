/**
 * The source tree's import graph: no cycles, and imports only go down the
 * layer order diagnostics ← grammar ← compiler ← cli, with runtime a leaf that
 * imports none of them. Every import counts, `import type` and `import()`
 * included: a type-only or lazy cycle still ties the files together.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/cli.js";

/** What each top-level folder may import besides itself and packages. */
const ALLOWED: Record<string, readonly string[]> = {
  diagnostics: [],
  grammar: ["diagnostics"],
  compiler: ["diagnostics", "grammar", "runtime"],
  runtime: [],
  cli: ["diagnostics", "grammar", "compiler", "runtime"],
  plugins: ["diagnostics", "compiler"],
};
const SKIP = new Set(["node_modules", "dist", "test", "bench", "scripts", "specs", "docs", "out", "examples", "editors"]);

/** Project-relative paths of every .ts source outside node_modules, dist and test. */
function sources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(".") || (dir === root && SKIP.has(name))) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(relative(root, path).split(sep).join("/"));
    }
  };
  walk(root);
  return out.sort();
}

/** The files package.json's `imports` maps `#platform` to (by condition), as sources. */
const PLATFORM = ["runtime/platform/node.ts", "runtime/platform/browser.ts"];

/** Each file's relative imports, resolved to project files (`./x.js` → `./x.ts`; AssemblyScript's `./x.as` → `./x.as.ts`). */
function importGraph(root: string, files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      if (fileName === "#platform") {
        PLATFORM.forEach((p) => targets.add(p)); // package.json `imports`: either implementation
        continue;
      }
      if (!fileName.startsWith(".")) continue; // a package
      const base = relative(root, resolve(root, dirname(file), fileName)).split(sep).join("/");
      const stem = base.replace(/\.js$/, "");
      const hit = [`${stem}.ts`, `${base}.ts`, `${stem}/index.ts`].find((c) => known.has(c));
      if (!hit) throw new Error(`${file}: cannot resolve import ${fileName}`);
      targets.add(hit);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Every cycle, once each, as the list of files around it (strongly connected components of more than one file, or a self-import). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  // Tarjan's algorithm.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Imports that go up the layer order (or into a folder not in the order), as `from -> to`. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const folder = (f: string) => (f.includes("/") ? f.slice(0, f.indexOf("/")) : "");
  const bad: string[] = [];
  for (const [from, targets] of graph) {
    const own = folder(from);
    for (const to of targets) {
      const other = folder(to);
      if (other !== own && !(ALLOWED[own] ?? []).includes(other)) bad.push(`${from} -> ${to}`);
    }
  }
  return bad;
}

describe("import graph", () => {
  const files = sources(ROOT);
  const graph = importGraph(ROOT, files);

  it("sees the whole tree", () => {
    for (const top of Object.keys(ALLOWED)) expect(files.some((f) => f.startsWith(`${top}/`)), top).toBe(true);
    expect(files).toContain("runtime/wasm/src/conv.as.ts");
    expect(graph.get("cli/main.ts")!.length).toBeGreaterThan(0);
    expect(graph.get("runtime/wasm/module.ts")).toEqual(expect.arrayContaining(PLATFORM));
  });

  it("has no cycles", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("only imports down: diagnostics ← grammar ← compiler ← cli; runtime imports none of them", () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it("finds a cycle and an upward import when there is one", () => {
    const g = new Map([
      ["grammar/a.ts", ["grammar/b.ts"]],
      ["grammar/b.ts", ["compiler/c.ts"]],
      ["compiler/c.ts", ["grammar/a.ts", "compiler/d.ts"]],
      ["compiler/d.ts", ["compiler/d.ts"]],
      ["runtime/e.ts", ["diagnostics/f.ts"]],
      ["diagnostics/f.ts", []],
    ]);
    expect(cycles(g)).toEqual([["compiler/c.ts", "grammar/a.ts", "grammar/b.ts"], ["compiler/d.ts"]]);
    expect(upwardImports(g)).toEqual(["grammar/b.ts -> compiler/c.ts", "runtime/e.ts -> diagnostics/f.ts"]);
  });
});
