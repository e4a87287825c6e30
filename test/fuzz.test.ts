/**
 * Property tests of the front end's contract: `checkSource` never throws, never
 * hangs, and every diagnostic it returns is well formed (a known code and
 * severity, a message, spans inside the file) and renders as text and JSON.
 *
 * Inputs: random strings (any code point, lone surrogates, control characters,
 * and sequences of nnspec-like tokens), random bytes, and mutations of every
 * spec in specs/ and the shared acceptance corpus.
 *
 * Failures print fast-check's seed and the shrunk counterexample; rerun one with
 * FUZZ_SEED=<seed>. FUZZ_RUNS=<factor> multiplies the number of runs (e.g. 20 for
 * a long local session). A check that never returns cannot be interrupted by a
 * test timeout (the loop is synchronous), so a watchdog thread writes the input
 * to a file and kills this test process if one check runs for over a minute.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSource, type CheckOutput } from "../compiler/index.js";
import { OPTION_WORDS, RESERVED } from "../compiler/layers/registry.js";
import { toJson } from "../diagnostics/render-json.js";
import { renderText } from "../diagnostics/render-text.js";
import { renderSummaryText, summarize } from "../compiler/summary.js";
import { acceptanceSpecsOrFail } from "./helpers/acceptance.js";
import { ROOT } from "./helpers/cli.js";

const RUNS = Math.max(0.1, Number(process.env.FUZZ_RUNS ?? 1));
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const runs = (n: number) => Math.max(1, Math.round(n * RUNS));
/** Per-test timeout, scaled with FUZZ_RUNS. */
const TIMEOUT = Math.max(60_000, 60_000 * RUNS);
const params = (n: number): fc.Parameters<unknown> => (SEED === undefined ? { numRuns: runs(n) } : { numRuns: runs(n), seed: SEED });

/**
 * Hang guard for a single check. Generous: the slowest legitimate inputs the
 * mutations can build (a `repeat` count raised to the 100,000-layer limit) take
 * about 1 s on a quiet machine; the test suite runs files in parallel.
 */
const MAX_CHECK_MS = 3_000;
/** The watchdog's limit: a check this long is a hang, not a slow input. */
const HANG_MS = 60_000;

// ---------------------------------------------------------------------------
// Watchdog: a synchronous infinite loop in checkSource would block this worker
// forever (vitest's timeouts cannot fire), so another thread watches.

const SLOT_BYTES = 1 << 20;
const shared = new SharedArrayBuffer(16 + SLOT_BYTES);
const state = new Int32Array(shared, 0, 4); // [busy, sequence, bytes kept, input length]
const slot = new Uint8Array(shared, 16);
let sequence = 0;
let watchdog: Worker | undefined;

const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const { shared, hangMs } = workerData;
const state = new Int32Array(shared, 0, 4);
const slot = new Uint8Array(shared, 16);
let seen = -1, since = Date.now();
setInterval(() => {
  if (Atomics.load(state, 0) === 0) { seen = -1; return; }
  const seq = Atomics.load(state, 1);
  if (seq !== seen) { seen = seq; since = Date.now(); return; }
  if (Date.now() - since < hangMs) return;
  const file = require("node:path").join(fs.mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "nnspec-fuzz-")), "hang.nnspec");
  fs.writeFileSync(file, slot.slice(0, Atomics.load(state, 2)));
  fs.writeSync(2, "\\nnnspec fuzz: checkSource has not returned after " + hangMs + " ms; the input" + (state[3] > state[2] ? " (its first " + state[2] + " of " + state[3] + " bytes)" : "") + " is in " + file + "\\n");
  process.kill(process.pid, "SIGKILL");
}, 1000);
`;

beforeAll(() => {
  watchdog = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { shared, hangMs: HANG_MS } });
  watchdog.unref();
});
afterAll(async () => {
  await watchdog?.terminate();
  if (process.env.FUZZ_STATS) {
    const counts = [...codeCounts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, n]) => `${c} ${n}`);
    const input = typeof slowest.input === "string" ? JSON.stringify(slowest.input) : `${slowest.input.length} bytes`;
    console.log(`checks: ${sequence}, slowest ${slowest.ms.toFixed(1)} ms: ${input.slice(0, 3000)}\n${counts.join("\n")}`);
  }
});

const encoder = new TextEncoder();
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// ---------------------------------------------------------------------------
// The contract

interface Checked {
  out: CheckOutput;
  ms: number;
}

let slowest = { ms: 0, input: "" as string | Uint8Array };
/** With FUZZ_STATS=1: how often each code was reached, to see what the generators exercise. */
const codeCounts = new Map<string, number>();

/** Runs checkSource under the watchdog and times it. A throw becomes a readable failure. */
function check(input: string | Uint8Array, path = "fuzz.nnspec"): Checked {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  slot.set(bytes.subarray(0, SLOT_BYTES));
  Atomics.store(state, 2, Math.min(bytes.length, SLOT_BYTES));
  Atomics.store(state, 3, bytes.length);
  Atomics.store(state, 1, ++sequence);
  Atomics.store(state, 0, 1);
  const t0 = performance.now();
  let out: CheckOutput;
  try {
    out = checkSource(path, input);
  } catch (e) {
    const shown = typeof input === "string" ? JSON.stringify(input) : `bytes [${[...input].join(", ")}]`;
    throw new Error(`checkSource threw on ${shown}:\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  } finally {
    Atomics.store(state, 0, 0);
  }
  const ms = performance.now() - t0;
  if (ms > slowest.ms) slowest = { ms, input };
  if (process.env.FUZZ_STATS) for (const code of new Set(out.diagnostics.map((d) => d.code))) codeCounts.set(code, (codeCounts.get(code) ?? 0) + 1);
  return { out, ms };
}

