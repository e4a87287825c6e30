import { describe, expect, it } from "vitest";
import { diagnose, summary } from "../helpers/check.js";
import { uniformWindows } from "../../compiler/layers/adaptive-pool.js";

describe("adaptiveavgpool, adaptivemaxpool", () => {
  it("give CxHxW whatever the input size, N meaning NxN", () => {
    const s = summary("model m { input 3x13x9, adaptiveavgpool 6, adaptivemaxpool 7x12, adaptiveavgpool 1 }");
    expect(s.layers.map((l) => l.outputShape.join("x"))).toEqual(["3x6x6", "3x7x12", "3x1x1"]);
    expect(s.layers.map((l) => l.params)).toEqual([0, 0, 0]);
    // 13 → 6: rows 0–2, 2–4, …, 10–12 (3 each, 18 in all); 9 → 6: columns 0–1, 1–2, 3–4, 4–5, 6–7, 7–8 (12)
    expect(s.layers[0]!.flops).toBe(3 * 18 * 12);
  });

  it("needs an image and a size", () => {
    expect(diagnose("model m { input 4, adaptiveavgpool 2 }").map((d) => d.slice(0, 6))).toEqual(["NN3010"]);
    expect(diagnose("model m { input 1x4x4, adaptivemaxpool }").map((d) => d.slice(0, 6))).toEqual(["NN2012"]);
    expect(diagnose("model m { input 1x4x4, adaptivemaxpool 0 }").map((d) => d.slice(0, 6))).toEqual(["NN2013"]);
  });

  it("tells uniform windows (one ONNX pooling) from others", () => {
    expect(uniformWindows(6, 6)).toEqual({ kernel: 1, stride: 1 });
    expect(uniformWindows(12, 3)).toEqual({ kernel: 4, stride: 4 });
    expect(uniformWindows(3, 2)).toEqual({ kernel: 2, stride: 1 });
    expect(uniformWindows(9, 1)).toEqual({ kernel: 9, stride: 1 });
    expect(uniformWindows(5, 3)).toBeUndefined();
    expect(uniformWindows(2, 4)).toBeUndefined();
  });
});
