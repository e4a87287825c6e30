/**
 * Bad input through the CLI, as a user meets it: every case ends in time with
 * diagnostics or a one-line message and the documented exit status (0 no
 * errors, 1 errors in a spec, 2 usage or file problems), never a stack trace.
 * `npm test` builds dist/ before this runs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT } from "./helpers/cli.js";
import { requireBuilt } from "./helpers/build.js";

// This file runs the built CLI (dist/): stop at once, with the file to rebuild, when it is older than its sources.
beforeAll(() => requireBuilt("cli"));

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface JsonPos {
  line: number;
  column: number;
}
interface JsonDiag {
  severity: "error" | "warning";
  code: string;
  message: string;
  help?: string;
  span: { file: string; start: JsonPos; end: JsonPos };
  related: { message: string; span: { file: string; start: JsonPos; end: JsonPos } }[];
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nnspec-bad-input-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a file in the temporary directory and returns its path. */
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Runs the built CLI; `timeoutMs` is the hang bound (the process is killed after it). */
function cli(args: string[], timeoutMs = 20_000): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms };
}

/** Ended by itself in time, with a documented status, and without a stack trace or raw control characters. */
function assertClean(r: Run, what: string): void {
  const shown = `${what}\n--- stderr ---\n${r.stderr.slice(0, 3000)}\n--- stdout ---\n${r.stdout.slice(0, 1000)}`;
  expect(r.signal, `killed (hang bound reached after ${r.ms.toFixed(0)} ms): ${shown}`).toBeNull();
  expect([0, 1, 2], `exit status: ${shown}`).toContain(r.status);
  for (const out of [r.stderr, r.stdout]) {
    expect(out, `stack frame: ${shown}`).not.toMatch(/^ {4}at /m);
    expect(out, `Node error: ${shown}`).not.toMatch(/^(?:Uncaught )?(?:[A-Z][A-Za-z]*)?Error\b(?: \[\w+\])?:/m);
    expect(out, `internal error: ${shown}`).not.toMatch(/internal error|node:internal/);
    // eslint-disable-next-line no-control-regex
    expect(out, `raw control characters: ${shown}`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  }
}

/** `check` in text form: diagnostics on stderr ending with the count line. */
function checkText(path: string, timeoutMs?: number): Run {
  const r = cli(["check", path], timeoutMs);
  assertClean(r, `nnspec check ${path}`);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/checked 1 file, \d+ models?: \d+ errors?, \d+ warnings?\n$/);
  return r;
}

/** `check --format json`: one JSON document on stdout, nothing on stderr; status agrees with the errors. */
function checkJson(paths: string | string[], timeoutMs?: number): { run: Run; diagnostics: JsonDiag[] } {
  const files = typeof paths === "string" ? [paths] : paths;
  const r = cli(["check", "--format", "json", ...files], timeoutMs);
  assertClean(r, `nnspec check --format json ${files.join(" ")}`);
  expect(r.stderr).toBe("");
  const doc = JSON.parse(r.stdout) as { diagnostics: JsonDiag[] };
  expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
  for (const d of doc.diagnostics) {
    expect(["error", "warning"]).toContain(d.severity);
    expect(d.code).toMatch(/^NN\d{4}$/);
    expect(d.message.length).toBeGreaterThan(0);
    for (const s of [d.span, ...d.related.map((x) => x.span)]) {
      expect(s.start.line).toBeGreaterThanOrEqual(1);
      expect(s.start.column).toBeGreaterThanOrEqual(1);
      expect(s.end.line > s.start.line || (s.end.line === s.start.line && s.end.column >= s.start.column), JSON.stringify(s)).toBe(true);
    }
  }
  expect(r.status).toBe(doc.diagnostics.some((d) => d.severity === "error") ? 1 : 0);
  return { run: r, diagnostics: doc.diagnostics };
}

