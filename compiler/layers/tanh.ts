/** `tanh`: hyperbolic tangent. */
import { elementwise } from "./elementwise.js";

export const tanh = elementwise("tanh", "Hyperbolic tangent.");
