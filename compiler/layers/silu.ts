/** `silu`: x · sigmoid(x), PyTorch's SiLU (swish). */
import { activationEmitter, elementwise } from "./elementwise.js";
import { torchModule } from "./pytorch.js";

export const silu = elementwise("silu", "Sigmoid linear unit x·sigmoid(x), also called swish (PyTorch's SiLU).", {
  flopsPerElement: 4,
  // Not monotonic (its minimum is near x = −1.28): backward reads x.
  emit: activationEmitter("silu", { on: "k", backwardFrom: "x" }),
  onnx(_a, c) {
    c.op("Mul", [c.x, c.op("Sigmoid", [c.x], [], "sigmoid")]);
  },
  pytorch: torchModule("nn.SiLU()"),
});
