import type { Kernels } from "./kernel-types.js";
import type { Tensor } from "./tensor.js";

/** Default batch-norm epsilon (PyTorch). */
export const BN_EPS = 1e-5;
/** Default running-statistics momentum (PyTorch): running = (1-m)*running + m*batch. */
export const BN_MOMENTUM = 0.1;

/*
 * Batch normalisation per channel over x [B][C][HW] (HW = H*W spatial size,
 * 1 for vectors [B][C]); statistics are taken over the B*HW values of each
 * channel. gamma, beta, runningMean, runningVar, mean, invstd are all [C].
 */

/**
 * Training forward: normalise with the batch mean and biased batch variance,
 * y = gamma * xhat + beta. Saves mean and invstd = 1/sqrt(var + eps) for
 * backward, optionally xhat, and updates the running statistics:
 *   runningMean = (1-momentum)*runningMean + momentum*mean
 *   runningVar  = (1-momentum)*runningVar  + momentum*var*n/(n-1)   (unbiased, n = B*HW)
 * y may alias x (but batchNormBackward needs the original x, so keep it).
 * y's examples may be `ys` ≥ C·HW values apart (a slice of a concat's output).
 */
export function batchNormForwardTrain(
  x: Tensor, // input [B][C][HW]
  y: Tensor, // output [B][C][HW]
  gamma: Tensor, // scale [C]
  beta: Tensor, // shift [C]
  runningMean: Tensor, // [C], updated in place
  runningVar: Tensor, // [C], updated in place
  mean: Tensor, // [C], receives the batch mean
  invstd: Tensor, // [C], receives 1/sqrt(biased batch var + eps)
  xhat: Tensor | null, // [B][C][HW], receives the normalised input, or null
  B: number, // batch size
  C: number, // channels
  HW: number, // spatial size per channel (1 for vectors)
  momentum: number = BN_MOMENTUM, // running-stat momentum
  eps: number = BN_EPS, // variance epsilon
  ys: number = C * HW, // values from one example of y to the next
): void {
  const n = B * HW;
  const cs = C * HW;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let b = 0; b < B; b++) {
      const o = b * cs + c * HW;
      for (let i = 0; i < HW; i++) s += x[o + i]!;
    }
    const mu = s / n;
    let v = 0;
    for (let b = 0; b < B; b++) {
      const o = b * cs + c * HW;
      for (let i = 0; i < HW; i++) {
        const d = x[o + i]! - mu;
        v += d * d;
      }
    }
    const varB = v / n;
    const is = 1 / Math.sqrt(varB + eps);
    mean[c] = mu;
    invstd[c] = is;
    const unbiased = n > 1 ? v / (n - 1) : varB;
    runningMean[c] = (1 - momentum) * runningMean[c]! + momentum * mu;
    runningVar[c] = (1 - momentum) * runningVar[c]! + momentum * unbiased;
    const g = gamma[c]!;
    const bt = beta[c]!;
    for (let b = 0; b < B; b++) {
      const o = b * cs + c * HW;
      const yo = b * ys + c * HW;
      if (xhat !== null) {
        for (let i = 0; i < HW; i++) {
          const h = (x[o + i]! - mu) * is;
          xhat[o + i] = h;
          y[yo + i] = g * h + bt;
        }
      } else {
        const sc = g * is;
        const sh = bt - mu * sc;
        for (let i = 0; i < HW; i++) y[yo + i] = x[o + i]! * sc + sh;
      }
    }
  }
}

/**
 * Inference forward with running statistics:
 * y = gamma * (x - runningMean) / sqrt(runningVar + eps) + beta. y may alias x.
 * y's examples may be `ys` ≥ C·HW values apart.
 */
export function batchNormForwardInfer(
  x: Tensor, // input [B][C][HW]
  y: Tensor, // output [B][C][HW]
  gamma: Tensor, // scale [C]
  beta: Tensor, // shift [C]
  runningMean: Tensor, // [C]
  runningVar: Tensor, // [C]
  B: number, // batch size
  C: number, // channels
  HW: number, // spatial size per channel
  eps: number = BN_EPS, // variance epsilon
  ys: number = C * HW, // values from one example of y to the next
): void {
  const cs = C * HW;
  for (let c = 0; c < C; c++) {
    const sc = inferenceScale(gamma, runningVar, c, eps);
    const sh = beta[c]! - runningMean[c]! * sc;
    for (let b = 0; b < B; b++) {
      const o = b * cs + c * HW;
      const yo = b * ys + c * HW;
      for (let i = 0; i < HW; i++) y[yo + i] = x[o + i]! * sc + sh;
    }
  }
}