/** Both forms agree on the status; returns the JSON diagnostics. */
function checkBoth(path: string, timeoutMs?: number): { status: number | null; diagnostics: JsonDiag[] } {
  const text = checkText(path, timeoutMs);
  const json = checkJson(path, timeoutMs);
  expect(text.status).toBe(json.run.status);
  return { status: json.run.status, diagnostics: json.diagnostics };
}

/** A usage or file problem: exit 2, one line on stderr, nothing on stdout. */
function assertOneLine(r: Run, what: string): string {
  assertClean(r, what);
  expect(r.status, what).toBe(2);
  expect(r.stdout, what).toBe("");
  expect(r.stderr, what).toMatch(/^nnspec: [^\n]+\n$/);
  return r.stderr;
}

const errors = (ds: JsonDiag[]) => ds.filter((d) => d.severity === "error");

/** Deterministic bytes (an LCG), so a failure is reproducible. */
function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// ---------------------------------------------------------------------------

describe("files with nothing to check", () => {
  it("an empty file: a warning that it defines no model, exit 0", () => {
    const { status, diagnostics } = checkBoth(file("empty.nnspec", ""));
    expect(status).toBe(0);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: "warning", message: expect.stringContaining("defines no model"), span: { start: { line: 1, column: 1 } } });
  });

  it.each([
    ["spaces and blank lines", "   \n\n\t\n  "],
    ["comments only", "# nothing here\n#! not an expectation either\n"],
    ["CRLF comments and a Chinese comment", "# 模型在别处\r\n\r\n   # x\r\n"],
    ["a lone CR, a form feed, no-break spaces", "\r\f\u00a0\u3000\n"],
    ["a BOM and a comment", "\ufeff# only a comment"],
  ])("%s: the no-model warning, exit 0", (_, text) => {
    const { status, diagnostics } = checkBoth(file("blank.nnspec", text));
    expect(status).toBe(0);
    expect(diagnostics.map((d) => d.code)).toEqual(["NN2018"]);
  });
});

describe("files that are not UTF-8 text", () => {
  it("binary garbage with NUL bytes: one error, exit 1", () => {
    const bytes = pseudoRandomBytes(4096, 7);
    bytes[100] = 0;
    const { status, diagnostics } = checkBoth(file("garbage.nnspec", bytes));
    expect(status).toBe(1);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toMatch(/binary|NUL|UTF-8/);
  });

  it.each([1, 2, 3, 4, 5])("random bytes (seed %i) never crash the CLI", (seed) => {
    checkBoth(file(`random${seed}.nnspec`, pseudoRandomBytes(2000 + seed * 300, seed)));
  });

  it("a NUL in an otherwise valid spec: the binary-file error at the NUL", () => {
    const { status, diagnostics } = checkBoth(file("nul.nnspec", "model m {\n  input 4\n  fc 2\u0000\n}\n"));
    expect(status).toBe(1);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ message: expect.stringContaining("NUL"), span: { start: { line: 3, column: 7 } } });
  });

  it("invalid UTF-8 (C3 28): one error naming the byte's place, exit 1", () => {
    const bytes = Uint8Array.from([...Buffer.from("model m {\n  input 4 "), 0xc3, 0x28, ...Buffer.from("\n}\n")]);
    const { status, diagnostics } = checkBoth(file("latin.nnspec", bytes));
    expect(status).toBe(1);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ message: expect.stringContaining("UTF-8"), span: { start: { line: 2, column: 11 } } });
  });

  it.each([
    ["a truncated sequence at the end", [0x6d, 0xe4, 0xb8]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["a UTF-16 surrogate encoded in UTF-8", [0xed, 0xa0, 0x80]],
    ["Latin-1 text", [...Buffer.from("# caf"), 0xe9, 0x0a]],
    ["a UTF-16LE file with its BOM", [0xff, 0xfe, 0x6d, 0x00, 0x6f, 0x00]],
  ])("%s: an error, exit 1", (_, bytes) => {
    const { status, diagnostics } = checkBoth(file("bad-utf8.nnspec", Uint8Array.from(bytes)));
    expect(status).toBe(1);
    expect(errors(diagnostics).length).toBeGreaterThanOrEqual(1);
  });

  it("a UTF-8 BOM before a valid spec: clean, exit 0; columns after it do not count the BOM", () => {
    const ok = checkBoth(file("bom.nnspec", "\ufeffmodel m {\n  input 4\n  fc 2\n}\n"));
    expect(ok.status).toBe(0);
    expect(ok.diagnostics).toEqual([]);
    const bad = checkJson(file("bom-error.nnspec", "\ufeffmodel m {\n  input 4\n  fcc 2\n}\n"));
    expect(bad.diagnostics.map((d) => [d.code, d.span.start])).toEqual([["NN2001", { line: 3, column: 3 }]]);
    const first = checkJson(file("bom-line1.nnspec", "\ufeffmodel m { input 4, fcc 2 }\n"));
    expect(first.diagnostics.map((d) => [d.code, d.span.start])).toEqual([["NN2001", { line: 1, column: 20 }]]);
  });
});

