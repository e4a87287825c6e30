/**
 * The VS Code extension (editors/vscode/): its TextMate grammar passes the
 * vscode-tmgrammar-test fixtures in editors/vscode/test/grammar/, knows every
 * layer kind and option word of the registry, its manifest points at files
 * that exist, and the bundled client (editors/vscode/bundle.mjs, what the
 * .vsix ships) starts and stops the real `nnspec lsp` under a stand-in for
 * the `vscode` module.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import Module, { builtinModules, createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LAYERS, OPTION_WORDS } from "../../compiler/layers/registry.js";
import { BIN } from "../helpers/cli.js";
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
    // `main` is the bundle (built by `npm run bundle` there, not committed): its entry and outfile are bundle.mjs's
    expect(manifest.main).toBe("./dist/extension.js");
    expect(readFileSync(join(EXT, "bundle.mjs"), "utf8")).toContain('"./dist/extension.js"');
    for (const file of ["extension.js", language!.configuration, g!.path]) expect(existsSync(join(EXT, file)), file).toBe(true);
    expect(JSON.parse(readFileSync(join(EXT, language!.configuration), "utf8")).comments.lineComment).toBe("#");
  });
});

/** A stand-in for the editor's `vscode` module: the settings and the error messages the extension uses; anything else a no-op. */
function fakeVscode(nnspecPath: string, errors: string[]): unknown {
  const any = (): unknown => new Proxy(function () {}, { get: (_t, k) => (k === "then" ? undefined : any()), apply: () => any(), construct: () => any() as object });
  const withRest = <T extends object>(known: T): T => new Proxy(known, { get: (t, k) => (k in t ? (t as Record<string | symbol, unknown>)[k] : any()) });
  return withRest({
    version: "1.95.0",
    workspace: withRest({ workspaceFolders: undefined, getConfiguration: () => ({ get: (key: string) => (key === "path" ? nnspecPath : undefined) }) }),
    window: withRest({ showErrorMessage: (m: string) => (errors.push(m), Promise.resolve(undefined)) }),
  });
}

describe("bundled client", () => {
  const dir = join(ROOT, "test", ".tmp", `vscode-bundle-${process.pid}`);
  const outfile = join(dir, "extension.cjs"); // .cjs: this repository's package.json says "type": "module"
  let code = "";
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    const { options } = (await import(pathToFileURL(join(EXT, "bundle.mjs")).href)) as { options: Parameters<typeof build>[0] };
    await build({ ...options, outfile, logLevel: "silent" });
    code = readFileSync(outfile, "utf8");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Loads the bundle with `vscode` resolved to fakeVscode, activates it, and returns the error messages it showed. */
  async function activate(nnspecPath: string): Promise<{ errors: string[]; deactivate: () => Promise<void> }> {
    const errors: string[] = [];
    const vscode = fakeVscode(nnspecPath, errors);
    const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const original = loader._load;
    loader._load = function (request, ...rest) {
      return request === "vscode" ? vscode : original.call(this, request, ...rest);
    };
    try {
      const require = createRequire(outfile);
      delete require.cache[outfile];
      const ext = require(outfile) as { activate(context: { subscriptions: unknown[] }): Promise<void>; deactivate(): Promise<void> | undefined };
      await ext.activate({ subscriptions: [] });
      return { errors, deactivate: async () => void (await ext.deactivate()) };
    } finally {
      loader._load = original;
    }
  }

  it("is one file that needs only `vscode` and Node's own modules", () => {
    const required = new Set([...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
    const builtins = new Set(builtinModules.flatMap((b) => [b, `node:${b}`]));
    expect([...required].filter((r) => r !== "vscode" && !builtins.has(r))).toEqual([]);
    expect(required.has("vscode")).toBe(true);
  });

  it("starts the real `nnspec lsp` (initialize answered) and stops it, showing no error", async () => {
    const { errors, deactivate } = await activate(BIN);
    expect(errors).toEqual([]);
    await deactivate();
  }, 30_000);

  it("a command that is not there: the could-not-start message naming it", async () => {
    const path = join(dir, "no-such-nnspec");
    const { errors } = await activate(path);
    expect(errors).toHaveLength(2); // the client library's own line, then the extension's
    expect(errors[1]!.startsWith(`nnspec: could not start \`${path} lsp\` (`)).toBe(true);
    expect(errors[1]).toMatch(/ENOENT\)\. Install nnspec \(npm install -g nnspec\) or set nnspec\.path\.$/);
  }, 30_000);
});
