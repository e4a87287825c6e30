/** The memory plan's size without loading the code generator's heavy dependencies (for `nnspec summary --batch`). */
import type { CheckedModel } from "../model.js";
import { generate } from "./generate.js";
import { planBytes } from "./plan.js";

export function memoryPlanBytes(model: CheckedModel, batchSize: number, dtype: "f32" | "f64" = "f32"): number {
  return planBytes(generate(model).plan, batchSize, dtype === "f64" ? 8 : 4);
}