describe("large files", () => {
  /**
   * Hang bound for the 5 MB files. Checking 5 MB takes 10–15 s on a quiet
   * 2-core machine (most of it in the lexer and parser, ~1.4 GB of memory) and
   * several times that on a loaded one (93 s at load 12 with two test files
   * running at once), so the bound is a hang guard, not the 20 s aim.
   */
  const BIG_FILE_MS = 180_000;

  it("5 MB of layers in one model ends in time with a size error", () => {
    const line = "  fc 16, relu\n";
    const path = file("big-model.nnspec", "model big {\n  input 16\n" + line.repeat(Math.ceil(5_000_000 / line.length)) + "}\n");
    const { run, diagnostics } = checkJson(path, BIG_FILE_MS);
    console.info(`5 MB, one model: ${(run.ms / 1000).toFixed(1)} s`);
    // 714,286 layers: far over the 100,000-layer limit, so the model cannot pass silently
    expect(run.status).toBe(1);
    expect(errors(diagnostics).some((d) => d.code.startsWith("NN4")), JSON.stringify(diagnostics)).toBe(true);
  }, 2 * BIG_FILE_MS);

  it("regression: a model just over the layer limit written out flat is an error, not silently dropped", () => {
    // Found by the test above: `sequence` stops at the limit without reporting;
    // `check` said "0 models: 0 errors" and exited 0.
    const path = file("flat-limit.nnspec", "model m {\n  input 4\n" + "  relu\n".repeat(100_010) + "}\n");
    const { run, diagnostics } = checkJson(path, 60_000);
    expect(run.status).toBe(1);
    expect(errors(diagnostics).some((d) => d.code.startsWith("NN4")), JSON.stringify(diagnostics)).toBe(true);
  }, 120_000);

  it("5 MB of many small models ends in time, every model checked", () => {
    const parts = ["block stage(w) {\n  conv 3x3 x w pad 1, relu\n}\n"];
    let size = parts[0]!.length;
    let n = 0;
    while (size < 5_000_000) {
      const m = `model m${n++} {\n  input 3x8x8\n  stage(4) -> 4x8x8\n  flatten -> 256\n  fc 10\n  loss softmax\n}\n`;
      parts.push(m);
      size += m.length;
    }
    const r = checkText(file("many-models.nnspec", parts.join("")), BIG_FILE_MS);
    console.info(`5 MB, ${n} models: ${(r.ms / 1000).toFixed(1)} s`);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`checked 1 file, ${n} models: 0 errors, 0 warnings\n`);
  }, 2 * BIG_FILE_MS);

  it("a file over the size limit (17 MB, sparse) is refused unread: one error, exit 1", () => {
    const path = file("huge.nnspec", "");
    truncateSync(path, 17 * 1024 * 1024);
    const r = cli(["check", "--format", "json", path]);
    assertClean(r, "17 MB file");
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as { diagnostics: JsonDiag[] };
    expect(doc.diagnostics).toHaveLength(1);
    expect(doc.diagnostics[0]!.message).toMatch(/too large/);
  });

  it.runIf(existsSync("/dev/zero"))("regression: an endless device (/dev/zero) is refused, not read forever", () => {
    // readSpec trusts stat's size (0 for a device) and reads to EOF, which never
    // comes: the CLI grows to many GB and never ends. Expected: at most
    // MAX_FILE_BYTES + 1 bytes read, then the too-large (or binary-file) error,
    // or a one-line "not a regular file" message with exit 2.
    const r = cli(["check", "--format", "json", "/dev/zero"], 10_000);
    assertClean(r, "nnspec check /dev/zero");
    if (r.status === 2) assertOneLine(r, "nnspec check /dev/zero");
    else {
      expect(r.status).toBe(1);
      expect((JSON.parse(r.stdout) as { diagnostics: JsonDiag[] }).diagnostics).toHaveLength(1);
    }
  }, 30_000);
});

