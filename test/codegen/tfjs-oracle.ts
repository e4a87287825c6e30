/**
 * The TF.js oracle of each layer kind: how the cross-check builds the same
 * layer from TF.js's own operators (CPU backend, float32), so TF.js's autodiff
 * gives the reference gradients. Keyed by kind, like the registry; a test in
 * tfjs-crosscheck.test.ts fails when a registered kind has no rule here.
 * Test-only: the compiler never imports TF.js.
 *
 * Image tensors are NHWC inside TF.js; nnspec's NCHW input is transposed on
 * entry, and back to NCHW before `flatten` (C, H, W order).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { LayerNode } from "../../compiler/index.js";

export interface OracleEnv {
  params: Record<string, tf.Tensor>;
  /** Running statistics (inference-mode batchnorm). */
  buffers: Record<string, Float32Array>;
  training: boolean;
  /** Running statistics after a training step, per batchnorm layer, filled in training mode. */
  updated: Record<string, Float32Array>;
  /** Parameter names the graph read. */
  used: Set<string>;
}

export type Oracle = (n: LayerNode, x: tf.Tensor, env: OracleEnv) => tf.Tensor;

function param(env: OracleEnv, name: string): tf.Tensor {
  const p = env.params[name];
  if (!p) throw new Error(`no parameter ${name}`);
  env.used.add(name);
  return p;
}

/** Pads for a window layer: symmetric P, plus extra bottom/right rows so that ceil-mode windows fit. */
function windowPads(n: LayerNode): [number, number][] {
  const a = n.attrs as { kernel: [number, number]; stride: [number, number]; pad: [number, number] };
  const extra = (i: 0 | 1) => Math.max(0, (n.output[i + 1]! - 1) * a.stride[i] + a.kernel[i] - (n.input[i + 1]! + 2 * a.pad[i]));
  return [
    [0, 0],
    [a.pad[0], a.pad[0] + extra(0)],
    [a.pad[1], a.pad[1] + extra(1)],
    [0, 0],
  ];
}

/**
 * tf.conv2d, with the filter gradient computed by matrix products instead of
 * the CPU backend's Conv2DBackpropFilter kernel (correct, but it takes ~10 s
 * per 3x3 64→64 convolution on 4 16x16 images): for each tap (kh, kw),
 * dW[kh][kw] = Σ over b, oh, ow of x[b][oh·s+kh][ow·s+kw][:]ᵀ · dy[b][oh][ow][:].
 * The value and the input gradient (Conv2DBackpropInput) are TF.js's own kernels.
 */
function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, strides: [number, number]): tf.Tensor4D {
  const op = tf.customGrad<tf.Tensor4D>((...args) => {
    const [xs, ws, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xs, ws]);
    const gradFunc = (dy: tf.Tensor4D): tf.Tensor[] => {
      const [B, , , C] = xs.shape;
      const [KH, KW, , F] = ws.shape;
      const [, OH, OW] = dy.shape;
      const dy2 = tf.reshape(dy, [B * OH * OW, F]) as tf.Tensor2D;
      const taps: tf.Tensor[] = [];
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++) {
          const end = [B, kh + (OH - 1) * strides[0] + 1, kw + (OW - 1) * strides[1] + 1, C];
          const patch = tf.stridedSlice(xs, [0, kh, kw, 0], end, [1, strides[0], strides[1], 1]);
          taps.push(tf.matMul(tf.reshape(patch, [B * OH * OW, C]) as tf.Tensor2D, dy2, true, false)); // [C][F]
        }
      return [tf.conv2dTranspose(dy, ws, xs.shape, strides, "valid"), tf.reshape(tf.stack(taps), ws.shape)];
    };
    return { value: tf.conv2d(xs, ws, strides, "valid"), gradFunc };
  });
  return op(x, w);
}

/**
 * A conv with groups and dilation from TF.js operators: depthwise (groups =
 * C = F) is tf.depthwiseConv2d; other groups (TF.js has no grouped conv) are
 * G convolutions of channel slices, concatenated. Dilation with stride 1 is
 * TF.js's `dilations`; with a larger stride (which TF.js refuses), and for
 * depthwise (whose TF.js gradient refuses dilation), the kernel
 * is dilated by inserting zero taps, a differentiable reshaping of w.
 */