function inFile(span: { start: number; end: number }, length: number): boolean {
  const { start, end } = span;
  return Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= length;
}

/** Every property the output of any check must have. */
function assertWellFormed(input: string | Uint8Array, { out }: Checked): void {
  const text = typeof input === "string" ? (input.charCodeAt(0) === 0xfeff ? input.slice(1) : input) : undefined;
  if (text !== undefined) expect(out.file?.text).toBe(text);
  for (const d of out.diagnostics) {
    const where = `${d.code} ${JSON.stringify(d.message)} at ${JSON.stringify(d.span)}`;
    expect(["error", "warning"], where).toContain(d.severity);
    expect(d.code, where).toMatch(/^NN\d{4}$/);
    expect(typeof d.message === "string" && d.message.trim().length > 0, where).toBe(true);
    // a template placeholder left unfilled, e.g. "unknown layer `{name}`"
    expect(d.message, where).not.toMatch(/\{[a-z][A-Za-z]*\}/);
    const length = d.file.text.length;
    if (text !== undefined) expect(length, where).toBe(text.length);
    expect(inFile(d.span, length), `span of ${where} in a text of ${length} UTF-16 units`).toBe(true);
    for (const r of d.related) {
      expect(r.file.text.length, `related file of ${where}`).toBe(length);
      expect(inFile(r.span, r.file.text.length), `related span ${JSON.stringify(r.span)} (${r.message}) of ${where}`).toBe(true);
    }
    // what the CLI prints must render without throwing
    const json = toJson(d);
    expect(json.span.start.line, where).toBeGreaterThanOrEqual(1);
    expect(json.span.start.column, where).toBeGreaterThanOrEqual(1);
    JSON.stringify(json);
    renderText(d);
  }
  for (const m of out.models) renderSummaryText(summarize(m), null);
  if (out.models.length > 0) expect(out.file).toBeDefined();
}

/** The comparable, rendered result of a check. */
function fingerprint(out: CheckOutput): string {
  return JSON.stringify({ diagnostics: out.diagnostics.map(toJson), models: out.models.map(summarize) });
}

// ---------------------------------------------------------------------------
// Generators

/**
 * Words, symbols and numbers of nnspec and a few things that are not. The
 * words (layer kinds, structure keywords, option names and their values) come
 * from the layer registry, so a new kind or option is fuzzed as soon as it exists.
 */
const TOKENS = [
  ...RESERVED, ...OPTION_WORDS, "{", "}", "(", ")", ",", ":", "->", "+",
  "x64", "x0", "3x3", "1x28x28", "3x224x224", "0x0", "1e400", "-1", "0", "10", "0.5", "1.5", ".5", "5e-4",
  "99999999999999999999", "2147483648", "100000", "007", "-", ">", ".", "=", "#", "# note", "\n", "\r\n", "\r", "\t", " ",
  "width", "n", "m", "a", "b", "stage", "stage(2, 64)", "a()", "b(1)",
  "conv1:", "_", "pad same", "-> 1x2x3x4", "-> 10", "block q(a, a) { fc a }", "globalavgpool, fc 3", "input 8", "input 3x9x9", "中文", "😀", "\u00a0", "\ufeff", "\u2028", "\u0000", "\u001b", "\ud800", "\udfff", "é",
];

