/**
 * A compiled LeNet-5 in a real browser (headless Chromium): a page bundled
 * with esbuild from the generated module and `nnspec/runtime`, served with
 * and without cross-origin isolation. Isolated, createModelAsync runs the
 * kernels on 2 Web Worker threads and training lowers the loss; weights
 * fetched as bytes give the logits Node computes (within 1e-5). Not
 * isolated, it runs on 1 thread and warns once. A page built by Vite finds
 * kernels.wasm and the kernel worker by itself. A failing test leaves a
 * screenshot and the console log in test/.artifacts/.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { build as viteBuild } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SGD, encodeWeights, loadWeights } from "../../runtime/index.js";
import { requireBuilt } from "../helpers/build.js";
import { bundleForBrowser, writeLenet5 } from "../helpers/browser-bundle.js";
import { launchChromium, recordConsole, serveStatic, withArtifacts } from "../helpers/chromium.js";
import { TMP, loadSpec, type GeneratedModule } from "../helpers/compile.js";
import { lenetBatch } from "../helpers/lenet5.js";
import { ROOT } from "../helpers/root.js";

/** The page's script: runs in the browser, called through `window.nnspecRun`. */
const PAGE = `
import { createModel, createModelAsync, info } from "./lenet5.ts";
import { SGD, loadWeights } from "nnspec/runtime";

globalThis.nnspecRun = async ({ threads, x, labels, steps }) => {
  const model = await createModelAsync({ batchSize: 16, seed: 1, threads });
  const input = Float32Array.from(x);
  const optimizer = new SGD({ lr: 0.05 });
  const losses = [];
  for (let i = 0; i < steps; i++) losses.push(model.trainStep(input, labels, optimizer));
  const bytes = await (await fetch("weights.safetensors")).arrayBuffer();
  loadWeights(bytes, model, info, { source: "weights.safetensors" });
  const logits = Array.from(model.forward(input));
  let syncError = null;
  try { createModel({ threads: 2 }); } catch (e) { syncError = e.message; }
  const result = { threads: model.threads, kernels: model.kernels, losses, logits, isolated: globalThis.crossOriginIsolated, syncError };
  model.dispose();
  return result;
};
globalThis.nnspecInWorker = (args) => new Promise((resolve, reject) => {
  const worker = new Worker(new URL("./model-worker.js", import.meta.url), { type: "module" });
  worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
  worker.onerror = (e) => reject(new Error("model worker: " + e.message));
  worker.postMessage(args);
});
document.title = "ready";
`;

/** A Web Worker that owns a model (docs/browser.md's way to train without holding up the page). */
const MODEL_WORKER = `
import { createModelAsync } from "./lenet5.ts";
import { SGD } from "nnspec/runtime";

self.onmessage = async (e) => {
  const { x, labels, steps } = e.data;
  const model = await createModelAsync({ batchSize: 16, seed: 1, threads: 2 });
  const optimizer = new SGD({ lr: 0.05 });
  const losses = [];
  for (let i = 0; i < steps; i++) losses.push(model.trainStep(Float32Array.from(x), labels, optimizer));
  self.postMessage({ threads: model.threads, losses });
  model.dispose();
};
`;