describe("deep nesting", () => {
  it.each([
    ["10,000 nested braces in a model", "model m {\n  input 4\n  " + "{".repeat(10_000) + "}".repeat(10_000) + "\n}\n"],
    ["10,000 unclosed braces at the top level", "{".repeat(10_000)],
    ["10,000 nested repeats", "model m {\n  input 4\n" + "repeat 1 {".repeat(10_000) + "fc 2" + "}".repeat(10_000) + "\n}\n"],
    ["10,000 nested residuals", "model m {\n  input 4\n" + "residual { ".repeat(10_000) + "relu" + " }".repeat(10_000) + "\n}\n"],
    ["10,000 nested parens in a call", "block b(n) { fc n }\nmodel m {\n  input 4\n  b(" + "(".repeat(10_000) + "3" + ")".repeat(10_000) + ")\n}\n"],
    ["10,000 unclosed parens", "model m {\n  input 4\n  b" + "(".repeat(10_000) + "\n}\n"],
  ])("%s: an error, exit 1, quickly", (_, text) => {
    const { status, diagnostics } = checkBoth(file("deep.nnspec", text));
    expect(status).toBe(1);
    expect(errors(diagnostics).length).toBeGreaterThanOrEqual(1);
  });

  it("10,000 unmatched closing braces: the errors are capped", () => {
    const { status, diagnostics } = checkBoth(file("closers.nnspec", "model m {\n  input 4\n}\n" + "}".repeat(10_000)));
    expect(status).toBe(1);
    expect(diagnostics.length).toBeLessThanOrEqual(201);
  });

  it("repeat 100000 { repeat 100000 { fc 10 } }: a size error, quickly", () => {
    const { run, diagnostics } = checkJson(file("repeats.nnspec", "model m {\n  input 4\n  repeat 100000 { repeat 100000 { fc 10 } }\n}\n"));
    expect(run.status).toBe(1);
    expect(run.ms).toBeLessThan(20_000);
    expect(errors(diagnostics)).toHaveLength(1);
    expect(errors(diagnostics)[0]!.message).toMatch(/too large|more than|limit/);
  });

  it("a block chain a0 → a1 → … → a200: one error, exit 1", () => {
    let text = "block a200() {\n  fc 10\n}\n";
    for (let i = 199; i >= 0; i--) text += `block a${i}() {\n  a${i + 1}()\n}\n`;
    text += "model m {\n  input 4\n  a0()\n}\n";
    const { status, diagnostics } = checkBoth(file("chain.nnspec", text));
    expect(status).toBe(1);
    expect(errors(diagnostics)).toHaveLength(1);
  });

  it("a block chain of depth 40 is fine", () => {
    let text = "block a40() {\n  fc 10\n}\n";
    for (let i = 39; i >= 0; i--) text += `block a${i}() {\n  a${i + 1}()\n}\n`;
    text += "model m {\n  input 4\n  a0() -> 10\n}\n";
    const { status, diagnostics } = checkBoth(file("chain40.nnspec", text));
    expect(status).toBe(0);
    expect(diagnostics).toEqual([]);
  });

  it.each([
    ["a block that uses itself", "block a() {\n  a()\n}\nmodel m {\n  input 4\n  a()\n}\n"],
    ["two blocks that use each other", "block a() {\n  b()\n}\nblock b() {\n  a()\n}\nmodel m {\n  input 4\n  a()\n}\n"],
    ["a 200-block cycle", Array.from({ length: 200 }, (_, i) => `block a${i}() {\n  a${(i + 1) % 200}()\n}\n`).join("") + "model m {\n  input 4\n  a0()\n}\n"],
    ["recursion inside repeat and residual", "block a(n) {\n  repeat n {\n    residual { a(n) }\n  }\n}\nmodel m {\n  input 4\n  a(100000)\n}\n"],
    ["recursion that is never invoked", "block a() {\n  a()\n}\nmodel m {\n  input 4\n}\n"],
  ])("%s: a recursion error, exit 1", (_, text) => {
    const { status, diagnostics } = checkBoth(file("recursion.nnspec", text));
    expect(status).toBe(1);
    expect(errors(diagnostics).some((d) => /recur/.test(d.message)), JSON.stringify(diagnostics)).toBe(true);
  });
});

