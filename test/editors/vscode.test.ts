/**
 * The VS Code extension (editors/vscode/): its TextMate grammar passes the
 * vscode-tmgrammar-test fixtures in editors/vscode/test/grammar/, knows every
 * layer kind and option word of the registry, and its manifest points at
 * files that exist.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAYERS, OPTION_WORDS } from "../../compiler/layers/registry.js";
import { ROOT } from "../helpers/root.js";

const EXT = join(ROOT, "editors", "vscode");
const GRAMMAR = join(EXT, "syntaxes", "nnspec.tmLanguage.json");
const grammar = JSON.parse(readFileSync(GRAMMAR, "utf8")) as { scopeName: string; repository: Record<string, { match?: string; patterns?: { match?: string }[] }> };

describe("TextMate grammar", () => {
  it("passes the vscode-tmgrammar-test fixtures", () => {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve("vscode-tmgrammar-test/package.json");
    const bin = join(dirname(pkg), (JSON.parse(readFileSync(pkg, "utf8")) as { bin: Record<string, string> }).bin["vscode-tmgrammar-test"]!);
    const r = spawnSync(process.execPath, [bin, "-g", GRAMMAR, join(EXT, "test", "grammar", "*.nnspec")], { encoding: "utf8", timeout: 60_000 });
    expect(r.stdout + r.stderr).toContain("run successfuly");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("names every layer kind, option and option value of the registry", () => {
    const words = (key: string) => new Set(JSON.stringify(grammar.repository[key]).match(/\(([a-z0-9|]+)\)/g)!.flatMap((g) => g.slice(1, -1).split("|")));
    const layers = words("layer");
    expect([...LAYERS.keys()].filter((k) => !layers.has(k))).toEqual([]);
    const options = words("option");
    // `x` (filters) is an operator in the grammar; loss kinds that are layers (softmax) are coloured as layers.
    expect([...OPTION_WORDS].filter((w) => !options.has(w) && !layers.has(w) && w !== "x")).toEqual([]);
  });
});

describe("extension manifest", () => {
  it("points at the grammar, the language configuration and the client", () => {
    const manifest = JSON.parse(readFileSync(join(EXT, "package.json"), "utf8")) as {
      main: string;
      contributes: { languages: { id: string; extensions: string[]; configuration: string }[]; grammars: { language: string; scopeName: string; path: string }[] };
    };
    const [language] = manifest.contributes.languages;
    const [g] = manifest.contributes.grammars;
    expect(language).toMatchObject({ id: "nnspec", extensions: [".nnspec"] });
    expect(g).toMatchObject({ language: "nnspec", scopeName: grammar.scopeName });
    for (const file of [manifest.main, language!.configuration, g!.path]) expect(existsSync(join(EXT, file)), file).toBe(true);
    expect(JSON.parse(readFileSync(join(EXT, language!.configuration), "utf8")).comments.lineComment).toBe("#");
  });
});
