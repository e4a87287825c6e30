#!/usr/bin/env node
/**
 * The README's picture of inline errors and shape hints, made honestly without
 * VS Code: starts the real `nnspec lsp` (bin/nnspec.js, built: npm run build
 * at the root), opens SPEC below, takes the diagnostics it publishes and the
 * inlay hints it answers, lays them over the text as an editor would (wavy
 * underline, the message after the line, hints in grey) in an HTML page, and
 * photographs that page in headless Chromium (/usr/bin/chromium through the
 * root's playwright-core). Writes editors/vscode/images/inline-errors.png.
 *
 *   node scripts/lsp-screenshot.mjs
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";

const BIN = fileURLToPath(new URL("../bin/nnspec.js", import.meta.url));
const OUT = fileURLToPath(new URL("../editors/vscode/images/inline-errors.png", import.meta.url));
const SPEC = `# LeNet-5 with two mistakes
model lenet5 {
  input 1x28x28
  conv1: conv 5x5 x6 pad 2
  relu
  maxpool 2
  conv 5x5 x16
  relu
  maxpool 2                     -> 16x4x4
  fc 120
  relu
  fc 84, relu
  fc 10
  loss softmax
}
`;

const child = spawn(process.execPath, [BIN, "lsp"], { stdio: ["pipe", "pipe", "inherit"] });
const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const published = new Promise((resolve) => connection.onNotification("textDocument/publishDiagnostics", resolve));
connection.listen();
const uri = "file:///lenet5.nnspec";
await connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
await connection.sendNotification("initialized", {});
await connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "nnspec", version: 1, text: SPEC } });
const { diagnostics } = await published;
const lines = SPEC.split("\n");
const hints = await connection.sendRequest("textDocument/inlayHint", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } } });
await connection.sendRequest("shutdown", null);
await connection.sendNotification("exit");
connection.dispose();

const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** One line of code: the underlined ranges and the hints placed at their characters. */
function renderLine(text, i) {
  const marks = [];
  for (const d of diagnostics) {
    if (d.range.start.line > i || d.range.end.line < i) continue;
    const from = d.range.start.line === i ? d.range.start.character : 0;
    const to = d.range.end.line === i ? Math.max(d.range.end.character, from + 1) : text.length;
    marks.push({ at: from, html: `<span class="${d.severity === 1 ? "err" : "warn"}">` }, { at: to, html: "</span>", close: true });
  }
  for (const h of hints) if (h.position.line === i) marks.push({ at: h.position.character, html: `<span class="hint">${esc(typeof h.label === "string" ? h.label : h.label.map((p) => p.value).join(""))}</span>`, close: true });
  marks.sort((a, b) => a.at - b.at || (b.close ? 1 : 0) - (a.close ? 1 : 0));
  let out = "";
  let pos = 0;
  for (const m of marks) {
    out += esc(text.slice(pos, m.at)) + m.html;
    pos = Math.max(pos, m.at);
  }
  out += esc(text.slice(pos));
  const messages = diagnostics.filter((d) => d.range.start.line === i).map((d) => `<span class="msg ${d.severity === 1 ? "err-msg" : "warn-msg"}">${esc(d.code)}: ${esc(d.message.split("\n")[0])}</span>`);
  const comment = /^\s*#/.test(text) ? " comment" : "";
  return `<div class="line"><span class="num">${i + 1}</span><span class="code${comment}">${out}</span>${messages.join("")}</div>`;
}
const html = `<!doctype html><meta charset="utf-8"><style>
body { margin: 0; background: #1e1e1e; font: 14px/21px "DejaVu Sans Mono", monospace; color: #d4d4d4; }
.editor { padding: 12px 16px 6px 0; }
.line { white-space: pre; }
.num { display: inline-block; width: 40px; text-align: right; padding-right: 18px; color: #6e7681; }
.comment { color: #6a9955; }
.err { text-decoration: underline wavy #f14c4c; text-underline-offset: 3px; }
.warn { text-decoration: underline wavy #cca700; text-underline-offset: 3px; }
.hint { color: #8b949e; background: #2a2d2e; border-radius: 3px; padding: 0 4px; margin-left: 6px; font-size: 13px; }
.msg { margin-left: 18px; padding: 0 6px; border-radius: 3px; font-size: 13px; }
.err-msg { color: #f48771; background: #3a1d1d; }
.warn-msg { color: #e2c08d; background: #3a331d; }
.caption { color: #8b949e; font: 12px sans-serif; padding: 4px 16px 10px 16px; border-top: 1px solid #333; }
</style><div class="editor">${lines.slice(0, -1).map(renderLine).join("\n")}</div>
<div class="caption">Rendered in headless Chromium from the diagnostics and inlay hints that nnspec lsp sent for this text (not a VS Code screenshot).</div>`;

const browser = await chromium.launch({ executablePath: process.env.NNSPEC_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1100, height: 200 }, deviceScaleFactor: 1 });
await page.setContent(html);
await page.screenshot({ path: OUT, fullPage: true });
await browser.close();
process.stdout.write(`${OUT}: ${diagnostics.length} diagnostics, ${hints.length} hints\n`);
