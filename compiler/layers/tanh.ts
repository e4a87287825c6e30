/** `tanh`: hyperbolic tangent. */
import { activationEmitter, elementwise } from "./elementwise.js";
import { unaryOp } from "./onnx.js";

export const tanh = elementwise("tanh", "Hyperbolic tangent.", { emit: activationEmitter("tanh"), onnx: unaryOp("Tanh") });
