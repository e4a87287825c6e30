/** `relu`: max(0, x). */
import { elementwise } from "./elementwise.js";

export const relu = elementwise("relu", "Rectified linear unit, max(0, x).");
