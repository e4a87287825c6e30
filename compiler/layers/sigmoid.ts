/** `sigmoid`: 1 / (1 + e^−x). */
import { activationEmitter, elementwise } from "./elementwise.js";
import { unaryOp } from "./onnx.js";
import { torchModule } from "./pytorch.js";

export const sigmoid = elementwise("sigmoid", "Logistic function 1 / (1 + e^−x).", { emit: activationEmitter("sigmoid"), onnx: unaryOp("Sigmoid"), pytorch: torchModule("nn.Sigmoid()") });