/** Characters: any code point, lone surrogates, ASCII and control characters, nnspec's symbols. */
const anyChar = fc.oneof(
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 3 },
  { arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }), weight: 3 },
  { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), weight: 1 },
  { arbitrary: fc.constantFrom(..."{}(),:->+#x0123456789eE.\n\r\t _"), weight: 3 },
);

const tokenSoup = fc
  .array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom("", " ", " ", "\n", ", ", "\r\n")), { maxLength: 80 })
  .map((parts) => parts.map(([t, sep]) => t + sep).join(""));

const randomText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 100 }),
  fc.string({ unit: anyChar, maxLength: 200 }),
  tokenSoup,
);

// ---------------------------------------------------------------------------
// The corpus and its mutations

function specsIn(dir: string): { name: string; text: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".nnspec"))
    .sort()
    .map((f) => ({ name: `${dir.slice(dir.lastIndexOf("/") + 1)}/${f}`, text: readFileSync(join(dir, f), "utf8") }));
}

const corpusSpec = (path: string) => ({ name: `${basename(dirname(path))}/${basename(path)}`, text: readFileSync(path, "utf8") });

const CORPUS = [
  ...specsIn(join(ROOT, "specs")),
  ...specsIn(join(ROOT, "specs", "errors")),
  ...acceptanceSpecsOrFail("valid").map(corpusSpec),
  ...acceptanceSpecsOrFail("invalid").map(corpusSpec),
];

/** Whitespace, comments, symbols and words: joining the pieces gives the text back. */
function pieces(text: string): string[] {
  return text.match(/\s+|#[^\r\n]*|->|[{}(),:+]|[^\s{}(),:+#]+/g) ?? [];
}

const SMALL_NUMBERS = ["0", "1", "2", "3", "4", "7", "16", "-1", "-0", "0.5", "1.5", "0.999", "1e-9", "00", "1e3", "3.0"];
const BIG_NUMBERS = ["1e400", "99999999999999999999", "2147483647", "2147483648", "9007199254740993", "65536", "100000", "100001", "1e308"];

type Mutation =
  | { op: "deletePiece" | "duplicatePiece"; at: number }
  | { op: "repeatPiece"; at: number; times: number }
  | { op: "swapPieces"; at: number; other: number }
  | { op: "insertPiece"; at: number; piece: string }
  | { op: "changeNumber"; at: number; value: string }
  | { op: "deleteChars"; at: number; count: number }
  | { op: "insertChar" | "replaceChar"; at: number; char: string }
  | { op: "duplicateLine" | "deleteLine"; at: number };

const at = fc.nat({ max: 1_000_000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom("deletePiece" as const, "duplicatePiece" as const), at }),
  fc.record({ op: fc.constant("swapPieces" as const), at, other: at }),
  // many copies of one piece: deep nesting, floods of errors, long repeats
  fc.record({ op: fc.constant("repeatPiece" as const), at, times: fc.integer({ min: 2, max: 150 }) }),
  fc.record({ op: fc.constant("insertPiece" as const), at, piece: fc.constantFrom(...TOKENS).map((t) => ` ${t} `) }),
  fc.record({
    op: fc.constant("changeNumber" as const),
    at,
    value: fc.oneof({ arbitrary: fc.constantFrom(...SMALL_NUMBERS), weight: 4 }, { arbitrary: fc.constantFrom(...BIG_NUMBERS), weight: 1 }),
  }),
  fc.record({ op: fc.constant("deleteChars" as const), at, count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constantFrom("insertChar" as const, "replaceChar" as const), at, char: anyChar }),
  fc.record({ op: fc.constantFrom("duplicateLine" as const, "deleteLine" as const), at }),
);

