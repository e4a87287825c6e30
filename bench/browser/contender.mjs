// One contender of the browser benchmark, alone in a dedicated Web Worker of
// the page (its own instance of its library, so each library can run at two
// thread counts side by side: ORT Web and TF.js's WASM backend fix their
// thread pool once per instance). Messages from page.mjs:
//   setup   → builds the model, runs one step and answers { type: "ready", info, output }
//             (the logits of that forward, or the loss of that first training
//             step, for the agreement check), then warms up;
//   measure → times steps for ≥ `seconds` and answers { type: "result", … };
//   quit    → releases the model and answers { type: "done" }.
import { classifyError, timeSteps } from "../runners/timing.mjs";

const LIBRARIES = { nnspec: () => import("./nnspec.mjs"), "tfjs-cpu": () => import("./tfjs.mjs"), "tfjs-wasm": () => import("./tfjs.mjs"), ort: () => import("./ort.mjs") };

/** The bytes of a file prepared by browser.mjs (weights, ONNX model) next to the app: ../data/NAME. */
const fetchData = async (name) => {
  const res = await fetch(new URL(`../data/${name}`, self.location.href));
  if (!res.ok) throw new Error(`fetching data/${name}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
};

let contender;
let batch = 0;

async function setup(m) {
  batch = m.batch;
  contender = await (await LIBRARIES[m.runner]()).setup({ ...m, fetchData });
  const first = await contender.step();
  const output = typeof first === "number" ? first : Array.from(first);
  await timeSteps(contender.step, m.warmup, batch);
  return { type: "ready", info: contender.info, output };
}

self.onmessage = async ({ data: m }) => {
  let reply;
  try {
    if (m.type === "setup") reply = await setup(m);
    else if (m.type === "measure") reply = { type: "result", ...(await timeSteps(contender.step, m.seconds, batch)) };
    else {
      await contender?.close?.();
      reply = { type: "done" };
    }
  } catch (e) {
    reply = { type: "error", error: classifyError(m.runner ?? "", m.mode ?? "", e) };
  }
  self.postMessage(reply);
};