/** Channel c's scale at inference, γ/√(var+ε); its shift is β − mean·scale. A number, not a pair: this runs per channel on every forward, which must not allocate. */
function inferenceScale(gamma: Tensor, runningVar: Tensor, c: number, eps: number): number {
  return gamma[c]! / Math.sqrt(runningVar[c]! + eps);
}

/** y = x·scale[c] + shift[c] over n examples of `channels` runs of `spatial` values (the kernel set's channelAffine); y's examples yStride apart. */
export function channelAffine(x: Tensor, y: Tensor, scale: Tensor, shift: Tensor, n: number, channels: number, spatial: number, yStride: number = channels * spatial): void {
  const skip = yStride - channels * spatial;
  for (let r = 0; r < n * channels; r++) {
    const sc = scale[r % channels]!;
    const sh = shift[r % channels]!;
    const yo = Math.floor(r / channels) * skip;
    for (let i = r * spatial; i < (r + 1) * spatial; i++) y[i + yo] = x[i]! * sc + sh;
  }
}

/**
 * Training-mode backward (batch statistics). Gradients are OVERWRITTEN:
 *   dbeta  = sum dy,   dgamma = sum dy * xhat,
 *   dx     = gamma * invstd / n * (n*dy - dbeta - xhat*dgamma)
 * xhat is recomputed from x, mean and invstd saved by batchNormForwardTrain.
 * dx may alias dy; dx must not alias x. dy's examples may be `dys` ≥ C·HW
 * values apart (a slice of a concat's output gradient); dx is packed.
 */
export function batchNormBackward(
  x: Tensor, // forward input [B][C][HW]
  dy: Tensor, // output gradient [B][C][HW]
  dx: Tensor, // input gradient [B][C][HW]
  gamma: Tensor, // scale [C]
  mean: Tensor, // saved batch mean [C]
  invstd: Tensor, // saved 1/sqrt(var+eps) [C]
  dgamma: Tensor, // [C]
  dbeta: Tensor, // [C]
  B: number, // batch size
  C: number, // channels
  HW: number, // spatial size per channel
  dys: number = C * HW, // values from one example of dy to the next
): void {
  const n = B * HW;
  const cs = C * HW;
  for (let c = 0; c < C; c++) {
    const mu = mean[c]!;
    const is = invstd[c]!;
    let sdy = 0;
    let sdyx = 0;
    for (let b = 0; b < B; b++) {
      const o = b * cs + c * HW;
      const d = b * dys + c * HW;
      for (let i = 0; i < HW; i++) {
        const g = dy[d + i]!;
        sdy += g;
        sdyx += g * (x[o + i]! - mu);
      }
    }
    const dg = sdyx * is;
    dbeta[c] = sdy;
    dgamma[c] = dg;
    const k = (gamma[c]! * is) / n;
    const mdy = sdy;
    const mxh = dg * is; // multiplies (x - mu): xhat * dgamma = (x - mu) * is * dg
    for (let b = 0; b < B; b++) {
      const o = b * cs + c * HW;
      const d = b * dys + c * HW;
      for (let i = 0; i < HW; i++) {
        dx[o + i] = k * (n * dy[d + i]! - mdy - (x[o + i]! - mu) * mxh);
      }
    }
  }
}

/**
 * Backward of the inference forward (running statistics are constants):
 * dx = dy·γ/√(runningVar+ε), dγ = Σ dy·x̂, dβ = Σ dy. dx may be null; dx may alias dy.
 * dy's examples may be `dys` ≥ C·HW values apart; dx is packed.
 */
