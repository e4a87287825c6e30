/** `leakyrelu [SLOPE]`: x for x > 0, slope·x otherwise; slope defaults to 0.01. */
import { activationEmitter, elementwise } from "./elementwise.js";
import { float } from "./onnx.js";
import { py } from "./pytorch.js";

export const leakyrelu = elementwise("leakyrelu", "Leaky ReLU: x if x > 0, else slope·x; slope defaults to 0.01.", {
  arg: { what: "slope", rule: { min: 0, below: 1, rule: "in [0, 1)" }, required: false, fallback: 0.01 },
  emit: activationEmitter("leakyRelu", { withArg: true }),
  onnx(a, c) {
    c.op("LeakyRelu", [c.x], [float("alpha", a.value)]);
  },
  pytorch: (a) => ({ module: `nn.LeakyReLU(negative_slope=${py(a.value)})` }),
});
