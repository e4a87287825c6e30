/** `elu [ALPHA]`: x for x > 0, α(e^x − 1) otherwise; α defaults to 1. */
import { elementwise } from "./elementwise.js";

export const elu = elementwise("elu", "Exponential linear unit: x if x > 0, else α·(e^x − 1); α defaults to 1.", {
  arg: { what: "alpha", rule: { min: 0, rule: "a number ≥ 0" }, required: false, fallback: 1 },
});
