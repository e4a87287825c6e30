/** `input CxHxW` or `input N`: the shape of one example. Must be a model's first statement. */
import { formatShape } from "../shape.js";
import { defineLayer } from "./types.js";

export interface InputAttrs {
  shape: number[];
}

export const input = defineLayer<InputAttrs>({
  kind: "input",
  words: "CxHxW | input N",
  doc: "The shape of one example: a vector `input 8` or an image `input 3x32x32` (channels, height, width).",
  read(r) {
    const w = r.peek();
    if (!w || !(w.kind === "dims" || w.kind === "number")) {
      r.error("NN2012", { layer: "input", what: "a shape like `1x28x28` or `8`", usage: r.usage }, w?.span ?? r.stmt.kind.span);
      return undefined;
    }
    const dims = w.kind === "dims" ? w.dims : [w.value];
    const rule = { min: 1, integer: true, rule: "a whole number ≥ 1" };
    const ok = dims.every((d) => r.checkInt(d, "each input dimension", rule, w) !== undefined);
    r.skip();
    r.end();
    if (!ok || r.failed) return undefined;
    if (dims.length !== 1 && dims.length !== 3) {
      const hint = dims.length === 2 ? `add a channel: \`input 1x${dims.join("x")}\`` : "";
      r.error("NN3012", { shape: formatShape(dims), hint }, w.span);
      return undefined;
    }
    return { shape: dims };
  },
  infer: (a) => a.shape,
  flops: () => 0,
});
