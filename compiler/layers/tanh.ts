/** `tanh`: hyperbolic tangent. */
import { activationEmitter, elementwise } from "./elementwise.js";

export const tanh = elementwise("tanh", "Hyperbolic tangent.", { emit: activationEmitter("tanh") });
