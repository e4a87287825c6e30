/** `elu [ALPHA]`: x for x > 0, α(e^x − 1) otherwise; α defaults to 1. */
import { activationEmitter, elementwise } from "./elementwise.js";
import { float } from "./onnx.js";
import { py } from "./pytorch.js";

export const elu = elementwise("elu", "Exponential linear unit: x if x > 0, else α·(e^x − 1); α defaults to 1.", {
  arg: { what: "alpha", rule: { above: 0, rule: "greater than 0", hint: "α scales the negative side: `elu 1` is the usual choice" }, required: false, fallback: 1 },
  emit: activationEmitter("elu", { withArg: true }),
  onnx(a, c) {
    c.op("Elu", [c.x], [float("alpha", a.value)]);
  },
  pytorch: (a) => ({ module: `nn.ELU(alpha=${py(a.value)})` }),
});
