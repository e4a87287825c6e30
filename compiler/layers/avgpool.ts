/** `avgpool K[xK] [stride S] [pad P] [ceil]`: the mean of each window over the input values it covers (padding excluded). */
import { poolLayer } from "./pool.js";

export const avgpool = poolLayer("avgpool", "Average pooling per channel; padding is not counted in the mean; stride defaults to the window size.", {
  forward: (e) => `k.avgPoolForward(${e.x}, ${e.y}, ${e.constant("geom", "")});`,
  backward: (e) => `k.avgPoolBackward(${e.dy}, ${e.dx}, ${e.constant("geom", "")});`,
});
