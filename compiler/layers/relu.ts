/** `relu`: max(0, x). */
import { activationEmitter, elementwise } from "./elementwise.js";
import { unaryOp } from "./onnx.js";
import { torchModule } from "./pytorch.js";

export const relu = elementwise("relu", "Rectified linear unit, max(0, x).", { emit: activationEmitter("relu", { on: "k" }), onnx: unaryOp("Relu"), pytorch: torchModule("nn.ReLU()") });
