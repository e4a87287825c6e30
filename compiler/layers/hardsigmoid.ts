/** `hardsigmoid`: relu6(x + 3) / 6, PyTorch's Hardsigmoid. */
import { activationEmitter, elementwise } from "./elementwise.js";
import { float } from "./onnx.js";
import { torchModule } from "./pytorch.js";

export const hardsigmoid = elementwise("hardsigmoid", "Hard sigmoid relu6(x + 3)/6: 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2 between (PyTorch's Hardsigmoid).", {
  emit: activationEmitter("hardsigmoid", { on: "k" }),
  onnx(_a, c) {
    // ONNX's HardSigmoid is max(0, min(1, αx + β)); its default α is 0.2, not PyTorch's 1/6.
    c.op("HardSigmoid", [c.x], [float("alpha", 1 / 6), float("beta", 0.5)]);
  },
  pytorch: torchModule("nn.Hardsigmoid()"),
});
