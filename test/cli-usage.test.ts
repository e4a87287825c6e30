/**
 * The command line's usage: a mistyped command or flag gets a "did you mean",
 * a single-dash long word is not read as a short flag with an attached value,
 * `nnspec check -` reads the spec from stdin, and `nnspec help COMMAND` shows
 * that command's help. Every refusal is one line `nnspec: …`, exit 2.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COMMAND_HELP } from "../cli/help.js";
import { nnspec, nnspecMany, type CliResult } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "nnspec-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = join(dir, "m.nnspec");
writeFileSync(SPEC, "model m {\n  input 4\n  fc 2\n  loss softmax\n}\n");

/** Exit 2, nothing on stdout, one line `nnspec: …` on stderr containing every part. */
function usage(r: CliResult, ...parts: string[]): string {
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^nnspec: [^\n]+\n$/);
  expect(r.status).toBe(2);
  for (const p of parts) expect(r.stderr).toContain(p);
  expect(r.stderr).not.toMatch(/Unknown option|ERR_PARSE_ARGS|TypeError/);
  return r.stderr;
}

const COMMANDS = ["check", "summary", "compile", "typegen", "train", "eval", "predict", "export", "fmt", "lsp"] as const;
/** The commands that read exactly one FILE (check, typegen and fmt take several; lsp none). */
const ONE_FILE = COMMANDS.filter((c) => !["check", "typegen", "fmt", "lsp"].includes(c));

