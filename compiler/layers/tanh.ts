/** `tanh`: hyperbolic tangent. */
import { activationEmitter, elementwise } from "./elementwise.js";
import { unaryOp } from "./onnx.js";
import { torchModule } from "./pytorch.js";

export const tanh = elementwise("tanh", "Hyperbolic tangent.", { emit: activationEmitter("tanh"), onnx: unaryOp("Tanh"), pytorch: torchModule("nn.Tanh()") });
