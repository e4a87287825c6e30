/** `avgpool K[xK] [stride S] [pad P] [ceil]`: the mean of each window over the input values it covers (padding excluded). */
import { defineLayer } from "./types.js";
import { inferPool, poolFlops, poolGeometry, poolUsage, readPool, type PoolAttrs } from "./pool.js";

export const avgpool = defineLayer<PoolAttrs>({
  kind: "avgpool",
  usage: poolUsage("avgpool"),
  doc: "Average pooling per channel; padding is not counted in the mean; stride defaults to the window size.",
  read: readPool,
  infer: (a, input, ctx) => inferPool("avgpool", a, input, ctx),
  flops: (a, _input, output) => poolFlops(a, output),
  emit: {
    forward(a, e) {
      const geom = poolGeometry(a, e);
      return [`${geom}.B = ${e.n};`, `rt.avgPoolForward(${e.x}, ${e.y}, ${geom});`];
    },
    backward(a, e) {
      const geom = poolGeometry(a, e);
      return [`${geom}.B = ${e.n};`, `rt.avgPoolBackward(${e.dy}, ${e.dx}, ${geom});`];
    },
  },
});
