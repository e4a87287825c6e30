/** `fc N [nobias] [init I]` or `fc IN->N …`: fully connected scores W·x + b, weight [N][M]. */
import type { Span } from "../../diagnostics/source.js";
import { option } from "../args.js";
import { formatShape, numel } from "../shape.js";
import { defineLayer, lit, type Init, type InferContext } from "./types.js";
import { float, int } from "./onnx.js";
import { bool, py } from "./pytorch.js";
import { addFlatten } from "./layer-fixes.js";
import { fix, replace } from "../../diagnostics/fix.js";

export interface FcAttrs {
  units: number;
  /** The IN of `fc IN->N`, checked against the inferred input size. */
  declaredIn?: number;
  declaredSpan?: Span;
  bias: boolean;
  init: Init;
}

const sizeRule = { min: 1, integer: true, rule: "at least 1" };

export const fc = defineLayer<FcAttrs>({
  kind: "fc",
  words: "N",
  options: { nobias: option.flag, init: option.init },
  doc: "Fully connected layer: scores W·x + b for a vector x of M values, W of N×M (layout [out][in]).",
  read(r) {
    const first = r.number("the number of outputs", sizeRule, true);
    if (first === undefined) return undefined;
    const firstSpan = r.lastSpan;
    let units = first;
    let declaredIn: number | undefined;
    if (r.arrow()) {
      const n = r.number("the number of outputs after `->`", sizeRule, true);
      if (n === undefined) return undefined;
      declaredIn = first;
      units = n;
    }
    const o = r.options();
    r.end();
    if (r.failed) return undefined;
    const a: FcAttrs = { units, bias: !o.nobias, init: (o.init as Init) ?? { kind: "he" } };
    if (declaredIn !== undefined) (a.declaredIn = declaredIn), (a.declaredSpan = firstSpan);
    return a;
  },
  infer(a, input, ctx) {
    if (input.length !== 1) {
      ctx.report("NN3003", { layer: "fc", shape: formatShape(input), size: numel(input) }, ctx.kindSpan, { suggestions: [addFlatten(ctx)] });
      return [a.units];
    }
    if (a.declaredIn !== undefined && a.declaredIn !== input[0]) {
      // The written size may be the intent and the layers before it wrong: offered, not applied.
      const suggestions = a.declaredSpan ? [fix(`write \`fc ${input[0]!}->${a.units}\``, [replace(ctx.file, a.declaredSpan, String(input[0]!))], false)] : [];
      ctx.report("NN3004", { declared: a.declaredIn, out: a.units, actual: input[0]!, more: globalPoolHint(a, ctx) }, a.declaredSpan, { suggestions });
      return [a.units];
    }
    return [a.units];
  },
  params(a, input) {
    const m = input[0]!;
    const w = { name: "weight" as const, shape: [a.units, m], init: a.init, decay: true, fanIn: m, fanOut: a.units };
    return a.bias ? [w, { name: "bias" as const, shape: [a.units], init: { kind: "zeros" as const }, decay: false, fanIn: m, fanOut: a.units }] : [w];
  },
  flops: (a, input) => 2 * a.units * input[0]! + (a.bias ? a.units : 0),
  emit: {
    backwardReads: ["x"],
    nullableDx: true,
    fusesRelu: true,
    // A concat of vectors: example b's slice starts at b·S (S the concat's size), so y's and dy's rows are S apart: the GEMM's leading dimension.
    writesSlices: () => true,
    forward(a, e) {
      const act = e.fusedRelu ? ", rt.ACT_RELU" : e.yStride !== null ? ", rt.ACT_NONE" : "";
      const ys = e.yStride !== null ? `, ${lit(e.yStride)}` : "";
      return [`k.fcForward(${e.x}, ${e.param("weight")}, ${a.bias ? e.param("bias") : "null"}, ${e.y}, ${e.n}, ${lit(e.inSize)}, ${lit(a.units)}${act}${ys});`];
    },
    backward: (a, e) => [
      `k.fcBackward(${e.x}, ${e.param("weight")}, ${e.dy}, ${e.dx ?? "null"}, ${e.grad("weight")}, ${a.bias ? e.grad("bias") : "null"}, ${e.n}, ${lit(e.inSize)}, ${lit(a.units)}${e.dyStride !== null ? `, ${lit(e.dyStride)}` : ""});`,
    ],
  },
  // Gemm with transB = 1 (weight [out][in]); the bias is optional.
  onnx(_a, c) {
    c.op("Gemm", [c.x, c.required("weight"), c.tensor("bias")], [float("alpha", 1), float("beta", 1), int("transA", 0), int("transB", 1)]);
  },
  // Linear: weight [out][in] as nnspec's.
  pytorch: (a, c) => ({ module: `nn.Linear(${py(c.input[0]!)}, ${py(a.units)}, bias=${bool(a.bias)})` }),
});

/**
 * After `flatten` of a feature map with more than a few positions, pretrained
 * heads (ResNet, VGG's successors) pool instead: `globalavgpool` gives one
 * value per channel. Said besides `fc ACTUAL->N`, which would work but is
 * rarely what was meant.
 */
function globalPoolHint(a: FcAttrs, ctx: InferContext): string {
  const prev = ctx.previous;
  if (prev?.kind !== "flatten" || prev.input.length !== 3) return "";
  const [c, h, w] = prev.input as [number, number, number];
  if (h * w < 16 && a.declaredIn !== c) return "";
  return `; or replace \`flatten\` with \`globalavgpool\` (one mean per channel of the ${formatShape(prev.input)} map, as pretrained heads do), which gives ${c}: \`fc ${c}->${a.units}\``;
}
