/**
 * The demo app (examples/digits/) in headless Chromium: built by Vite with its
 * own vite.config.ts, served cross-origin isolated. "train" trains LeNet-5 in
 * a Web Worker on 2 kernel threads and the loss falls; a held-out digit drawn
 * with the mouse is predicted; the page's weights and input give the logits
 * Node computes (within 1e-5); "load pretrained" fetches a weights file.
 * A failure leaves a screenshot and the console log in test/.artifacts/.
 * NNSPEC_DIGITS_SCREENSHOT=examples/digits/screenshot.png also saves the
 * trained page with its drawing there (how the README's screenshot is made).
 */
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { build as viteBuild } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDigits, type DigitSet } from "../../examples/digits/src/digits.js";
import { toMnist } from "../../examples/digits/src/mnist.js";
import { requireBuilt } from "../helpers/build.js";
import { freshDir } from "../helpers/bundler.js";
import { launchChromium, recordConsole, serveStatic, withArtifacts } from "../helpers/chromium.js";
import { loadSpec, type GeneratedModel } from "../helpers/compile.js";
import { LENET5 } from "../helpers/lenet5.js";
import { ROOT } from "../helpers/root.js";

const EXAMPLE = join(ROOT, "examples", "digits");
/** The held-out digit the test draws (the first of this label in digits.bin's held-out set). */
const DRAWN_LABEL = 3;

interface Lenet {
  info: { specHash: string };
  createModel(options?: { batchSize?: number; seed?: number; threads?: number }): GeneratedModel;
  loadWeights(model: GeneratedModel, bytes: Uint8Array | ArrayBuffer): { warnings: string[] };
  saveWeights(model: GeneratedModel): Uint8Array;
}

/** What the page exposes as `window.digits` (examples/digits/src/main.ts). */
interface PageState {
  isolated: boolean;
  threads: number;
  trained: boolean;
  testAccuracy: number;
  chart: { steps: number[]; loss: number[]; accuracy: number[] };
  prediction(): number | null;
  input(): number[] | null;
  logits(): number[] | null;
  weights(): Uint8Array;
}

let app: string;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let lenet: Lenet;
let test: DigitSet;
let pretrained: Uint8Array;

beforeAll(async () => {
  requireBuilt("browser");
  requireBuilt("runtime");
  // A copy without package.json: inside this package, so `nnspec/vite` and `nnspec/runtime` resolve to this checkout
  // (as examples/digits/node_modules/nnspec, the link `npm install` makes for "file:../..", does).
  app = freshDir("digits");
  cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|package\.json|screenshot\.png|digits\.bin|lenet5\.safetensors)$/.test(src) });
  const prep = spawnSync(process.execPath, [join(app, "scripts", "prepare.mjs"), "--no-pretrained"], { encoding: "utf8", timeout: 60_000 });
  if (prep.status !== 0) throw new Error(`prepare.mjs failed:\n${prep.stderr}`);
  test = parseDigits(readFileSync(join(app, "public", "digits.bin")).buffer as ArrayBuffer).test;

  // The "pretrained" weights: made in Node (seeded), so the page can be checked to load exactly them.
  lenet = (await loadSpec(LENET5)) as unknown as Lenet;
  const m = lenet.createModel({ batchSize: 1, seed: 5, threads: 1 });
  pretrained = lenet.saveWeights(m);
  m.dispose();
  writeFileSync(join(app, "public", "lenet5.safetensors"), pretrained);

  await viteBuild({ root: app, configFile: join(app, "vite.config.ts"), logLevel: "silent", build: { outDir: "dist", emptyOutDir: true } });
  // The build wrote src/lenet5.nnspec.d.ts (typegen: true): the app type-checks against it and nnspec's browser types.
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(app, "tsconfig.json")], { encoding: "utf8", timeout: 60_000 });
  if (tsc.status !== 0) throw new Error(`examples/digits does not type-check:\n${tsc.stdout}${tsc.stderr}`);
  server = await serveStatic(app);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (app) rmSync(app, { recursive: true, force: true }); // 6 MB: the digits and the build (a failure's screenshot and log are in test/.artifacts/)
});

const state = (page: Page) => page.evaluate(() => {
  const d = (globalThis as unknown as { digits: PageState }).digits;
  return { isolated: d.isolated, threads: d.threads, trained: d.trained, testAccuracy: d.testAccuracy, chart: d.chart, prediction: d.prediction(), input: d.input(), logits: d.logits() };
});

/** The page model's weights (its saveWeights bytes), carried out of the page as base64. */
async function pageWeights(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(() => {
    const bytes = (globalThis as unknown as { digits: PageState }).digits.weights();
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  });
  return Buffer.from(base64, "base64");
}

