/**
 * Headless Chromium for browser tests: Debian's `chromium` driven by
 * playwright-core (nothing downloads a browser), and a static server written
 * here that serves a directory with or without the cross-origin isolation
 * headers (COOP/COEP) that give pages SharedArrayBuffer.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, relative } from "node:path";
import { chromium, type Browser, type ConsoleMessage, type Page } from "playwright-core";
import { ROOT } from "./root.js";

export const CHROMIUM = process.env["NNSPEC_CHROMIUM"] ?? "/usr/bin/chromium";
export const ARTIFACTS = join(ROOT, "test", ".artifacts");

/** Launches Chromium; fails (never skips) when it is missing, saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; the browser tests need it: apt-get install -y chromium (or set NNSPEC_CHROMIUM to its path)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".safetensors": "application/octet-stream" };

/**
 * Serves `dir` on 127.0.0.1: under /iso/ with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp` (a cross-origin isolated page), under /plain/ without.
 */
export async function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const match = /^\/(iso|plain)(\/[^?#]*)/.exec(req.url ?? "");
    const file = match ? normalize(join(dir, match[2]!)) : "";
    if (!match || !file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    if (match[1] === "iso") {
      res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    }
    res.setHeader("Content-Type", TYPES[extname(file)] ?? "application/octet-stream");
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Collects a page's console messages and errors, for assertions and for the artifacts of a failed test. */
export function recordConsole(page: Page): string[] {
  const log: string[] = [];
  page.on("console", (m: ConsoleMessage) => log.push(`[${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
  return log;
}

/**
 * Runs `body`; if it fails, saves a screenshot and the console log as test/.artifacts/NAME.png and NAME.log,
 * then rethrows, with their paths added to the message.
 */
export async function withArtifacts<T>(name: string, page: Page, log: readonly string[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, `${name}.png`);
    const saved = await page.screenshot({ path: png }).then(
      () => `screenshot ${relative(ROOT, png)}, `,
      () => "",
    );
    const logFile = join(ARTIFACTS, `${name}.log`);
    writeFileSync(logFile, `${log.join("\n")}\n\n${(err as Error).stack ?? String(err)}\n`);
    if (err instanceof Error) err.message += `\n(${saved}console log ${relative(ROOT, logFile)})`;
    throw err;
  }
}
