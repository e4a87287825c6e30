// The TF.js (layers API) version of a workload, shared by the Node runner
// (runners/tfjs.mjs) and the browser benchmark (browser/tfjs.mjs): no Node
// import here. Channels last; the spec's layers in order.

/**
 * The workload's layers (`layers`: the description of runners/common.mjs) as
 * a compiled functional tf.model(): SGD 0.01, softmax cross-entropy on the logits.
 */
export function buildTfModel(tf, w, layers = w.layers) {
  const [c, h, wd] = w.inputShape;
  const input = tf.input({ shape: [h, wd, c] });
  const model = tf.model({ inputs: input, outputs: applyLayers(tf, layers, input) });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: (y, logits) => tf.losses.softmaxCrossEntropy(y, logits) });
  return model;
}

const applyLayers = (tf, layers, x) => layers.reduce((y, l) => applyLayer(tf, l, y), x);

/** One entry of the description applied to the symbolic tensor x. */
function applyLayer(tf, [kind, opts, shortcut], x) {
  const L = tf.layers;
  switch (kind) {
    case "conv": // conv + relu (workloads L and C)
      return L.conv2d({ ...opts, activation: "relu" }).apply(x);
    case "conv2d":
      return L.conv2d(opts).apply(x);
    case "depthwise":
      return L.depthwiseConv2d(opts).apply(x);
    case "zeropad":
      return L.zeroPadding2d(opts).apply(x);
    case "bn":
      return L.batchNormalization({ axis: -1, ...opts }).apply(x);
    case "relu":
      return L.reLU().apply(x);
    case "relu6":
      return L.reLU({ maxValue: 6 }).apply(x);
    case "pool":
      return L.maxPooling2d({ poolSize: 2, strides: 2, ...opts }).apply(x);
    case "gap":
      return L.globalAveragePooling2d({}).apply(x);
    case "dropout":
      return L.dropout(opts).apply(x);
    case "flatten":
      return L.flatten().apply(x);
    case "dense":
      return L.dense(opts).apply(x);
    case "residual": // opts: the body; shortcut: its layers, or undefined for the identity
      return L.add().apply([shortcut ? applyLayers(tf, shortcut, x) : x, applyLayers(tf, opts, x)]);
  }
  throw new Error(`TF.js model: unknown layer kind ${JSON.stringify(kind)}`);
}

/** One timed step: train = trainOnBatch (resolves to the loss), infer = predict + dataSync (returns the logits). */
export function tfStep(model, mode, xs, ys) {
  if (mode === "train") return () => model.trainOnBatch(xs, ys);
  return () => {
    const out = model.predict(xs);
    const logits = out.dataSync();
    out.dispose();
    return logits;
  };
}

/**
 * Gives the TF.js model nnspec's weights (`tensors`: decoded safetensors, names
 * in layer order: conv1.weight, conv1.bias, …, fc1.weight, …). Convolutions:
 * [out, in, kh, kw] → [kh, kw, in, out]. Fully connected: [out, in] → [in, out];
 * the first one after flatten also reorders its inputs from nnspec's C,H,W to
 * TF.js's H,W,C.
 */
export function setTfWeights(tf, model, tensors) {
  const params = model.layers.filter((l) => l.getWeights().length > 0);
  const names = [...new Set(Object.keys(tensors).map((n) => n.slice(0, n.lastIndexOf("."))))];
  names.sort((a, b) => layerOrder(a) - layerOrder(b));
  if (names.length !== params.length) throw new Error(`weights: ${names.length} layers in the file, ${params.length} in the TF.js model`);
  let chw = null; // [C, H, W] of the last convolution's pooled output, for the first fc
  params.forEach((layer, i) => {
    const wt = tensors[`${names[i]}.weight`];
    const bias = tf.tensor1d(tensors[`${names[i]}.bias`].data);
    if (wt.shape.length === 4) {
      const [o, ci, kh, kw] = wt.shape;
      const k = tf.tidy(() => tf.tensor4d(wt.data, [o, ci, kh, kw]).transpose([2, 3, 1, 0]));
      layer.setWeights([k, bias]);
      chw = layer.outputShape; // [null, H, W, C] before pooling
      return;
    }
    const [o, n] = wt.shape;
    let k = tf.tidy(() => tf.tensor2d(wt.data, [o, n]).transpose());
    if (chw) {
      // Rows of k are nnspec's flatten order (c, h, w); TF.js flattens (h, w, c).
      const c = chw[3];
      const hw = n / c;
      const rows = Int32Array.from({ length: n }, (_, r) => (r % c) * hw + Math.floor(r / c));
      const reordered = tf.gather(k, tf.tensor1d(rows, "int32"));
      k.dispose();
      k = reordered;
      chw = null;
    }
    layer.setWeights([k, bias]);
  });
}

const layerOrder = (name) => (name.startsWith("conv") ? 0 : 1000) + Number(/\d+$/.exec(name)?.[0] ?? 0);