export function batchNormBackwardInfer(
  x: Tensor, // input of the forward [B][C][HW]
  dy: Tensor, // gradient of the output [B][C][HW]
  dx: Tensor | null, // receives the gradient of the input, or null
  gamma: Tensor, // scale [C]
  runningMean: Tensor, // [C]
  runningVar: Tensor, // [C]
  dgamma: Tensor, // receives [C]
  dbeta: Tensor, // receives [C]
  B: number, // batch size
  C: number, // channels
  HW: number, // spatial size per channel (1 for vectors)
  eps: number = BN_EPS, // variance epsilon
  dys: number = C * HW, // values from one example of dy to the next
): void {
  const cs = C * HW;
  for (let c = 0; c < C; c++) {
    const mu = runningMean[c]!;
    const is = 1 / Math.sqrt(runningVar[c]! + eps);
    const scale = gamma[c]! * is;
    let sg = 0;
    let sb = 0;
    for (let b = 0; b < B; b++) {
      const o = b * cs + c * HW;
      const d = b * dys + c * HW;
      for (let i = 0; i < HW; i++) {
        const g = dy[d + i]!;
        sb += g;
        sg += g * (x[o + i]! - mu) * is;
        if (dx !== null) dx[o + i] = g * scale;
      }
    }
    dgamma[c] = sg;
    dbeta[c] = sb;
  }
}

/** A batchnorm layer's tensors and geometry, bundled once so generated code stays short. */
export interface BatchNormLayer {
  gamma: Tensor;
  beta: Tensor;
  runningMean: Tensor;
  runningVar: Tensor;
  /** Batch statistics of the last training forward: mean and 1/√(var+ε). */
  mean: Tensor;
  invstd: Tensor;
  dgamma: Tensor;
  dbeta: Tensor;
  C: number;
  HW: number;
  /** ε added to the variance; BN_EPS when absent. */
  eps?: number;
  /** Running-statistics momentum (PyTorch's meaning); BN_MOMENTUM when absent. */
  momentum?: number;
  /** Values from one example of y (forward) and of dy (backward) to the next when they are slices of a concat's output; C·HW (packed) when absent. */
  outStride?: number;
  gradStride?: number;
}

/**
 * Training (batch statistics, running statistics updated) or inference
 * (running statistics) forward. With a kernel set, inference is its
 * channelAffine (WebAssembly SIMD on threads): the per-channel scale and
 * shift go into `invstd` and `mean`, free at inference (only a training
 * forward's backward reads them, and it follows its own forward).
 */
export function batchNormForward(x: Tensor, y: Tensor, l: BatchNormLayer, B: number, training: boolean, k?: Pick<Kernels, "channelAffine">): void {
  const ys = l.outStride ?? l.C * l.HW;
  if (training) batchNormForwardTrain(x, y, l.gamma, l.beta, l.runningMean, l.runningVar, l.mean, l.invstd, null, B, l.C, l.HW, l.momentum, l.eps, ys);
  else if (k === undefined) batchNormForwardInfer(x, y, l.gamma, l.beta, l.runningMean, l.runningVar, B, l.C, l.HW, l.eps, ys);
  else {
    batchNormFold(l, null);
    k.channelAffine(x, y, l.invstd, l.mean, B, l.C, l.HW, ys);
  }
}

/**
 * Every channel's inference scale into l.invstd and shift into l.mean: the
 * batchnorm folded into the convolution before it (bias: the convolution's,
 * or null; null for a batchnorm on its own, whose channelAffine uses the
 * same two arrays): after this, conv(x)·invstd + mean is
 * batchnorm(conv(x) + bias), what the conv kernels compute with `invstd` as
 * their `scale` argument and `mean` as their bias.
 * Computed every inference forward from the current parameters and running
 * statistics (C values), so nothing is cached and nothing goes stale.
 */
export function batchNormFold(l: BatchNormLayer, bias: Tensor | null): void {
  const eps = l.eps ?? BN_EPS;
  for (let c = 0; c < l.C; c++) {
    const sc = inferenceScale(l.gamma, l.runningVar, c, eps);
    l.invstd[c] = sc;
    l.mean[c] = l.beta[c]! - l.runningMean[c]! * sc + (bias === null ? 0 : bias[c]! * sc);
  }
}

/** Backward of whichever forward ran last (`training` as it was then). */
export function batchNormBackwardLayer(x: Tensor, dy: Tensor, dx: Tensor, l: BatchNormLayer, B: number, training: boolean): void {
  const dys = l.gradStride ?? l.C * l.HW;
  if (training) batchNormBackward(x, dy, dx, l.gamma, l.mean, l.invstd, l.dgamma, l.dbeta, B, l.C, l.HW, dys);
  else batchNormBackwardInfer(x, dy, dx, l.gamma, l.runningMean, l.runningVar, l.dgamma, l.dbeta, B, l.C, l.HW, l.eps, dys);
}
