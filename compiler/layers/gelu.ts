/** `gelu`: x · Φ(x) with the exact erf, PyTorch's GELU (approximate "none"). */
import { activationEmitter, elementwise } from "./elementwise.js";
import { float } from "./onnx.js";
import { torchModule } from "./pytorch.js";

export const gelu = elementwise("gelu", "Gaussian error linear unit x·Φ(x) = x·(1 + erf(x/√2))/2, with the exact erf (PyTorch's GELU).", {
  flopsPerElement: 8,
  // Not monotonic (its minimum is near x = −0.75): backward reads x.
  emit: activationEmitter("gelu", { on: "k", backwardFrom: "x" }),
  onnx(_a, c) {
    // Gelu exists from opset 20; before, the same function from Erf.
    if (c.opset >= 20) {
      c.op("Gelu", [c.x]);
      return;
    }
    const k = (part: string, v: number) => c.op("Constant", [], [float("value_float", v)], part);
    const erf = c.op("Erf", [c.op("Mul", [c.x, k("rsqrt2", Math.SQRT1_2)], [], "scaled")], [], "erf");
    const phi = c.op("Mul", [c.op("Add", [erf, k("one", 1)], [], "onePlusErf"), k("half", 0.5)], [], "phi");
    c.op("Mul", [c.x, phi]);
  },
  // The exact erf form (approximate="none", the default).
  pytorch: torchModule("nn.GELU()"),
});
