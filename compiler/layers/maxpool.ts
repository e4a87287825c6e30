/** `maxpool K[xK] [stride S] [pad P] [ceil|floor]`: the largest value in each window (padding never wins). */
import { poolLayer } from "./pool.js";
import { poolWindow } from "./window-onnx.js";
import { bool, pair } from "./pytorch.js";

export const maxpool = poolLayer("maxpool", "Max pooling per channel; stride defaults to the window size.", {
  forward: (e) => `k.maxPoolForward(${e.x}, ${e.y}, ${e.batchBuffer("argmax", e.outSize, "int")}, ${e.constant("geom", "")});`,
  backward: (e) => `k.maxPoolBackward(${e.dy}, ${e.batchBuffer("argmax", e.outSize, "int")}, ${e.dx}, ${e.constant("geom", "")});`,
  // MaxPool: padding never wins.
  onnx(a, c) {
    c.op("MaxPool", [c.x], poolWindow(a, c.input, c.output));
  },
  // MaxPool2d: its ceil mode drops a last window that would start in the right padding, as nnspec's does.
  pytorch: (a) => ({ module: `nn.MaxPool2d(${pair(a.kernel)}, stride=${pair(a.stride)}, padding=${pair(a.pad)}, ceil_mode=${bool(a.ceil)})` }),
});
