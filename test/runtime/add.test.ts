import { describe, expect, it } from "vitest";
import { add, addInto, axpy, copyInto, scaleInPlace, zero } from "../../runtime/index.js";

describe("elementwise helpers", () => {
  it("add, in place, and only n elements", () => {
    const a = Float64Array.from([1, 2, 3, 9]), b = Float32Array.from([0.5, -2, 4, 9]);
    const out = new Float64Array(4).fill(-1);
    add(a, b, out, 3);
    expect(Array.from(out)).toEqual([1.5, 0, 7, -1]);
    add(a, b, a, 4);
    expect(Array.from(a)).toEqual([1.5, 0, 7, 18]);
  });
  it("addInto, axpy, copyInto, scaleInPlace, zero", () => {
    const d = Float64Array.from([1, 1, 1]);
    addInto(d, Float64Array.from([1, 2, 3]), 3);
    expect(Array.from(d)).toEqual([2, 3, 4]);
    axpy(-2, Float64Array.from([1, 1, 0]), d, 2);
    expect(Array.from(d)).toEqual([0, 1, 4]);
    const f = new Float32Array(3);
    copyInto(d, f, 3);
    expect(Array.from(f)).toEqual([0, 1, 4]);
    scaleInPlace(f, 0.5, 3);
    expect(Array.from(f)).toEqual([0, 0.5, 2]);
    zero(f, 2);
    expect(Array.from(f)).toEqual([0, 0, 2]);
  });
});