const HTML = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>loading</title></head>
<body><p>nnspec browser test</p><script type="module" src="app/page.js"></script></body></html>`;

const DIR = join(TMP, "chromium");
const BATCH = lenetBatch(16);
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let nodeLogits: number[];

beforeAll(async () => {
  requireBuilt("browser");
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(join(DIR, "app"), { recursive: true });
  mkdirSync(join(DIR, "wasm"), { recursive: true });
  const lenet = await writeLenet5(join(DIR, "src"));
  // page.js sits in app/: the runtime's new URL("../wasm/…", import.meta.url) point at wasm/.
  const page = await bundleForBrowser({ contents: PAGE.replace("./lenet5.ts", lenet), resolveDir: ROOT });
  writeFileSync(join(DIR, "app", "page.js"), page.code);
  const modelWorker = await bundleForBrowser({ contents: MODEL_WORKER.replace("./lenet5.ts", lenet), resolveDir: ROOT });
  writeFileSync(join(DIR, "app", "model-worker.js"), modelWorker.code);
  writeFileSync(join(DIR, "wasm", "worker.js"), (await bundleForBrowser({ file: join(ROOT, "dist", "runtime", "wasm", "worker.js") })).code);
  copyFileSync(join(ROOT, "dist", "runtime", "wasm", "kernels.wasm"), join(DIR, "wasm", "kernels.wasm"));
  writeFileSync(join(DIR, "index.html"), HTML);
  await buildViteApp(lenet);

  // Weights made in Node (seeded, then trained a little so they are not just an initialisation), and Node's logits for them.
  const mod: GeneratedModule = await loadSpec((await import("../helpers/lenet5.js")).LENET5);
  const source = mod.createModel({ batchSize: 16, seed: 42, threads: 1 });
  for (let i = 0; i < 3; i++) source.trainStep(BATCH.x, BATCH.labels, new SGD({ lr: 0.01 }));
  const bytes = encodeWeights(source, mod.info as never);
  writeFileSync(join(DIR, "weights.safetensors"), bytes);
  const check = mod.createModel({ batchSize: 16, seed: 7, threads: 1 });
  loadWeights(bytes, check, mod.info as never);
  nodeLogits = Array.from(check.forward(BATCH.x));
  source.dispose();
  check.dispose();

  server = await serveStatic(DIR);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A Vite app (vite/out/) whose page creates LeNet-5 on 2 threads and shows the count in its title. */
async function buildViteApp(lenet: string): Promise<void> {
  const root = join(DIR, "vite");
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "index.html"), '<!doctype html><html><head><link rel="icon" href="data:,"></head><body><script type="module" src="./main.ts"></script></body></html>');
  writeFileSync(
    join(root, "main.ts"),
    `import { createModelAsync } from ${JSON.stringify(lenet.replace(/\.ts$/, ".js"))};\n` +
      'createModelAsync({ threads: 2 }).then((m) => { document.title = "threads " + m.threads; }, (e) => { document.title = "failed: " + e.message; });\n',
  );
  await viteBuild({ root, base: "./", logLevel: "silent", configFile: false, build: { outDir: "out", emptyOutDir: true } });
}

interface PageResult {
  threads: number;
  kernels: string;
  losses: number[];
  logits: number[];
  isolated: boolean;
  syncError: string | null;
}

/** Opens the page under /iso/ or /plain/ and runs the model there. */
async function runInPage(page: Page, mode: "iso" | "plain", threads: number, steps: number): Promise<PageResult> {
  await page.goto(`${server.url}/${mode}/index.html`);
  await page.waitForFunction(() => document.title === "ready", undefined, { timeout: 20_000 });
  const args = { threads, x: Array.from(BATCH.x), labels: BATCH.labels, steps };
  return page.evaluate((a) => (globalThis as unknown as { nnspecRun(a: unknown): Promise<PageResult> }).nnspecRun(a), args);
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

describe("LeNet-5 in headless Chromium", () => {
  it("cross-origin isolated: 2 threads, training lowers the loss, fetched weights give Node's logits", async () => {
    const page = await browser.newPage();
    const log = recordConsole(page);
    await withArtifacts("chromium-isolated", page, log, async () => {
      const r = await runInPage(page, "iso", 2, 30);
      expect(r.isolated).toBe(true);
      expect(r.kernels).toBe("wasm");
      expect(r.threads).toBe(2);
      expect(r.losses.every(Number.isFinite)).toBe(true);
      expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]! * 0.8);
      expectClose(r.logits, nodeLogits, 1e-5);
      expect(r.syncError).toMatch(/2 threads in a browser need createModelAsync/);
      expect(log.filter((l) => l.startsWith("[error]") || l.startsWith("[pageerror]") || l.startsWith("[warning]"))).toEqual([]);
    });
    await page.close();
  });

  it("in a Web Worker (which may block): 2 kernel threads, training lowers the loss", async () => {
    const page = await browser.newPage();
    const log = recordConsole(page);
    await withArtifacts("chromium-web-worker", page, log, async () => {
      await page.goto(`${server.url}/iso/index.html`);
      await page.waitForFunction(() => document.title === "ready", undefined, { timeout: 20_000 });
      const args = { x: Array.from(BATCH.x), labels: BATCH.labels, steps: 30 };
      const r = await page.evaluate((a) => (globalThis as unknown as { nnspecInWorker(a: unknown): Promise<{ threads: number; losses: number[] }> }).nnspecInWorker(a), args);
      expect(r.threads).toBe(2);
      expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]! * 0.8);
    });
    await page.close();
  });

  it("built by Vite: kernels.wasm and the worker are in the build, and the model starts on 2 threads", async () => {
    const page = await browser.newPage();
    const log = recordConsole(page);
    await withArtifacts("chromium-vite", page, log, async () => {
      await page.goto(`${server.url}/iso/vite/out/index.html`);
      await page.waitForFunction(() => document.title !== "", undefined, { timeout: 20_000 });
      expect(await page.title()).toBe("threads 2");
    });
    await page.close();
  });

  it("not isolated: 1 thread, one warning, the same logits", async () => {
    const page = await browser.newPage();
    const log = recordConsole(page);
    await withArtifacts("chromium-not-isolated", page, log, async () => {
      const r = await runInPage(page, "plain", 2, 5);
      expect(r.isolated).toBe(false);
      expect(r.threads).toBe(1);
      expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]!);
      expectClose(r.logits, nodeLogits, 1e-5);
      // A second model on the same page does not warn again.
      const again = await page.evaluate(() => (globalThis as unknown as { nnspecRun(a: unknown): Promise<PageResult> }).nnspecRun({ threads: 2, x: [], labels: [], steps: 0 }).catch((e: Error) => e.message));
      expect(again).toMatch(/forward: expected a multiple of 784 values/); // ran (on 1 thread) up to the forward of an empty batch
      const warnings = log.filter((l) => l.startsWith("[warning]"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/runs its WebAssembly kernels on 1 thread: SharedArrayBuffer is unavailable/);
    });
    await page.close();
  });
});
