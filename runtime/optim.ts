import { atLeast, check, halfOpen, oneOf, readOptions, wholeNumber, type OptionSpec } from "./options.js";
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

/*
 * Options are checked (an OptionError names the one that is wrong): learning
 * rates and weight decay are finite and ≥ 0, momentum and the betas in
 * [0, 1), eps > 0; a name not listed here is refused.
 */
export interface SGDOptions {
  lr: number; // learning rate, ≥ 0
  weightDecay?: number; // L2 coefficient added to the gradient (g += wd*p), ≥ 0, default 0
}

export interface MomentumOptions {
  lr: number; // learning rate, ≥ 0
  momentum?: number; // in [0, 1), default 0.9
  weightDecay?: number; // ≥ 0, default 0
}

export interface AdamOptions {
  lr?: number; // ≥ 0, default 1e-3
  beta1?: number; // in [0, 1), default 0.9
  beta2?: number; // in [0, 1), default 0.999
  eps?: number; // > 0, default 1e-8
  weightDecay?: number; // L2 coefficient added to the gradient (not AdamW), ≥ 0, default 0
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

const LR = atLeast(0);
const DECAY = atLeast(0);
const FRACTION = halfOpen(0, 1);
const STEP_COUNT = wholeNumber(0);

/**
 * The hyperparameters of an optimizer, checked when it is built and on every
 * later assignment (a schedule setting `lr`), so a NaN, an infinity or an
 * out-of-range value never reaches the parameters.
 */
abstract class Hyperparameters {
  /** The checked values; step() reads them here, not through the accessors (a getter's double return would allocate). */
  protected readonly values: Record<string, number>;
  protected constructor(
    private readonly what: string,
    options: unknown,
    private readonly spec: Record<string, OptionSpec<number>>,
  ) {
    this.values = readOptions(what, options, spec) as Record<string, number>;
  }
  /** Learning rate (≥ 0). */
  declare lr: number;
  /** L2 coefficient added to the gradient (≥ 0). */
  declare weightDecay: number;
  /** A getter and a checking setter on `cls.prototype` for each name. */
  protected static accessors(cls: { prototype: Hyperparameters }, names: readonly string[]): void {
    for (const name of names) {
      Object.defineProperty(cls.prototype, name, {
        get(this: Hyperparameters): number {
          return this.values[name]!;
        },
        set(this: Hyperparameters, value: unknown) {
          this.values[name] = check(this.what, name, value, this.spec[name]!.rule);
        },
        configurable: true,
      });
    }
  }
  static {
    Hyperparameters.accessors(this, ["lr", "weightDecay"]);
  }
}

/** Plain SGD: p -= lr * (g + wd*p). */
export class SGD extends Hyperparameters implements Optimizer {
  constructor(opts: SGDOptions) {
    super("SGD", opts, { lr: { rule: LR, required: true }, weightDecay: { rule: DECAY, default: 0 } });
  }
  step(params: Record<string, Tensor>, grads: Record<string, Tensor>): void {
    const { lr, weightDecay: wd } = this.values as { lr: number; weightDecay: number };
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
export class Momentum extends Hyperparameters implements Optimizer {
  /** Velocity buffer per parameter name (same element type as the parameter). */
  readonly velocity = new Map<string, Tensor>();
  constructor(opts: MomentumOptions) {
    super("Momentum", opts, { lr: { rule: LR, required: true }, momentum: { rule: FRACTION, default: 0.9 }, weightDecay: { rule: DECAY, default: 0 } });
  }
  /** Momentum coefficient, in [0, 1). */
  declare momentum: number;
  static {
    Hyperparameters.accessors(this, ["momentum"]);
  }
  step(params: Record<string, Tensor>, grads: Record<string, Tensor>): void {
    const { lr, momentum: mu, weightDecay: wd } = this.values as { lr: number; momentum: number; weightDecay: number };
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
export class Adam extends Hyperparameters implements Optimizer {
  /** First-moment buffer per parameter name. */
  readonly m = new Map<string, Tensor>();
  /** Second-moment buffer per parameter name. */
  readonly v = new Map<string, Tensor>();
  private steps = 0;
  constructor(opts: AdamOptions = {}) {
    super("Adam", opts, {
      lr: { rule: LR, default: 1e-3 },
      beta1: { rule: FRACTION, default: 0.9 },
      beta2: { rule: FRACTION, default: 0.999 },
      eps: { rule: atLeast(0, true), default: 1e-8 },
      weightDecay: { rule: DECAY, default: 0 },
    });
  }
  declare beta1: number;
  declare beta2: number;
  declare eps: number;
  static {
    Hyperparameters.accessors(this, ["beta1", "beta2", "eps"]);
  }
  /** Number of completed steps (restored from a checkpoint: a whole number ≥ 0). */
  get t(): number {
    return this.steps;
  }
  set t(value: number) {
    this.steps = check("Adam", "t", value, STEP_COUNT);
  }
  step(params: Record<string, Tensor>, grads: Record<string, Tensor>): void {
    this.steps++;
    const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd } = this.values as { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };
    const bc1 = 1 - Math.pow(b1, this.steps);
    const bc2 = 1 - Math.pow(b2, this.steps);
    const stepSize = lr / bc1;
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
  check("createOptimizer", "name", name, OPTIMIZER_NAMES);
  const rate = lr ?? DEFAULT_LR[name];
  switch (name) {
    case "sgd":
      return new SGD({ lr: rate });
    case "momentum":
      return new Momentum({ lr: rate });
    case "adam":
      return new Adam({ lr: rate });
  }
}

const OPTIMIZER_NAMES = oneOf<OptimizerName>(["sgd", "momentum", "adam"]);
