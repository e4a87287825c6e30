/** Scoring a model on a data set, shared by `train` (after every epoch) and `eval`. */
import { countCorrect, l2Penalty, type Batches, type Dataset, type Tensor } from "../runtime/index.js";
import type { RunnableModel } from "./load-model.js";

export interface Evaluation {
  loss: number;
  accuracy: number | null;
}

/** Mean loss and accuracy over a data set, in inference mode. */
export function evaluate(model: RunnableModel, data: Dataset, batches: Batches, classes: number, l2: number, confusion?: Int32Array): Evaluation {
  const steps = evaluationSteps(model, data, batches, classes, l2, confusion);
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

/** The same, batch by batch: yields after each batch, returns the result (so a caller can stop between batches). */
export function* evaluationSteps(model: RunnableModel, data: Dataset, batches: Batches, classes: number, l2: number, confusion?: Int32Array): Generator<void, Evaluation> {
  const steps = batches.epoch(0);
  // The data loss alone: `loss` adds λ/2·Σw² over the weights, which is the same for every batch.
  const penalty = l2 > 0 ? l2Penalty(Object.entries(model.params).filter(([k]) => k.endsWith(".weight")).map(([, w]) => w), l2) : 0;
  let sum = 0;
  let correct = 0;
  for (let s = 0; s < steps; s++) {
    const b = batches.batch(s);
    const out = model.forward(b.x);
    sum += (model.loss(b.y) - penalty) * b.n;
    if (classes) {
      correct += countCorrect(out, b.y, b.n, classes);
      if (confusion) for (let i = 0; i < b.n; i++) confusion[b.y[i]! * classes + argmax(out, i * classes, classes)]! += 1;
    }
    yield;
  }
  return { loss: sum / Math.max(1, data.n), accuracy: classes ? correct / Math.max(1, data.n) : null };
}

export function argmax(a: Tensor, offset: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[offset + j]! > a[offset + best]!) best = j;
  return best;
}
