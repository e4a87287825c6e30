/** `hardswish`: x · relu6(x + 3) / 6, PyTorch's Hardswish. */
import { activationEmitter, elementwise } from "./elementwise.js";
import { float } from "./onnx.js";
import { torchModule } from "./pytorch.js";

export const hardswish = elementwise("hardswish", "Hard swish x·relu6(x + 3)/6: 0 for x ≤ −3, x for x ≥ 3, x·(x + 3)/6 between (PyTorch's Hardswish).", {
  // Not monotonic (its minimum is at x = −1.5), so y does not tell the derivative: backward reads x.
  emit: activationEmitter("hardswish", { on: "k", backwardFrom: "x" }),
  onnx(_a, c) {
    // HardSwish exists from opset 14; before, the same function is x · HardSigmoid(x) with α = 1/6, β = 1/2.
    if (c.opset >= 14) c.op("HardSwish", [c.x]);
    else c.op("Mul", [c.x, c.op("HardSigmoid", [c.x], [float("alpha", 1 / 6), float("beta", 0.5)], "hardsigmoid")]);
  },
  pytorch: torchModule("nn.Hardswish()"),
});
