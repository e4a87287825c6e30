/** `avgpool K[xK] [stride S] [pad P] [ceil|floor]`: the mean of each window over the input values it covers (padding excluded). */
import { int } from "./onnx.js";
import { poolLayer } from "./pool.js";
import { poolWindow } from "./window-onnx.js";
import { bool, pair } from "./pytorch.js";

export const avgpool = poolLayer("avgpool", "Average pooling per channel; padding is not counted in the mean; stride defaults to the window size.", {
  forward: (e) => `k.avgPoolForward(${e.x}, ${e.y}, ${e.constant("geom", "")});`,
  backward: (e) => `k.avgPoolBackward(${e.dy}, ${e.dx}, ${e.constant("geom", "")});`,
  // AveragePool with count_include_pad = 0: padding is excluded from the mean (ceil mode: see poolWindow).
  onnx(a, c) {
    c.op("AveragePool", [c.x], [...poolWindow(a, c.input, c.output), int("count_include_pad", 0)]);
  },
  // AvgPool2d without counting padding (count_include_pad=False); ceil mode as nnspec's.
  pytorch: (a) => ({ module: `nn.AvgPool2d(${pair(a.kernel)}, stride=${pair(a.stride)}, padding=${pair(a.pad)}, ceil_mode=${bool(a.ceil)}, count_include_pad=False)` }),
});
