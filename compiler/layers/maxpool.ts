/** `maxpool K[xK] [stride S] [pad P] [ceil]`: the largest value in each window (padding never wins). */
import { defineLayer } from "./types.js";
import { inferPool, poolFlops, poolGeometry, poolUsage, readPool, type PoolAttrs } from "./pool.js";

export const maxpool = defineLayer<PoolAttrs>({
  kind: "maxpool",
  usage: poolUsage("maxpool"),
  doc: "Max pooling per channel; stride defaults to the window size.",
  read: readPool,
  infer: (a, input, ctx) => inferPool("maxpool", a, input, ctx),
  flops: (a, _input, output) => poolFlops(a, output),
  emit: {
    forward(a, e) {
      const geom = poolGeometry(a, e);
      return [`${geom}.B = ${e.n};`, `rt.maxPoolForward(${e.x}, ${e.y}, ${e.batchBuffer("argmax", e.outSize, "int")}, ${geom});`];
    },
    backward(a, e) {
      const geom = poolGeometry(a, e);
      return [`${geom}.B = ${e.n};`, `rt.maxPoolBackward(${e.dy}, ${e.batchBuffer("argmax", e.outSize, "int")}, ${e.dx}, ${geom});`];
    },
  },
});
