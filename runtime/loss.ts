import type { LabelArray, Tensor } from "./tensor.js";

/**
 * Softmax cross-entropy over logits [B][K] with integer class labels [B]
 * (values 0..K-1; float arrays must hold exact integers). Returns the mean loss over the
 * batch, computed stably as logsumexp(z) - z[label]. Writes probs [B][K]
 * (softmax of the logits) and, if dlogits is given, the gradient of the mean
 * loss: (probs - onehot) / B. probs may alias logits and dlogits may alias
 * probs (e.g. all three the same buffer). Throws on an
 * out-of-range label.
 */
export function softmaxCrossEntropy(
  logits: Tensor, // [B][K]
  labels: LabelArray, // [B] class indices
  B: number, // batch size
  K: number, // number of classes
  probs: Tensor, // [B][K], receives softmax(logits)
  dlogits: Tensor | null, // [B][K], receives d(mean loss)/d(logits), or null
): number {
  let total = 0;
  const invB = 1 / B;
  for (let r = 0; r < B; r++) {
    const o = r * K;
    const label = labelAt(labels, r, K);
    let mx = -Infinity;
    for (let j = 0; j < K; j++) {
      const v = logits[o + j]!;
      if (v > mx) mx = v;
    }
    const zl = logits[o + label]!; // read before probs (which may alias logits) is written
    let s = 0;
    for (let j = 0; j < K; j++) {
      const e = Math.exp(logits[o + j]! - mx);
      probs[o + j] = e;
      s += e;
    }
    total += mx + Math.log(s) - zl;
    const inv = 1 / s;
    for (let j = 0; j < K; j++) probs[o + j] *= inv;
    if (dlogits !== null) {
      for (let j = 0; j < K; j++) dlogits[o + j] = probs[o + j]! * invB;
      dlogits[o + label] -= invB;
    }
  }
  return B > 0 ? total * invB : 0;
}

function labelAt(labels: LabelArray, r: number, K: number): number {
  const v = labels[r]!;
  const label = v | 0;
  if (!(label >= 0 && label < K) || label !== v) {
    throw new RangeError(`softmaxCrossEntropy: label ${v} at row ${r} is not a class index in [0, ${K})`);
  }
  return label;
}

/**
 * Mean squared error over y, target [B][D]: loss = sum (y - t)^2 / (B*D).
 * If dy is given it receives 2 (y - t) / (B*D). dy may alias y.
 */
export function mse(
  y: Tensor, // prediction [B][D]
  target: Tensor, // target [B][D]
  B: number, // batch size
  D: number, // values per example
  dy: Tensor | null, // gradient [B][D], or null
): number {
  const n = B * D;
  if (n === 0) return 0;
  const inv = 1 / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i]! - target[i]!;
    s += d * d;
    if (dy !== null) dy[i] = 2 * d * inv;
  }
  return s * inv;
}

/** L2 penalty value: lambda/2 * sum over all weights of w^2. */
export function l2Penalty(weights: readonly Tensor[], lambda: number): number {
  let s = 0;
  for (let t = 0; t < weights.length; t++) {
    const w = weights[t]!;
    const n = w.length;
    for (let i = 0; i < n; i++) {
      const v = w[i]!;
      s += v * v;
    }
  }
  return 0.5 * lambda * s;
}

/** Adds the L2 penalty gradient into dw: dw += lambda * w (over w.length elements). */
export function l2Grad(w: Tensor, dw: Tensor, lambda: number): void {
  const n = w.length;
  for (let i = 0; i < n; i++) dw[i] += lambda * w[i]!;
}

/** Number of rows of logits [B][K] whose argmax (first on ties) equals the label. */
export function countCorrect(logits: Tensor, labels: LabelArray, B: number, K: number): number {
  let correct = 0;
  for (let r = 0; r < B; r++) {
    const o = r * K;
    let best = 0;
    let bv = logits[o]!;
    for (let j = 1; j < K; j++) {
      const v = logits[o + j]!;
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    if (best === labels[r]) correct++;
  }
  return correct;
}