describe("numbers too large to be sizes", () => {
  const HUGE = ["1e400", "99999999999999999999"];
  // [where, spec with N, whether 99999999999999999999 is a legal value there]
  const places: [string, string, boolean][] = [
    ["input vector", "model m {\n  input N\n  fc 10\n}\n", false],
    ["input image dimension", "model m {\n  input 3xNx8\n  flatten\n}\n", false],
    ["conv filter count", "model m {\n  input 3x8x8\n  conv 3x3 xN\n}\n", false],
    ["conv kernel", "model m {\n  input 3x8x8\n  conv Nx3 x4\n}\n", false],
    ["conv stride", "model m {\n  input 3x8x8\n  conv 3x3 x4 stride N\n}\n", false],
    ["conv padding", "model m {\n  input 3x8x8\n  conv 3x3 x4 pad N\n}\n", false],
    ["maxpool window", "model m {\n  input 3x8x8\n  maxpool N\n}\n", false],
    ["dropout", "model m {\n  input 8\n  dropout N\n}\n", false],
    ["fc units", "model m {\n  input 8\n  fc N\n}\n", false],
    ["fc inputs", "model m {\n  input 8\n  fc N->4\n}\n", false],
    ["repeat count", "model m {\n  input 8\n  repeat N {\n    fc 4\n  }\n}\n", false],
    ["shape assertion", "model m {\n  input 8\n  fc 4 -> N\n}\n", false],
    ["block argument", "block b(n) {\n  fc n\n}\nmodel m {\n  input 8\n  b(N)\n}\n", false],
    ["l2 weight", "model m {\n  input 8\n  fc 4\n  loss mse + l2 N\n}\n", true],
  ];

  it("each place: an error on the number's line (or a legal value), no crash, in one CLI run", () => {
    const cases = HUGE.flatMap((n) =>
      places.map(([where, spec, legal], i) => {
        const text = spec.replace("N", n);
        const line = text.slice(0, text.indexOf(n)).split("\n").length;
        return { where: `${where} = ${n}`, path: file(`number-${n.length}-${i}.nnspec`, text), line, mustFail: n === "1e400" || !legal };
      }),
    );
    const { run, diagnostics } = checkJson(cases.map((c) => c.path), 20_000);
    expect(run.status).toBe(1);
    for (const c of cases) {
      const mine = errors(diagnostics).filter((d) => d.span.file === c.path);
      if (c.mustFail) expect(mine.length, `${c.where}: ${JSON.stringify(mine)}`).toBeGreaterThanOrEqual(1);
      // one mistake, one error, on the number's line (a block argument's error may point into the block, with the call related)
      for (const d of mine) {
        const lines = [d.span.start.line, ...d.related.map((r) => r.span.start.line)];
        expect(lines, `${c.where}: ${JSON.stringify(d)}`).toContain(c.line);
      }
      expect(mine.length, `${c.where}: ${JSON.stringify(mine)}`).toBeLessThanOrEqual(1);
    }
  });
});

