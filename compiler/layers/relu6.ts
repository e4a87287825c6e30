/** `relu6`: min(max(x, 0), 6), PyTorch's ReLU6 (MobileNetV2). */
import { activationEmitter, elementwise } from "./elementwise.js";
import { float } from "./onnx.js";
import { torchModule } from "./pytorch.js";

export const relu6 = elementwise("relu6", "ReLU capped at 6, min(max(x, 0), 6) (PyTorch's ReLU6, MobileNetV2).", {
  emit: activationEmitter("relu6", { on: "k" }),
  onnx(_a, c) {
    // Clip takes its bounds as inputs from opset 11 on.
    c.op("Clip", [c.x, c.op("Constant", [], [float("value_float", 0)], "min"), c.op("Constant", [], [float("value_float", 6)], "max")]);
  },
  pytorch: torchModule("nn.ReLU6()"),
});
