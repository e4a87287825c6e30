/**
 * The checker's work is bounded, through the built CLI as a user meets it:
 * expansion that produces no layers (empty bodies, blocks that double empty
 * blocks) and very long lines end in time with diagnostics, never a hang, an
 * out-of-memory crash or a renderer that gives up. Each bound is a hang guard
 * (the process is killed when it is reached, and the test fails), not a
 * speed measurement: each is several times what the case takes on an idle
 * machine (about 1 s for the expansion cases), because a loaded one (load 16,
 * two test files at once) took over 15 s to start and run a 1 s case.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuilt } from "./helpers/build.js";
import { BIN, ROOT } from "./helpers/cli.js";

beforeAll(() => requireBuilt("cli"));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nnspec-checker-bounds-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface JsonDiag {
  severity: "error" | "warning";
  code: string;
  message: string;
  help?: string;
  span: { start: { line: number; column: number } };
}

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spec(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The built CLI, killed after `boundMs`. */
function cli(args: string[], boundMs: number): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined }, encoding: "utf8", timeout: boundMs, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Ended by itself before the bound, with a documented status and no stack trace. */
function assertEnded(r: Run, what: string): void {
  const shown = `${what}\n--- stderr ---\n${r.stderr.slice(0, 2000)}`;
  expect(r.signal, `killed at the hang bound: ${shown}`).toBeNull();
  expect([0, 1], `exit status: ${shown}`).toContain(r.status);
  expect(r.stderr, shown).not.toMatch(/^ {4}at |RangeError|internal error|Invalid string length/m);
}

function checkJson(path: string, boundMs: number): { status: number | null; diagnostics: JsonDiag[] } {
  const r = cli(["check", "--format", "json", path], boundMs);
  assertEnded(r, `check --format json ${path}`);
  return { status: r.status, diagnostics: (JSON.parse(r.stdout) as { diagnostics: JsonDiag[] }).diagnostics };
}

const errors = (ds: JsonDiag[]) => ds.filter((d) => d.severity === "error");

/** `b0() { BODY }`, then `bK() { bK-1(), bK-1() }` up to `bN`: 2^N expansions of BODY. */
function doubling(n: number, body: string): string {
  let text = `block b0() {\n  ${body}\n}\n`;
  for (let i = 1; i <= n; i++) text += `block b${i}() {\n  b${i - 1}(), b${i - 1}()\n}\n`;
  return text;
}

describe("expansion work is bounded, not only the layers it produces", () => {
  it("repeat 100000 { repeat 100000 { } }: one size error, in time", () => {
    const { status, diagnostics } = checkJson(spec("empty-repeats.nnspec", "model m {\n  input 4\n  repeat 100000 { repeat 100000 { } }\n}\n"), 45_000);
    expect(status).toBe(1);
    expect(errors(diagnostics).map((d) => [d.code, d.span.start.line])).toEqual([["NN4004", 3]]);
    expect(errors(diagnostics)[0]!.help).toMatch(/repeat/);
  });

  it("blocks that double an empty block 40 times (2^40 invocations): one size error, in time", () => {
    const { status, diagnostics } = checkJson(spec("doubling-empty.nnspec", doubling(40, "") + "model m {\n  input 4\n  b40()\n  fc 2\n}\n"), 45_000);
    expect(status).toBe(1);
    expect(errors(diagnostics).map((d) => d.code)).toEqual(["NN4004"]);
  });

  it("the same doubling blocks, used by no model: checked in time, no error", () => {
    const { status, diagnostics } = checkJson(spec("doubling-unused.nnspec", doubling(40, "") + "model m {\n  input 4\n  fc 2\n}\n"), 45_000);
    expect(status).toBe(0);
    expect(diagnostics).toEqual([]);
  });

  it("empty repeats inside an empty residual inside a block used 64 times: in time", () => {
    const text = "block e() {\n  repeat 100000 { residual { repeat 100000 { } } }\n}\nmodel m {\n  input 4\n" + "  e()\n".repeat(64) + "}\n";
    const { status, diagnostics } = checkJson(spec("residual-repeats.nnspec", text), 45_000);
    expect(status).toBe(1);
    expect(errors(diagnostics).every((d) => d.code.startsWith("NN4")), JSON.stringify(diagnostics)).toBe(true);
  });

  it("a model that is large but within the limits still checks (99,000 layers through repeats)", () => {
    const { status, diagnostics } = checkJson(spec("big-ok.nnspec", "model m {\n  input 4\n  repeat 99 { repeat 1000 { relu } }\n}\n"), 55_000);
    expect(diagnostics).toEqual([]);
    expect(status).toBe(0);
  });
});

describe("very long lines", () => {
  it("99,000 layers on one line and a typo at its end: the column is right, in time", () => {
    const head = "model m { input 4, " + "relu, ".repeat(99_000);
    const { status, diagnostics } = checkJson(spec("long-line.nnspec", head + "fcc 2 }\n"), 55_000);
    expect(status).toBe(1);
    expect(diagnostics.map((d) => [d.code, d.span.start])).toEqual([["NN2001", { line: 1, column: head.length + 1 }]]);
  });

  it("a 4.8 MB line of layers: the layer-limit error, in time", () => {
    const text = "model m { input 4, " + "relu, ".repeat(800_000) + "relu }\n";
    expect(text.length).toBeGreaterThan(4_800_000);
    const { status, diagnostics } = checkJson(spec("huge-line.nnspec", text), 180_000);
    expect(status).toBe(1);
    expect(errors(diagnostics).map((d) => d.code)).toEqual(["NN4003"]);
  }, 240_000);

  it("200 errors on a 2.4 MB line: the text renderer shows each cut around its error, in time", () => {
    const chunk = "relu, ".repeat(2_000);
    const text = "model m { input 4, " + `${chunk}fcc 2, `.repeat(200) + "relu }\n";
    expect(text.length).toBeGreaterThan(2_400_000);
    const r = cli(["check", spec("many-errors.nnspec", text)], 120_000);
    assertEnded(r, "check many-errors.nnspec");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/checked 1 file, 0 models: 200 errors/);
    const lines = r.stderr.split("\n");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(200);
    expect(lines.filter((l) => /^ *1 \| …/.test(l)).length).toBeGreaterThanOrEqual(199);
  }, 150_000);
});
