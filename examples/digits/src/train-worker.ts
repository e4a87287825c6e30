/**
 * Trains LeNet-5 in a Web Worker, so the page stays responsive: its own model
 * on as many kernel threads as the worker gets (nested workers sharing the
 * model's memory), Adam on shuffled batches of the bundled digits. Posts the
 * running loss and accuracy every few steps, then the held-out accuracy and
 * the trained weights (safetensors bytes, from the module's saveWeights).
 */
import { Adam } from "@nnspec/runtime";
import { parseDigits, type DigitSet } from "./digits";
import { createModelAsync, saveWeights } from "./lenet5.nnspec";
import type { TrainMessage, TrainRequest } from "./messages";

const post = (message: TrainMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

self.onmessage = async (e: MessageEvent<TrainRequest>) => {
  try {
    await train(e.data);
  } catch (err) {
    post({ type: "error", message: (err as Error).message });
  }
};

async function train(request: TrainRequest): Promise<void> {
  const { steps, batch, lr, every } = request;
  const { train, test } = parseDigits(request.digits);
  const model = await createModelAsync({ batchSize: batch, seed: 1, ...(request.threads !== undefined ? { threads: request.threads } : {}) });
  post({ type: "started", threads: model.threads, kernels: model.kernels, examples: train.n });
  const optimizer = new Adam({ lr });
  const x = new Float32Array(batch * 784);
  const labels = new Int32Array(batch);
  const order = shuffled(train.n, 1);
  const started = performance.now();
  let sumLoss = 0, correct = 0, seen = 0;
  for (let step = 1, next = 0; step <= steps; step++) {
    for (let i = 0; i < batch; i++, next++) {
      if (next === train.n) next = 0;
      const k = order[next]!;
      x.set(train.x.subarray(k * 784, (k + 1) * 784), i * 784);
      labels[i] = train.labels[k]!;
    }
    sumLoss += model.trainStep(x, labels, optimizer);
    correct += countCorrect(model.output(), labels, batch);
    seen += batch;
    if (step % every === 0 || step === steps) {
      post({ type: "progress", step, loss: sumLoss / (seen / batch), accuracy: correct / seen });
      sumLoss = correct = seen = 0;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const testAccuracy = evaluate(model, test, batch);
  const weights = saveWeights(model);
  post({ type: "done", weights, testAccuracy, seconds }, [weights.buffer]);
  model.dispose();
}

/** Held-out accuracy, in batches of at most the model's batch size. */
function evaluate(model: { forward(x: ArrayLike<number>): Float32Array }, test: DigitSet, batch: number): number {
  let correct = 0;
  for (let i = 0; i < test.n; i += batch) {
    const n = Math.min(batch, test.n - i);
    correct += countCorrect(model.forward(test.x.subarray(i * 784, (i + n) * 784)), test.labels.subarray(i, i + n), n);
  }
  return correct / test.n;
}

function countCorrect(logits: Float32Array, labels: ArrayLike<number>, n: number): number {
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
    if (best === labels[i]) correct++;
  }
  return correct;
}

/** 0 … n−1 in a seeded random order (Fisher–Yates with a small LCG). */
function shuffled(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
