/**
 * `upsample S [nearest|bilinear]`: CxHxW → Cx(S·H)x(S·W). Nearest by default
 * (PyTorch's `nearest`); bilinear as PyTorch's with align_corners false.
 */
import { numel } from "../shape.js";
import { requireImage } from "./window-layer.js";
import { defineLayer, lit } from "./types.js";
import { floats, str } from "./onnx.js";
import { py } from "./pytorch.js";

const MODES = ["nearest", "bilinear"] as const;

export interface UpsampleAttrs {
  scale: number;
  mode: (typeof MODES)[number];
}

export const upsample = defineLayer<UpsampleAttrs>({
  kind: "upsample",
  words: "S [nearest|bilinear]",
  keywords: MODES,
  doc: "Upsampling by a whole factor S: CxHxW → Cx(S·H)x(S·W), nearest (the default) or bilinear (align_corners false, as PyTorch).",
  read(r) {
    const scale = r.number("the scale factor", { min: 1, integer: true, rule: "a whole number ≥ 1", hint: "`upsample 2` doubles the height and width" }, true);
    if (scale === undefined) return undefined;
    let mode: UpsampleAttrs["mode"] = "nearest";
    const w = r.peek();
    if (w?.kind === "name") {
      const m = r.choice("the mode", MODES, "NN2013", "modes");
      if (m === undefined) return undefined;
      mode = m;
    }
    r.end();
    return r.failed ? undefined : { scale, mode };
  },
  infer(a, input, ctx) {
    if (!requireImage("upsample", input, ctx)) return undefined;
    return [input[0]!, input[1]! * a.scale, input[2]! * a.scale];
  },
  // bilinear: four taps per output value, a multiply-add each; nearest copies
  flops: (a, _input, output) => (a.mode === "bilinear" ? 8 * numel(output) : 0),
  emit: {
    backwardReads: [],
    forward(a, e) {
      const [c, h, w] = e.input as [number, number, number];
      const planes = `${e.n} * ${lit(c)}`;
      if (a.mode === "nearest") return [`k.upsampleNearestForward(${e.x}, ${e.y}, ${planes}, ${lit(h)}, ${lit(w)}, ${lit(a.scale)});`];
      const rows = e.constant("rows", `rt.bilinearTaps(${lit(h)}, ${lit(a.scale)})`);
      const cols = e.constant("cols", `rt.bilinearTaps(${lit(w)}, ${lit(a.scale)})`);
      return [`k.upsampleBilinearForward(${e.x}, ${e.y}, ${planes}, ${rows}, ${cols});`];
    },
    backward(a, e) {
      const [c, h, w] = e.input as [number, number, number];
      const planes = `${e.n} * ${lit(c)}`;
      if (a.mode === "nearest") return [`k.upsampleNearestBackward(${e.dy}, ${e.dx}, ${planes}, ${lit(h)}, ${lit(w)}, ${lit(a.scale)});`];
      const rows = e.constant("rows", "");
      const cols = e.constant("cols", "");
      return [`k.upsampleBilinearBackward(${e.dy}, ${e.dx}, ${planes}, ${rows}, ${cols});`];
    },
  },
  // Resize with constant scales [1, 1, S, S]: nearest as `asymmetric` + `floor` (PyTorch's nearest), bilinear as `linear` + `half_pixel`.
  onnx(a, c) {
    const scales = c.op("Constant", [], [floats("value_floats", [1, 1, a.scale, a.scale])], "scales");
    const attrs =
      a.mode === "nearest"
        ? [str("mode", "nearest"), str("coordinate_transformation_mode", "asymmetric"), str("nearest_mode", "floor")]
        : [str("mode", "linear"), str("coordinate_transformation_mode", "half_pixel")];
    c.op("Resize", [c.x, undefined, scales], attrs);
  },
  // Upsample by a whole scale factor: nearest (PyTorch's legacy `nearest`, source index ⌊i/S⌋) or bilinear with align_corners=False.
  pytorch: (a) => ({ module: a.mode === "nearest" ? `nn.Upsample(scale_factor=${py(a.scale)}, mode="nearest")` : `nn.Upsample(scale_factor=${py(a.scale)}, mode="bilinear", align_corners=False)` }),
});
