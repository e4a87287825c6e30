/** LeNet-5 as specs/lenet5.nnspec has it, and a deterministic batch of inputs and labels, for the tests that run it on several platforms. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./root.js";

export const LENET5_PATH = join(ROOT, "specs", "lenet5.nnspec");
export const LENET5 = readFileSync(LENET5_PATH, "utf8");

/** n examples of 784 values in [0, 1) and labels 0–9, the same on every call. */
export function lenetBatch(n: number): { x: Float32Array; labels: number[] } {
  const x = new Float32Array(n * 784).map((_, i) => (Math.sin(i * 0.37) + 1) / 2);
  const labels = Array.from({ length: n }, (_, i) => (i * 7) % 10);
  return { x, labels };
}
