import type { Tensor } from "./tensor.js";

/**
 * An optimizer updates every params[name] in place from grads[name].
 * Every key of params must have a gradient of the same length in grads.
 * Per-parameter state buffers are allocated on the first step that sees a
 * name and reused afterwards (steady-state steps allocate nothing).
 */
export interface Optimizer {
  step(params: Record<string, Tensor>, grads: Record<string, Tensor>): void;
}

export interface SGDOptions {
  lr: number; // learning rate
  weightDecay?: number; // L2 coefficient added to the gradient (g += wd*p), default 0
}

export interface MomentumOptions {
  lr: number; // learning rate
  momentum?: number; // default 0.9
  weightDecay?: number; // default 0
}

export interface AdamOptions {
  lr?: number; // default 1e-3
  beta1?: number; // default 0.9
  beta2?: number; // default 0.999
  eps?: number; // default 1e-8
  weightDecay?: number; // L2 coefficient added to the gradient (not AdamW), default 0
}

function gradFor(grads: Record<string, Tensor>, name: string, p: Tensor): Tensor {
  const g = grads[name];
  if (g === undefined) throw new Error(`optimizer: no gradient for parameter "${name}"`);
  if (g.length !== p.length) {
    throw new Error(`optimizer: gradient "${name}" has ${g.length} elements, parameter has ${p.length}`);
  }
  return g;
}

function stateFor(store: Map<string, Tensor>, name: string, p: Tensor): Tensor {
  let s = store.get(name);
  if (s === undefined || s.length !== p.length) {
    s = p instanceof Float32Array ? new Float32Array(p.length) : new Float64Array(p.length);
    store.set(name, s);
  }
  return s;
}

/** Plain SGD: p -= lr * (g + wd*p). */
export class SGD implements Optimizer {
  lr: number;
  weightDecay: number;
  constructor(opts: SGDOptions) {
    this.lr = opts.lr;
    this.weightDecay = opts.weightDecay ?? 0;
  }
  step(params: Record<string, Tensor>, grads: Record<string, Tensor>): void {
    const lr = this.lr;
    const wd = this.weightDecay;
    for (const name in params) {
      const p = params[name]!;
      const g = gradFor(grads, name, p);
      const n = p.length;
      if (wd === 0) {
        for (let i = 0; i < n; i++) p[i] -= lr * g[i]!;
      } else {
        for (let i = 0; i < n; i++) p[i] -= lr * (g[i]! + wd * p[i]!);
      }
    }
  }
}

/** SGD with momentum, PyTorch form: v = mu*v + g (g += wd*p first); p -= lr*v. */
export class Momentum implements Optimizer {
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Velocity buffer per parameter name (same element type as the parameter). */
  readonly velocity = new Map<string, Tensor>();
  constructor(opts: MomentumOptions) {
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0.9;
    this.weightDecay = opts.weightDecay ?? 0;
  }
  step(params: Record<string, Tensor>, grads: Record<string, Tensor>): void {
    const lr = this.lr;
    const mu = this.momentum;
    const wd = this.weightDecay;
    for (const name in params) {
      const p = params[name]!;
      const g = gradFor(grads, name, p);
      const v = stateFor(this.velocity, name, p);
      const n = p.length;
      for (let i = 0; i < n; i++) {
        const vi = mu * v[i]! + g[i]! + wd * p[i]!;
        v[i] = vi;
        p[i] -= lr * vi;
      }
    }
  }
}

/**
 * Adam with bias correction (PyTorch semantics, eps added after the square root):
 *   m = b1*m + (1-b1)*g,  v = b2*v + (1-b2)*g^2,  t += 1 per step() call,
 *   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 */
export class Adam implements Optimizer {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Number of completed steps. */
  t = 0;
  /** First-moment buffer per parameter name. */
  readonly m = new Map<string, Tensor>();
  /** Second-moment buffer per parameter name. */
  readonly v = new Map<string, Tensor>();
  constructor(opts: AdamOptions = {}) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }
  step(params: Record<string, Tensor>, grads: Record<string, Tensor>): void {
    this.t++;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const eps = this.eps;
    const wd = this.weightDecay;
    const bc1 = 1 - Math.pow(b1, this.t);
    const bc2 = 1 - Math.pow(b2, this.t);
    const stepSize = this.lr / bc1;
    const invSqrtBc2 = 1 / Math.sqrt(bc2);
    for (const name in params) {
      const p = params[name]!;
      const g = gradFor(grads, name, p);
      const m = stateFor(this.m, name, p);
      const v = stateFor(this.v, name, p);
      const n = p.length;
      for (let i = 0; i < n; i++) {
        const gi = g[i]! + wd * p[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
      }
    }
  }
}

export type OptimizerName = "sgd" | "momentum" | "adam";

/** Default learning rates used by createOptimizer when lr is omitted. */
export const DEFAULT_LR: Readonly<Record<OptimizerName, number>> = { sgd: 0.01, momentum: 0.01, adam: 1e-3 };

/** Factory: "sgd" -> SGD, "momentum" -> Momentum (0.9), "adam" -> Adam (defaults). */
export function createOptimizer(name: OptimizerName, lr?: number): Optimizer {
  const rate = lr ?? DEFAULT_LR[name];
  switch (name) {
    case "sgd":
      return new SGD({ lr: rate });
    case "momentum":
      return new Momentum({ lr: rate });
    case "adam":
      return new Adam({ lr: rate });
    default:
      throw new Error(`createOptimizer: unknown optimizer "${String(name)}"`);
  }
}