function groupedConv(x: tf.Tensor4D, w: tf.Tensor4D, strides: [number, number], groups: number, dilation: [number, number]): tf.Tensor4D {
  const [, , Cg, F] = w.shape;
  const C = x.shape[3];
  const depthwise = groups > 1 && groups === C && F === C;
  const dilated = dilation[0] !== 1 || dilation[1] !== 1;
  // TF.js's depthwise gradient has no dilation either.
  const stride1 = strides[0] === 1 && strides[1] === 1 && !depthwise;
  if (dilated && !stride1) w = dilateKernel(w, dilation);
  const native: [number, number] = dilated && stride1 ? dilation : [1, 1];
  if (depthwise) {
    // HWIO with I = 1 → HW·C·1 (channel multiplier 1)
    return tf.depthwiseConv2d(x, tf.reshape(w, [w.shape[0], w.shape[1], C, 1]) as tf.Tensor4D, strides, "valid", "NHWC");
  }
  const one = (xs: tf.Tensor4D, ws: tf.Tensor4D): tf.Tensor4D => (dilated && stride1 ? tf.conv2d(xs, ws, strides, "valid", "NHWC", native) : conv2d(xs, ws, strides));
  if (groups === 1) return one(x, w);
  const Fg = F / groups;
  const parts: tf.Tensor4D[] = [];
  for (let g = 0; g < groups; g++) {
    const xs = tf.slice(x, [0, 0, 0, g * Cg], [-1, -1, -1, Cg]) as tf.Tensor4D;
    const ws = tf.slice(w, [0, 0, 0, g * Fg], [-1, -1, -1, Fg]) as tf.Tensor4D;
    parts.push(one(xs, ws));
  }
  return tf.concat(parts, 3);
}

/** w [KH][KW][I][O] → [D·(KH−1)+1][…][I][O] with zeros between the taps. */
function dilateKernel(w: tf.Tensor4D, [DH, DW]: [number, number]): tf.Tensor4D {
  const spread = (t: tf.Tensor, axis: 0 | 1, D: number): tf.Tensor => {
    if (D === 1) return t;
    const K = t.shape[axis]!;
    const withGap = tf.concat([tf.expandDims(t, axis + 1), tf.zeros([...t.shape.slice(0, axis + 1), D - 1, ...t.shape.slice(axis + 1)])], axis + 1);
    const flat = tf.reshape(withGap, [...t.shape.slice(0, axis), K * D, ...t.shape.slice(axis + 1)]);
    return tf.slice(flat, [0, 0, 0, 0], axis === 0 ? [(K - 1) * D + 1, -1, -1, -1] : [-1, (K - 1) * D + 1, -1, -1]);
  };
  return spread(spread(w, 0, DH), 1, DW) as tf.Tensor4D;
}

function batchnorm(n: LayerNode, x: tf.Tensor, env: OracleEnv): tf.Tensor {
  const gamma = param(env, `${n.name}.gamma`);
  const beta = param(env, `${n.name}.beta`);
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (env.training) {
    ({ mean, variance } = tf.moments(x, x.rank === 4 ? [0, 1, 2] : [0])); // biased batch variance
    const count = x.size / x.shape[x.rank - 1]!;
    const m0 = env.buffers[`${n.name}.mean`]!;
    const v0 = env.buffers[`${n.name}.var`]!;
    const mb = mean.dataSync();
    const vb = variance.dataSync();
    // running = (1 − m)·running + m·batch, with the unbiased batch variance
    const m = n.attrs.momentum;
    env.updated[`${n.name}.mean`] = m0.map((r, c) => (1 - m) * r + m * mb[c]!);
    env.updated[`${n.name}.var`] = v0.map((r, c) => (1 - m) * r + (m * vb[c]! * count) / (count - 1));
  } else {
    mean = tf.tensor1d(env.buffers[`${n.name}.mean`]!);
    variance = tf.tensor1d(env.buffers[`${n.name}.var`]!);
  }
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, n.attrs.eps))), gamma), beta);
}

/**
 * The interpolation matrix of one axis, [size·S][size], by PyTorch's rule
 * (nearest: source ⌊o/S⌋; bilinear, align_corners false: (o + 0.5)/S − 0.5,
 * clamped at 0, the upper tap clamped at the last row).
 */
function interpolation(size: number, S: number, mode: "nearest" | "bilinear"): tf.Tensor2D {
  const m = new Float32Array(size * S * size);
  for (let o = 0; o < size * S; o++) {
    if (mode === "nearest") {
      m[o * size + Math.floor(o / S)] = 1;
      continue;
    }
    const src = Math.max(0, (o + 0.5) / S - 0.5);
    const i0 = Math.min(Math.floor(src), size - 1);
    const i1 = Math.min(i0 + 1, size - 1);
    m[o * size + i0] += 1 - (src - i0);
    m[o * size + i1] += src - i0;
  }
  return tf.tensor2d(m, [size * S, size]);
}