describe("summary on bad input", () => {
  it.each([
    ["an empty file", 0, ""],
    ["binary garbage", 1, pseudoRandomBytes(1000, 11)],
    ["invalid UTF-8", 1, Uint8Array.from([0x6d, 0xc3, 0x28])],
    ["10,000 nested braces", 1, "{".repeat(10_000)],
    ["recursion", 1, "block a() {\n  a()\n}\nmodel m {\n  input 4\n  a()\n}\n"],
    ["a huge repeat", 1, "model m {\n  input 4\n  repeat 100000 { repeat 100000 { fc 10 } }\n}\n"],
  ] as [string, number, string | Uint8Array][])("%s: exit %i, diagnostics, no model", (_, status, content) => {
    const path = file("summary-bad.nnspec", content);
    const json = cli(["summary", "--format", "json", path]);
    assertClean(json, `summary --format json (${_})`);
    expect(json.status).toBe(status);
    expect(json.stderr).toBe("");
    const doc = JSON.parse(json.stdout) as { models: unknown[]; diagnostics: JsonDiag[] };
    expect(doc.models).toEqual([]);
    expect(doc.diagnostics.length).toBeGreaterThanOrEqual(1);
    const text = cli(["summary", path]);
    assertClean(text, `summary (${_})`);
    expect(text.status).toBe(status);
  });

  it("--model naming no model: exit 2 and one line", () => {
    const path = file("one-model.nnspec", "model m {\n  input 4\n  fc 2\n}\n");
    expect(assertOneLine(cli(["summary", "--model", "nope", path]), "--model nope")).toContain("nope");
  });
});

describe("usage and file problems: exit 2 and one line", () => {
  it("a missing file names the file", () => {
    const missing = join(dir, "does-not-exist.nnspec");
    expect(assertOneLine(cli(["check", missing]), "missing file")).toContain(missing);
    expect(assertOneLine(cli(["check", "--format", "json", missing]), "missing file, json")).toContain(missing);
  });

  it("a missing file among good ones stops before any output", () => {
    const good = file("good.nnspec", "model m {\n  input 4\n  fc 2\n}\n");
    const missing = join(dir, "nope.nnspec");
    expect(assertOneLine(cli(["check", good, missing]), "good + missing")).toContain(missing);
  });

  it("a directory instead of a file", () => {
    const sub = join(dir, "a-directory.nnspec");
    mkdirSync(sub, { recursive: true });
    expect(assertOneLine(cli(["check", sub]), "directory")).toContain(sub);
    expect(assertOneLine(cli(["summary", sub]), "directory, summary")).toContain(sub);
  });

  it("a path through a file", () => {
    const f = file("plain.nnspec", "");
    assertOneLine(cli(["check", join(f, "inside.nnspec")]), "path through a file");
  });

  it.each([
    [["check"], "no files"],
    [["check", "--format", "xml", "x.nnspec"], "--format xml"],
    [["check", "--format"], "--format without a value"],
    [["check", "--frobnicate", "x.nnspec"], "an unknown option"],
    [["frobnicate", "x.nnspec"], "an unknown command"],
    [["summary"], "summary without a file"],
    [["summary", "a.nnspec", "b.nnspec"], "summary with two files"],
  ])("%j (%s)", (args, what) => {
    assertOneLine(cli(args), what);
  });

  it("no arguments at all: the help on stdout, exit 2", () => {
    const r = cli([]);
    assertClean(r, "no arguments");
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("Usage:");
  });
});

