// `batchnorm [eps E] [momentum M]`: the values reach the layer, their ranges are checked at the value, and
// they change no count.
import { describe, expect, it } from "vitest";
import { checkSource, type LayerNode } from "../../compiler/index.js";
import { diagnose, summary } from "../helpers/check.js";

function batchnormAttrs(statement: string): unknown {
  const m = checkSource("t.nnspec", `model m { input 3x4x4, ${statement} }`).models[0]!;
  return (m.nodes.find((n) => n.type === "layer" && n.kind === "batchnorm") as LayerNode).attrs;
}

describe("batchnorm eps and momentum", () => {
  it("defaults to PyTorch's ε = 1e-5 and momentum 0.1; either option in either order", () => {
    expect(batchnormAttrs("batchnorm")).toEqual({ eps: 1e-5, momentum: 0.1 });
    expect(batchnormAttrs("batchnorm eps 0.001")).toEqual({ eps: 0.001, momentum: 0.1 });
    expect(batchnormAttrs("batchnorm momentum 1 eps 1e-3")).toEqual({ eps: 0.001, momentum: 1 });
  });

  it("block parameters can give them", () => {
    expect(diagnose("block bn(e, m) { batchnorm eps e momentum m }\nmodel m { input 3x4x4, bn(0.001, 0.01) }")).toEqual([]);
  });

  it("counts do not change", () => {
    const a = summary("model m { input 3x4x4, batchnorm }");
    const b = summary("model m { input 3x4x4, batchnorm eps 0.1 momentum 0.5 }");
    expect(a.params).toBe(6);
    expect(b.params).toBe(6);
  });

  it("out of range: NN2013 at the value, with the rule", () => {
    for (const [statement, rule] of [
      ["batchnorm eps 0", "between 0 and 1 (exclusive)"],
      ["batchnorm eps 1", "between 0 and 1 (exclusive)"],
      ["batchnorm momentum 0", "greater than 0 and at most 1"],
      ["batchnorm momentum 1.5", "greater than 0 and at most 1"],
    ] as const) {
      const source = `model m { input 3x4x4, ${statement} }`;
      const d = diagnose(source);
      expect(d, statement).toHaveLength(1);
      const column = "model m { input 3x4x4, ".length + statement.lastIndexOf(" ") + 2;
      expect(d[0], statement).toMatch(new RegExp(`^NN2013 1:${column} `));
      expect(d[0], statement).toContain(rule);
    }
    expect(diagnose("model m { input 3x4x4, batchnorm eps }")[0]).toMatch(/^NN2012 /);
  });
});