/**
 * Upsampling: the value is TF.js's resize op; the gradient is the adjoint of
 * the separable map y = A_h · x · A_wᵀ per plane, because TF.js's resize
 * gradients disagree with its own forward here (measured: with them, the
 * gradients before an upsample differ by up to 0.3 while the outputs agree).
 */
function resize(x: tf.Tensor4D, S: number, mode: "nearest" | "bilinear"): tf.Tensor4D {
  const op = tf.customGrad<tf.Tensor4D>((...args) => {
    const [xs] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const [B, H, W, C] = xs.shape;
    const size: [number, number] = [H * S, W * S];
    const value = mode === "nearest" ? tf.image.resizeNearestNeighbor(xs, size, false, false) : tf.image.resizeBilinear(xs, size, false, true);
    const gradFunc = (dy: tf.Tensor4D): tf.Tensor[] => {
      const planes = tf.reshape(tf.transpose(dy, [0, 3, 1, 2]), [B * C * H * S, W * S]) as tf.Tensor2D; // [B·C·OH][OW]
      const cols = tf.matMul(planes, interpolation(W, S, mode)); // [B·C·OH][W]
      const t = tf.reshape(tf.transpose(tf.reshape(cols, [B * C, H * S, W]), [0, 2, 1]), [B * C * W, H * S]) as tf.Tensor2D;
      const rows = tf.matMul(t, interpolation(H, S, mode)); // [B·C·W][H]
      return [tf.transpose(tf.reshape(rows, [B, C, W, H]), [0, 3, 2, 1])];
    };
    return { value, gradFunc };
  });
  return op(x);
}

/** Adaptive pooling of an NHWC image to output [C, H, W]: output row i reduces input rows [⌊i·H₀/H⌋, ⌈(i+1)·H₀/H⌉), likewise columns. */
function adaptivePool(x: tf.Tensor, output: readonly number[], reduce: (t: tf.Tensor, axis: number) => tf.Tensor): tf.Tensor {
  let t = x;
  for (const axis of [1, 2]) {
    const inSize = t.shape[axis]!;
    const outSize = output[axis]!;
    const parts = Array.from({ length: outSize }, (_, i) => {
      const start = Math.floor((i * inSize) / outSize);
      const end = Math.ceil(((i + 1) * inSize) / outSize);
      const begin = [0, 0, 0, 0];
      const size = [...t.shape];
      begin[axis] = start;
      size[axis] = end - start;
      return reduce(tf.slice(t, begin, size), axis);
    });
    t = tf.concat(parts, axis);
  }
  return t;
}

