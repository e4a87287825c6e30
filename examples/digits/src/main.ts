/**
 * The page: a drawing pad whose 28×28 input LeNet-5 classifies on every
 * stroke (the page's own model, one kernel thread: one example is quick), a
 * "train" button that trains a model in a Web Worker and loads its weights
 * here, and "load pretrained" (weights fetched from lenet5.safetensors).
 * URL parameters: steps (default 600), threads (default: what the worker gets),
 * batch (32), lr (0.002).
 */
import { ProbabilityBars } from "./bars";
import { LineChart } from "./chart";
import { createModelAsync, info, loadWeights, saveWeights } from "./lenet5.nnspec";
import type { TrainMessage, TrainRequest } from "./messages";
import { DrawingPad } from "./pad";

const params = new URLSearchParams(location.search);
/** A positive number from the URL, or the fallback when it is absent or not one. */
const number = (name: string, fallback: number) => {
  const value = Number(params.get(name) ?? NaN);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const settings = { steps: number("steps", 600), threads: params.has("threads") ? number("threads", 1) : undefined, batch: number("batch", 32), lr: number("lr", 0.002) };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($("status").textContent = text);

const model = await createModelAsync({ batchSize: 1, threads: 1 });
const bars = new ProbabilityBars($("bars"));
const chart = new LineChart($<HTMLCanvasElement>("chart"));
let input: Float32Array | null = null;
let prediction: number | null = null;
let scheduled = false;

function predict(): void {
  scheduled = false;
  input = pad.input();
  if (!input) {
    prediction = null;
    bars.show(null);
    return;
  }
  const p = model.predict(input);
  prediction = p.indexOf(Math.max(...p));
  bars.show(p);
}
const pad = new DrawingPad($<HTMLCanvasElement>("pad"), () => {
  if (!scheduled) requestAnimationFrame(predict);
  scheduled = true;
});
$("clear").onclick = () => pad.clear();

const digits = fetch("digits.bin").then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`HTTP ${r.status} (run \`npm run prepare-data\`)`))));
digits.catch(() => {}); // reported when "train" is clicked

const trainButton = $<HTMLButtonElement>("train");
trainButton.onclick = async () => {
  trainButton.disabled = true;
  chart.reset();
  state.trained = false;
  status("loading the digits…");
  const worker = new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module" });
  const finish = (text: string) => {
    status(text);
    worker.terminate();
    trainButton.disabled = false;
  };
  worker.onerror = (e) => finish(`the training worker failed: ${e.message}`);
  worker.onmessage = (e: MessageEvent<TrainMessage>) => {
    const m = e.data;
    if (m.type === "done") {
      loadWeights(model, m.weights, { source: "the trained weights" });
      state.trained = true;
      state.testAccuracy = m.testAccuracy;
      finish(`trained ${settings.steps} steps in ${m.seconds.toFixed(1)} s; held-out accuracy ${(100 * m.testAccuracy).toFixed(1)}%. Draw a digit!`);
      predict();
    } else if (m.type === "error") finish(`training failed: ${m.message}`);
    else showProgress(m);
  };
  try {
    const request: TrainRequest = { digits: await digits, ...settings, every: 10 };
    worker.postMessage(request);
  } catch (err) {
    finish(`cannot load digits.bin: ${(err as Error).message}`);
  }
};

function showProgress(m: Extract<TrainMessage, { type: "started" | "progress" }>): void {
  if (m.type === "started") {
    state.threads = m.threads;
    $("threads").textContent = `${m.threads} thread${m.threads === 1 ? "" : "s"} (${m.kernels})`;
    status(`training on ${m.examples} digits…`);
  } else {
    chart.add(m.step, m.loss, m.accuracy);
    status(`step ${m.step} of ${settings.steps}: loss ${m.loss.toFixed(3)}, accuracy ${(100 * m.accuracy).toFixed(1)}%`);
  }
}

$("pretrained").onclick = async () => {
  try {
    const response = await fetch("lenet5.safetensors");
    if (!response.ok) throw new Error(`HTTP ${response.status} (run \`npm run prepare-data\`)`);
    loadWeights(model, await response.arrayBuffer(), { source: "lenet5.safetensors" });
    status("pretrained weights loaded (lenet5.safetensors). Draw a digit!");
    predict();
  } catch (err) {
    status(`cannot load lenet5.safetensors: ${(err as Error).message}`);
  }
};

/** For the browser test (test/browser/digits.test.ts) and the curious: what the page shows, as data. */
const state = {
  settings,
  isolated: globalThis.crossOriginIsolated,
  threads: 0,
  trained: false,
  testAccuracy: NaN,
  chart: chart.data,
  prediction: () => prediction,
  input: () => (input ? Array.from(input) : null),
  logits: () => (input ? Array.from(model.forward(input)) : null),
  weights: () => saveWeights(model),
  specHash: info.specHash,
};
Object.assign(globalThis, { digits: state });
$("isolated").textContent = state.isolated ? "yes" : "no (1 thread)";
status("ready: train the model, or load the pretrained weights");
document.body.dataset["ready"] = "true";