describe("did you mean", () => {
  it.each([
    ["compil", "compile"],
    ["chekc", "check"],
    ["sumary", "summary"],
    ["trian", "train"],
    ["exprot", "export"],
    ["lps", "lsp"],
    ["fomt", "fmt"],
  ])("command %s → %s", (typo, command) => {
    usage(nnspec([typo, SPEC]), `unknown command '${typo}'`, `did you mean '${command}'?`);
  });

  it("an option before the command", () => {
    usage(nnspec(["--verison"]), "unknown option --verison before the command", "did you mean --version?");
    usage(nnspec(["--model", "m", "check", SPEC]), "unknown option --model before the command", "nnspec COMMAND [options] FILE");
  });

  it("a command nothing is near lists the commands", () => {
    usage(nnspec(["frobnicate", SPEC]), "unknown command 'frobnicate'", "check, summary, compile");
  });

  it.each([
    ["summary", ["--modle", "m", SPEC], "--modle", "--model"],
    ["train", ["--modle", "m", SPEC, "--data", "mnist"], "--modle", "--model"],
    ["check", ["--formt", "json", SPEC], "--formt", "--format"],
    ["compile", ["--dtpye", "f64", SPEC], "--dtpye", "--dtype"],
    ["eval", ["--wieghts", "w.safetensors", SPEC], "--wieghts", "--weights"],
    ["predict", ["--inptu", "x.npy", SPEC], "--inptu", "--input"],
    ["export", ["--onx", "m.onnx", SPEC], "--onx", "--onnx"],
    ["train", ["--epoch", "3", SPEC], "--epoch", "--epochs"],
    ["eval", ["--kernel", "js", SPEC], "--kernel", "--kernels"],
  ])("%s %j", (command, args, typo, flag) => {
    usage(nnspec([command, ...args]), `unknown option ${typo}`, `did you mean ${flag}?`, `nnspec ${command} --help`);
  });

  // The ~60 runs in one process (nnspecMany); the table above goes through bin/nnspec.js, a process each.
  it("every command suggests each of its own flags from a one-letter typo (one table per command)", () => {
    const cases = COMMANDS.flatMap((command) => {
      const flags = [...COMMAND_HELP[command]!.matchAll(/^ {2}(?:-[a-z], )?--([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((f) => f !== "help");
      expect(flags.length, command).toBeGreaterThan(0);
      return flags.map((flag) => ({ command, flag, typo: flag.slice(0, -1) + (flag.endsWith("x") ? "y" : "x") }));
    });
    const runs = nnspecMany(cases.map(({ command, typo }) => [command, `--${typo}`, "v", SPEC]));
    expect(runs.length).toBe(cases.length);
    for (const [i, { typo, flag }] of cases.entries()) usage(runs[i]!, `unknown option --${typo}`, `did you mean --${flag}?`);
  });
});

describe("a single-dash long word is not a short flag with an attached value", () => {
  it("compile -out DIR is refused (it used to write into ./ut)", () => {
    const cwd = mkdtempSync(join(dir, "cwd-"));
    usage(nnspec(["compile", SPEC, "-out", join(dir, "x")], { cwd }), "unknown option -out", "did you mean --out?");
    expect(existsSync(join(cwd, "ut"))).toBe(false);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  it.each([
    ["train", ["-out", "w.safetensors", SPEC, "--data", "mnist"], "-out", "--out"],
    ["summary", ["-model", "m", SPEC], "-model", "--model"],
    ["train", ["-quiet", SPEC, "--data", "mnist"], "-quiet", "--quiet"],
  ])("%s %j", (command, args, word, flag) => {
    usage(nnspec([command, ...args]), `unknown option ${word}`, `did you mean ${flag}?`);
  });

  it("a short flag with its value attached is refused, naming the two ways to write it", () => {
    usage(nnspec(["compile", SPEC, `-o${dir}`]), "-o takes its value as the next argument");
  });

  it("-o DIR and --out=DIR still work", () => {
    const a = join(dir, "out-a");
    const b = join(dir, "out-b");
    expect(nnspec(["compile", SPEC, "-o", a]).status).toBe(0);
    expect(nnspec(["compile", SPEC, `--out=${b}`]).status).toBe(0);
    expect(existsSync(join(a, "m.ts")) && existsSync(join(b, "m.ts"))).toBe(true);
  });
});

describe("flag values", () => {
  it("a mistyped word among a flag's choices gets a suggestion", () => {
    usage(nnspec(["check", "--format", "jsno", SPEC]), "--format must be text or json, not jsno (did you mean json?)");
    usage(nnspec(["compile", "--dtype", "f46", SPEC]), "--dtype must be f32 or f64, not f46 (did you mean f64?)");
    usage(nnspec(["eval", SPEC, "--weights", "w", "--data", "mnist", "--split", "tset"]), "--split must be test or train, not tset (did you mean test?)");
    usage(nnspec(["eval", SPEC, "--weights", "w", "--data", "mnist", "--kernels", "wams"]), "--kernels must be wasm or js, not wams (did you mean wasm?)");
  });

  it("a flag without its value names it", () => {
    usage(nnspec(["check", SPEC, "--format"]), "--format needs a value");
  });

  it("a flag followed by another flag is not given that flag as its value", () => {
    usage(nnspec(["compile", SPEC, "--out", "--js"]), "--out needs a value", "--out=--js");
  });

  it("a switch given a value is refused", () => {
    usage(nnspec(["compile", SPEC, "--js=yes"]), "--js takes no value");
  });

  it("a flag given twice is refused instead of the last silently winning", () => {
    usage(nnspec(["summary", "--batch", "2", "--batch", "3", SPEC]), "--batch is given twice");
  });

  it("-- ends the flags: what follows is a file", () => {
    const r = nnspec(["check", "--", "--not-a-flag.nnspec"]);
    usage(r, "--not-a-flag.nnspec");
    expect(r.stderr).not.toContain("unknown option");
  });
});

describe("nnspec check - reads the spec from stdin", () => {
  it("a valid spec", () => {
    const r = nnspec(["check", "-"], { input: "model m {\n  input 4\n  fc 2\n}\n" });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("checked 1 file, 1 model");
  });

  it("diagnostics name <stdin>", () => {
    const r = nnspec(["check", "-"], { input: "model m {\n  input 4\n  fcc 2\n}\n" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--> <stdin>:3:3");
    const json = nnspec(["check", "--format", "json", "-"], { input: "model m {\n  input 4\n  fcc 2\n}\n" });
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).diagnostics[0].span.file).toBe("<stdin>");
  });

  it("with files, and in summary", () => {
    const r = nnspec(["check", SPEC, "-"], { input: "model n { input 3, fc 1 }\n" });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("checked 2 files, 2 models");
    const s = nnspec(["summary", "-"], { input: "model n { input 3, fc 1 }\n" });
    expect(s.status).toBe(0);
    expect(s.stdout).toContain("Model: n");
  });

  it("is bounded like a file: more than 16 MiB is NN1008, not read to the end", () => {
    const r = nnspec(["check", "-"], { input: "#".repeat(16 * 1024 * 1024 + 10) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("NN1008");
    expect(r.stderr).toContain("<stdin>");
  });

  it("stdin can be read once", () => {
    usage(nnspec(["check", "-", "-"], { input: "" }), "- (stdin)", "once");
  });

  it("the commands that compile a spec name the file they need", () => {
    usage(nnspec(["compile", "-"], { input: "model m { input 4, fc 2 }\n" }), "stdin", "check and summary");
    usage(nnspec(["train", "-", "--data", "mnist"], { input: "" }), "stdin", "check and summary");
  });
});

describe("nnspec help COMMAND", () => {
  it.each(COMMANDS)("help %s is that command's help, exit 0", (command) => {
    const r = nnspec(["help", command]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(COMMAND_HELP[command] + "\n");
    expect(r.stderr).toBe("");
  });

  it.each(COMMANDS)("%s --help and -h anywhere before -- show the same help", (command) => {
    for (const args of [[command, "--help"], [command, SPEC, "-h"], [command, "--model", "m", "--help", SPEC]]) {
      const r = nnspec(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(COMMAND_HELP[command] + "\n");
    }
  });

  it("the number of FILEs is checked in one place", () => {
    for (const command of ["check", "typegen", "fmt"]) usage(nnspec([command]), `${command} needs at least one FILE`, `nnspec ${command} --help`);
    for (const command of ONE_FILE) usage(nnspec([command, SPEC, SPEC]), `${command} takes exactly one FILE, got 2`, `nnspec ${command} --help`);
    usage(nnspec(["lsp", SPEC]), `lsp takes no FILE, got ${SPEC}`, "nnspec lsp --help");
  });

  it("help alone is the overview, exit 0, and mentions help COMMAND", () => {
    const r = nnspec(["help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage:");
    expect(r.stdout).toContain("nnspec help COMMAND");
    expect(nnspec(["help", "--help"]).stdout).toBe(r.stdout);
  });

  it("help nosuch suggests or lists the commands", () => {
    usage(nnspec(["help", "compil"]), "no command 'compil'", "did you mean 'compile'?");
    usage(nnspec(["help", "nosuch"]), "no command 'nosuch'", "check, summary");
    usage(nnspec(["help", "check", "train"]), "help takes one COMMAND");
  });
});