/** Every layer kind that has generated code (all but `input` and `loss`). */
export const TFJS_ORACLE: Readonly<Record<string, Oracle>> = {
  conv(n, x, env) {
    // weight OIHW → HWIO
    const w = tf.transpose(param(env, `${n.name}.weight`), [2, 3, 1, 0]) as tf.Tensor4D;
    const y = groupedConv(tf.pad(x, windowPads(n)) as tf.Tensor4D, w, n.attrs.stride, n.attrs.groups, n.attrs.dilation);
    return n.attrs.bias ? tf.add(y, param(env, `${n.name}.bias`)) : y;
  },
  // padding and the ceil overhang are −∞: they never win
  maxpool: (n, x) => tf.maxPool(tf.pad(x, windowPads(n), -Infinity) as tf.Tensor4D, n.attrs.kernel, n.attrs.stride, "valid"),
  avgpool(n, x) {
    // the mean over the input values in each window: a sum over a count, both with zero padding
    const pads = windowPads(n);
    const sum = tf.avgPool(tf.pad(x, pads) as tf.Tensor4D, n.attrs.kernel, n.attrs.stride, "valid");
    const count = tf.avgPool(tf.pad(tf.onesLike(x), pads) as tf.Tensor4D, n.attrs.kernel, n.attrs.stride, "valid");
    return tf.div(sum, count);
  },
  globalavgpool: (_n, x) => tf.mean(x, [1, 2]),
  flatten: (_n, x) => (x.rank === 4 ? tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0]!, -1]) : x),
  fc(n, x, env) {
    const y = tf.matMul(x as tf.Tensor2D, param(env, `${n.name}.weight`) as tf.Tensor2D, false, true); // weight [out][in]
    return n.attrs.bias ? tf.add(y, param(env, `${n.name}.bias`)) : y;
  },
  relu: (_n, x) => tf.relu(x),
  sigmoid: (_n, x) => tf.sigmoid(x),
  tanh: (_n, x) => tf.tanh(x),
  // x for x > 0, α·(e^x − 1) otherwise (tf.elu has α = 1 only)
  elu: (n, x) => tf.add(tf.relu(x), tf.mul(n.attrs.value, tf.expm1(tf.minimum(x, 0)))),
  leakyrelu: (n, x) => tf.leakyRelu(x, n.attrs.value),
  // x·relu6(x + 3)/6 (TF.js has no hardswish); its gradient is TF.js's autodiff of these ops
  hardswish: (_n, x) => tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6),
  softmax: (_n, x) => tf.softmax(x),
  relu6: (_n, x) => tf.relu6(x),
  // relu6(x + 3)/6 (TF.js has no hardsigmoid; tf.hardSigmoid does not exist)
  hardsigmoid: (_n, x) => tf.div(tf.relu6(tf.add(x, 3)), 6),
  silu: (_n, x) => tf.mul(x, tf.sigmoid(x)),
  // x·(1 + erf(x/√2))/2 with TF.js's own erf
  // the channel axis is the last one here (NHWC, or the features of a vector)
  padchannels(n, x) {
    const c = x.shape[x.rank - 1]!;
    const before = Math.floor((n.attrs.channels - c) / 2);
    return tf.pad(x, [...x.shape.slice(1).map((): [number, number] => [0, 0]), [before, n.attrs.channels - c - before]]);
  },
  channels: (n, x) => tf.slice(x, [...x.shape.slice(1).map(() => 0), n.attrs.start], [...x.shape.slice(0, -1), n.attrs.end - n.attrs.start]),
  shuffle(n, x) {
    // torchvision's view(G, C/G), transpose, flatten, on the last axis
    const c = x.shape[x.rank - 1]!;
    const lead = x.shape.slice(0, -1);
    const grouped = tf.reshape(x, [...lead, n.attrs.groups, c / n.attrs.groups]);
    const perm = [...lead.map((_, i) => i), lead.length + 1, lead.length];
    return tf.reshape(tf.transpose(grouped, perm), x.shape);
  },
  gelu: (_n, x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
  dropout(n, x, env) {
    if (env.training && n.attrs.value > 0) throw new Error("dropout in training mode cannot be reproduced");
    return x;
  },
  batchnorm,
  deconv(n, x, env) {
    // weight IOHW [C][F][KH][KW] → [KH][KW][F][C] (TF.js: [h, w, outDepth, inDepth]); the full output
    // (H − 1)·S + K, zero-extended by outpad at the bottom and right, then cropped by P on every side
    const a = n.attrs as { kernel: [number, number]; stride: [number, number]; pad: [number, number]; outpad: [number, number]; bias: boolean };
    const w = tf.transpose(param(env, `${n.name}.weight`), [2, 3, 1, 0]) as tf.Tensor4D;
    const [B, H, W] = x.shape as [number, number, number, number];
    const F = n.output[0]!;
    const full = [(H - 1) * a.stride[0] + a.kernel[0], (W - 1) * a.stride[1] + a.kernel[1]];
    let y = tf.conv2dTranspose(x as tf.Tensor4D, w, [B, full[0]!, full[1]!, F], a.stride, "valid") as tf.Tensor;
    y = tf.pad(y, [[0, 0], [0, a.outpad[0]], [0, a.outpad[1]], [0, 0]]);
    y = tf.slice(y, [0, a.pad[0], a.pad[1], 0], [B, n.output[1]!, n.output[2]!, F]);
    return a.bias ? tf.add(y, param(env, `${n.name}.bias`)) : y;
  },
  // PyTorch's nearest (source ⌊o/S⌋) is TF.js's without half-pixel centres; its bilinear with align_corners false is TF.js's with them
  upsample: (n, x) => resize(x as tf.Tensor4D, n.attrs.scale, n.attrs.mode),
  // no TF.js op: slices of PyTorch's windows, reduced per axis (a rectangle's mean or max is that of its rows')
  adaptiveavgpool: (n, x) => adaptivePool(x, n.output, (t, axis) => tf.mean(t, axis, true)),
  adaptivemaxpool: (n, x) => adaptivePool(x, n.output, (t, axis) => tf.max(t, axis, true)),
};
