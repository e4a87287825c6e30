/**
 * Each layer kind declares which forward values its backward reads (its input
 * x, its output y); the generator hands backward only those, and fuses a relu
 * into the conv or fc before it only when the relu's backward reads y (the
 * fused layer's own output, the relu's input, is never stored).
 */
import { describe, expect, it } from "vitest";
import { checkSource, LAYERS, type CheckedModel, type LayerNode } from "../../compiler/index.js";
import { generate } from "../../compiler/emit/generate.js";
import { activationEmitter } from "../../compiler/layers/elementwise.js";
import type { LayerEmitter } from "../../compiler/layers/types.js";

function model(text: string): CheckedModel {
  const r = checkSource("t.nnspec", text);
  expect(r.diagnostics).toEqual([]);
  return r.models[0]!;
}

/** The model with the emitter of every layer of `kind` replaced. */
function withEmitter(m: CheckedModel, kind: string, emit: LayerEmitter<any>): CheckedModel {
  return { ...m, nodes: m.nodes.map((n) => (n.type === "layer" && n.kind === kind ? ({ ...n, def: { ...n.def, emit } } as LayerNode) : n)) };
}

describe("what a layer's backward reads", () => {
  it("every kind with generated code declares it", () => {
    for (const def of LAYERS.values()) if (def.emit) expect(Array.isArray(def.emit.backwardReads), def.kind).toBe(true);
  });

  it("generation fails when backward reads a value its kind does not declare", () => {
    const m = model("model m { input 4, fc 3, tanh, fc 2 }");
    const tanh = LAYERS.get("tanh")!.emit!;
    expect(() => generate(withEmitter(m, "tanh", { ...tanh, backwardReads: ["x"] }))).toThrow(/backward code of tanh reads y, but its backwardReads declares \[x\]/);
    expect(() => generate(m)).not.toThrow();
  });

  it("an activation with backward from x gets the layer's input", () => {
    const m = model("model m { input 4, fc 3, tanh, fc 2 }");
    const g = generate(withEmitter(m, "tanh", activationEmitter("tanh", { backwardFrom: "x" })));
    expect(g.backward).toContain("rt.tanhBackward(fc1, dtanh1, dfc1, n * 3);");
    expect(generate(m).backward).toContain("rt.tanhBackward(tanh1, dtanh1, dfc1, n * 3);");
  });

  it("a relu is fused into the fc before it only when its backward reads its output", () => {
    const m = model("model m { input 4, fc 3, relu, fc 2 }");
    const fused = generate(m);
    expect(fused.forward.join("\n")).toContain("rt.ACT_RELU");
    expect(fused.plan.buffers.map((b) => b.id)).not.toContain("fc1");
    const fromX = generate(withEmitter(m, "relu", activationEmitter("relu", { on: "k", backwardFrom: "x" })));
    expect(fromX.forward.join("\n")).not.toContain("rt.ACT_RELU");
    expect(fromX.plan.buffers.map((b) => b.id)).toContain("fc1");
    expect(fromX.backward).toContain("k.reluBackward(fc1, drelu1, dfc1, n * 3);");
  });
});