describe("line endings, wide characters and tabs: JSON columns count characters", () => {
  const at = (d: JsonDiag | undefined) => d && { code: d.code, start: d.span.start, end: d.span.end };

  it("CRLF and a Chinese comment: an error on the next line is at line 2, column 3", () => {
    const { diagnostics } = checkJson(file("crlf-top.nnspec", "# 中文\r\n  convv 3x3 x8\r\n"));
    expect(diagnostics.length).toBeGreaterThanOrEqual(1);
    expect(diagnostics[0]!.span.start).toEqual({ line: 2, column: 3 });
  });

  it("CRLF and a Chinese comment inside a model", () => {
    const { diagnostics } = checkJson(file("crlf.nnspec", "model m {\r\n  input 1x8x8   # 输入：灰度图像\r\n  convv 3x3 x8\r\n}\r\n"));
    expect(diagnostics.map(at)).toEqual([{ code: "NN2001", start: { line: 3, column: 3 }, end: { line: 3, column: 8 } }]);
  });

  it("Chinese characters before an error on the same line count one column each", () => {
    const { diagnostics } = checkJson(file("cjk-line.nnspec", "model m {\r\n  input 4 中文 fcc\r\n}\r\n"));
    // `中文` is an error itself (columns 11–12); the next word starts at column 14
    expect(diagnostics.map((d) => d.span.start)).toEqual([
      { line: 2, column: 11 },
      { line: 2, column: 14 },
    ]);
    expect(diagnostics[0]!.span.end).toEqual({ line: 2, column: 13 });
  });

  it("an emoji (two UTF-16 units) is one column", () => {
    const { diagnostics } = checkJson(file("emoji.nnspec", "model m {\n  input 4\n  😀 fcc 3\n}\n"));
    expect(diagnostics.map((d) => d.span.start)).toEqual([
      { line: 3, column: 3 },
      { line: 3, column: 5 },
    ]);
    expect(diagnostics[0]!.span.end).toEqual({ line: 3, column: 4 });
  });

  it("old Mac line endings (CR only)", () => {
    const { diagnostics } = checkJson(file("cr.nnspec", "model m {\r  input 4\r  fcc 2\r}\r"));
    expect(diagnostics.map(at)).toEqual([{ code: "NN2001", start: { line: 3, column: 3 }, end: { line: 3, column: 6 } }]);
  });

  it("mixed line endings", () => {
    const { diagnostics } = checkJson(file("mixed.nnspec", "model m {\n  input 4\r\n  fc 2\r  fcc 2\n}\n"));
    expect(diagnostics.map(at)).toEqual([{ code: "NN2001", start: { line: 4, column: 3 }, end: { line: 4, column: 6 } }]);
  });

  it("a tab is one column", () => {
    const { diagnostics } = checkJson(file("tabs.nnspec", "model m {\n\tinput 4\n\t\tfcc 2\n}\n"));
    expect(diagnostics.map(at)).toEqual([{ code: "NN2001", start: { line: 3, column: 3 }, end: { line: 3, column: 6 } }]);
    const text = checkText(join(dir, "tabs.nnspec"));
    expect(text.stderr).toContain("tabs.nnspec:3:3");
  });

  it("a valid spec with CRLF, tabs and Chinese comments is clean", () => {
    const spec = "# 一个小模型\r\nmodel m {\r\n\tinput 1x28x28\t# 输入\r\n\tconv 5x5 x6 pad 2\t-> 6x28x28\r\n\trelu, maxpool 2\r\n\tflatten\r\n\tfc 10\r\n\tloss softmax\r\n}\r\n";
    const { status, diagnostics } = checkBoth(file("valid-crlf.nnspec", spec));
    expect(status).toBe(0);
    expect(diagnostics).toEqual([]);
  });
});
