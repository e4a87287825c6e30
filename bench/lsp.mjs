#!/usr/bin/env node
/**
 * How fast `nnspec lsp` answers an edit (npm run bench:lsp, which builds dist/ first).
 *
 *   node bench/lsp.mjs            200 edits of specs/vgg16.nnspec
 *   node bench/lsp.mjs --quick    40 edits
 *   node bench/lsp.mjs --json     the figures as JSON
 *   node bench/lsp.mjs --strict   exit 1 if the aim is missed
 *
 * Starts the real server (bin/nnspec.js lsp) on stdio, opens VGG-16, then
 * sends one edit at a time (the last stage's assertion, `512x7x7` and a wrong
 * `512x7x8` in turn, so every other edit gives an error and the next clears it) and times each
 * from sending didChange to receiving the publishDiagnostics of that version:
 * the server's debounce (DEBOUNCE_MS), the check and the JSON-RPC transport.
 * Edits are sequential (the next is sent when the last diagnostics arrive), so
 * the debounce never merges two. Aim (issue 15): median and p95 under 50 ms.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";

const BIN = fileURLToPath(new URL("../bin/nnspec.js", import.meta.url));
const VGG = fileURLToPath(new URL("../specs/vgg16.nnspec", import.meta.url));
const AIM_MS = 50;

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!["--json", "--strict", "--quick", "--help", "-h"].includes(a)) {
    process.stderr.write(`bench/lsp.mjs: unknown argument ${a} (try --help)\n`);
    process.exit(2);
  }
}
if (args.has("--help") || args.has("-h")) {
  process.stdout.write("usage: node bench/lsp.mjs [--quick] [--json] [--strict]\n");
  process.exit(0);
}
const EDITS = args.has("--quick") ? 40 : 200;
const WARMUP = 10;

const spec = readFileSync(VGG, "utf8");
const ASSERTED = "-> 512x7x7";
if (!spec.includes(ASSERTED)) throw new Error(`bench/lsp.mjs: specs/vgg16.nnspec has no \`${ASSERTED}\` to edit`);
const variants = [spec, spec.replace(ASSERTED, "-> 512x7x8")];

const child = spawn(process.execPath, [BIN, "lsp", "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const waiting = new Map();
const counts = new Map();
connection.onNotification("textDocument/publishDiagnostics", (p) => {
  const w = waiting.get(p.version);
  if (w) {
    waiting.delete(p.version);
    w(p);
  }
});
connection.listen();

const uri = "file:///bench/vgg16.nnspec";
await connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
await connection.sendNotification("initialized", {});

function published(version) {
  return new Promise((resolve) => waiting.set(version, resolve));
}

let version = 1;
const opened = published(1);
await connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "nnspec", version, text: spec } });
await opened;

const times = [];
for (let i = 0; i < WARMUP + EDITS; i++) {
  version++;
  const text = variants[version % 2];
  const done = published(version);
  const t0 = performance.now();
  await connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
  const p = await done;
  const ms = performance.now() - t0;
  counts.set(p.diagnostics.length, (counts.get(p.diagnostics.length) ?? 0) + 1);
  if (i >= WARMUP) times.push(ms);
}
await connection.sendRequest("shutdown", null);
await connection.sendNotification("exit");
connection.dispose();

times.sort((a, b) => a - b);
const pick = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
const result = {
  spec: "specs/vgg16.nnspec",
  edits: EDITS,
  medianMs: +pick(0.5).toFixed(1),
  p95Ms: +pick(0.95).toFixed(1),
  maxMs: +times[times.length - 1].toFixed(1),
  aimMs: AIM_MS,
  diagnosticsSeen: Object.fromEntries(counts),
  machine: { cpus: cpus().length, loadavg1: +loadavg()[0].toFixed(2) },
};
if (args.has("--json")) process.stdout.write(JSON.stringify(result, null, 2) + "\n");
else {
  process.stdout.write(`nnspec lsp, ${result.spec}: change → publishDiagnostics over ${EDITS} edits (after ${WARMUP} warm-up)\n`);
  process.stdout.write(`  median ${result.medianMs} ms   p95 ${result.p95Ms} ms   max ${result.maxMs} ms   (aim < ${AIM_MS} ms)\n`);
  process.stdout.write(`  machine: ${result.machine.cpus} cores, load average ${result.machine.loadavg1}\n`);
}
if (args.has("--strict") && (result.medianMs >= AIM_MS || result.p95Ms >= AIM_MS)) process.exit(1);