function mutate(text: string, m: Mutation): string {
  switch (m.op) {
    case "deletePiece":
    case "duplicatePiece":
    case "swapPieces":
    case "repeatPiece":
    case "insertPiece": {
      const p = pieces(text);
      const i = p.length ? m.at % p.length : 0;
      if (m.op === "deletePiece") p.splice(i, 1);
      else if (m.op === "duplicatePiece") p.splice(i, 0, p[i] ?? "");
      else if (m.op === "insertPiece") p.splice(i, 0, m.piece);
      else if (m.op === "repeatPiece") p.splice(i, 0, ...Array<string>(m.times).fill(p[i] ?? ""));
      else if (m.op === "swapPieces" && p.length) {
        const j = m.other % p.length;
        [p[i], p[j]] = [p[j]!, p[i]!];
      }
      return p.join("");
    }
    case "changeNumber": {
      const numbers = [...text.matchAll(/[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/g)];
      if (!numbers.length) return text;
      const n = numbers[m.at % numbers.length]!;
      return text.slice(0, n.index) + m.value + text.slice(n.index + n[0].length);
    }
    case "deleteChars": {
      const i = text.length ? m.at % text.length : 0;
      return text.slice(0, i) + text.slice(i + m.count);
    }
    case "insertChar":
    case "replaceChar": {
      const i = m.at % (text.length + 1);
      return text.slice(0, i) + m.char + text.slice(m.op === "insertChar" ? i : i + 1);
    }
    case "duplicateLine":
    case "deleteLine": {
      const lines = text.split("\n");
      const i = m.at % lines.length;
      if (m.op === "deleteLine") lines.splice(i, 1);
      else lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    }
  }
}

const mutatedSpec = fc
  .tuple(fc.nat({ max: Math.max(0, CORPUS.length - 1) }), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([i, ms]) => ({ name: CORPUS[i]!.name, mutations: ms, text: ms.reduce(mutate, CORPUS[i]!.text) }));

// ---------------------------------------------------------------------------

describe("checkSource on random input", () => {
  it("never throws and reports only well-formed diagnostics for random text", () => {
    fc.assert(
      fc.property(randomText, (text) => {
        const r = check(text);
        assertWellFormed(text, r);
        expect(r.ms).toBeLessThan(MAX_CHECK_MS);
      }),
      params(6000),
    );
  }, TIMEOUT);

  it("never throws on random bytes (NULs, invalid UTF-8, BOMs)", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      // mostly text with a few stray bytes: reaches the parser more often
      fc.tuple(tokenSoup, fc.uint8Array({ maxLength: 4 }), fc.nat(), fc.boolean()).map(([t, junk, pos, bom]) => {
        const b = encoder.encode(t);
        const i = b.length ? pos % b.length : 0;
        const parts = [bom ? [0xef, 0xbb, 0xbf] : [], [...b.subarray(0, i)], [...junk], [...b.subarray(i)]];
        return Uint8Array.from(parts.flat());
      }),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        const r = check(b);
        assertWellFormed(b, r);
        expect(r.ms).toBeLessThan(MAX_CHECK_MS);
      }),
      params(3000),
    );
  }, TIMEOUT);

  it("gives the same result for a string and for its UTF-8 bytes", () => {
    // A string is not decoded, so NULs and lone surrogates (which only bytes can reject) are left out.
    const wellFormed = fc.oneof(tokenSoup, fc.string({ unit: "grapheme", maxLength: 100 })).filter((t) => !LONE_SURROGATE.test(t) && !t.includes("\0"));
    fc.assert(
      fc.property(wellFormed, (text) => {
        const a = check(text);
        const b = check(encoder.encode(text));
        assertWellFormed(text, a);
        expect(fingerprint(b.out)).toBe(fingerprint(a.out));
      }),
      params(1000),
    );
  }, TIMEOUT);
});

describe("checkSource on mutated specs", () => {
  it("has a corpus to mutate", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(10);
  });

  it("never throws, reports well-formed diagnostics, and is deterministic", () => {
    fc.assert(
      fc.property(mutatedSpec, fc.nat(), ({ text }, other) => {
        const first = check(text, "mutated.nnspec");
        assertWellFormed(text, first);
        expect(first.ms).toBeLessThan(MAX_CHECK_MS);
        // another file in between: no state may leak from one check into the next
        check(CORPUS[other % CORPUS.length]!.text, "other.nnspec");
        const second = check(text, "mutated.nnspec");
        expect(fingerprint(second.out)).toBe(fingerprint(first.out));
      }),
      params(4000),
    );
  }, TIMEOUT);

  it("every unmutated spec is checked deterministically and within the time bound", () => {
    for (const { name, text } of CORPUS) {
      const a = check(text, name);
      assertWellFormed(text, a);
      const b = check(text, name);
      expect(fingerprint(b.out), name).toBe(fingerprint(a.out));
      expect(a.ms, name).toBeLessThan(MAX_CHECK_MS);
    }
  });

  it("mutations keep every check below the hang bound", () => {
    // Reported separately so a slow-but-correct input is visible as such.
    expect(slowest.ms, `slowest input: ${typeof slowest.input === "string" ? JSON.stringify(slowest.input).slice(0, 2000) : "bytes"}`).toBeLessThan(MAX_CHECK_MS);
  });
});