async function open(page: Page, query: string): Promise<void> {
  await page.goto(`${server.url}/iso/dist/index.html${query}`);
  await page.waitForSelector("body[data-ready]", { timeout: 20_000 });
}

/** Draws a 28×28 digit on the 280×280 pad: each row's run of inked pixels (> 0.5) as one mouse stroke. */
async function drawDigit(page: Page, pixels: Float32Array): Promise<void> {
  const box = (await page.locator("#pad").boundingBox())!;
  const cell = box.width / 28;
  const at = (i: number) => box.x + (i + 0.5) * cell;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (pixels[y * 28 + x]! <= 0.5) continue;
      let end = x;
      while (end + 1 < 28 && pixels[y * 28 + end + 1]! > 0.5) end++;
      await page.mouse.move(at(x), box.y + (y + 0.5) * cell);
      await page.mouse.down();
      await page.mouse.move(at(end) + 1, box.y + (y + 0.5) * cell, { steps: 2 });
      await page.mouse.up();
      x = end;
    }
  }
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe("examples/digits in headless Chromium", () => {
  it("its spec is specs/lenet5.nnspec (the pretrained weights and this test rely on it)", () => {
    expect(readFileSync(join(EXAMPLE, "src", "lenet5.nnspec"), "utf8")).toBe(LENET5);
  });

  it("a drawing becomes an MNIST-like input: an MNIST digit drawn 10× larger comes back close to itself", () => {
    for (let k = 0; k < 20; k++) {
      const digit = test.x.subarray(k * 784, (k + 1) * 784);
      const big = new Float32Array(280 * 280).map((_, i) => digit[Math.floor(i / 2800) * 28 + Math.floor((i % 280) / 10)]!);
      const back = toMnist(big, 280, 280)!;
      expect(mean(Array.from(back, (v, i) => Math.abs(v - digit[i]!)))).toBeLessThan(0.04);
    }
    expect(toMnist(new Float32Array(280 * 280), 280, 280)).toBeNull();
  });

  it("trains in a Web Worker on 2 threads (the loss falls), predicts a drawn digit, and gives Node's logits", async () => {
    const page = await browser.newPage();
    const log = recordConsole(page);
    await withArtifacts("digits-train", page, log, async () => {
      await open(page, "?steps=300&threads=2");
      await page.click("#train");
      await page.waitForFunction(() => (globalThis as unknown as { digits: PageState }).digits.trained, undefined, { timeout: 90_000 });
      const trained = await state(page);
      expect(trained.isolated).toBe(true);
      expect(trained.threads).toBe(2);
      expect(trained.chart.steps.at(-1)).toBe(300);
      const { loss } = trained.chart;
      expect(mean(loss.slice(-3))).toBeLessThan(mean(loss.slice(0, 3)) * 0.5);
      expect(trained.testAccuracy).toBeGreaterThan(0.8);

      const k = Array.from(test.labels).indexOf(DRAWN_LABEL);
      await drawDigit(page, test.x.subarray(k * 784, (k + 1) * 784));
      await page.waitForFunction(() => (globalThis as unknown as { digits: PageState }).digits.prediction() !== null);
      const drawn = await state(page);
      expect(drawn.prediction).toBe(DRAWN_LABEL);
      expect(await page.locator(".fill.best").count()).toBe(1);

      // The page's weights and input, run in Node: the same logits.
      const model = lenet.createModel({ batchSize: 1, threads: 1 });
      expect(lenet.loadWeights(model, await pageWeights(page)).warnings).toEqual([]);
      const nodeLogits = Array.from(model.forward(drawn.input!));
      model.dispose();
      expect(drawn.logits).toHaveLength(10);
      expect(Math.max(...drawn.logits!.map((v, i) => Math.abs(v - nodeLogits[i]!)))).toBeLessThanOrEqual(1e-5);
      expect(log.filter((l) => /^\[(error|pageerror|warning)\]/.test(l))).toEqual([]);
      const shot = process.env["NNSPEC_DIGITS_SCREENSHOT"];
      if (shot) await page.screenshot({ path: resolve(ROOT, shot), clip: { x: 0, y: 0, width: 1120, height: 470 } });
    });
    await page.close();
  });

  it("load pretrained: fetches lenet5.safetensors into the page's model", async () => {
    const page = await browser.newPage();
    const log = recordConsole(page);
    await withArtifacts("digits-pretrained", page, log, async () => {
      await open(page, "");
      await page.click("#pretrained");
      await page.waitForFunction(() => /pretrained weights loaded/.test(document.getElementById("status")!.textContent ?? ""), undefined, { timeout: 20_000 });
      expect((await pageWeights(page)).equals(Buffer.from(pretrained))).toBe(true);
    });
    await page.close();
  });
});
