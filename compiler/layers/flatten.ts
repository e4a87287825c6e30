/** `flatten`: CxHxW → C·H·W, in the order C, then H, then W. */
import { formatShape, numel } from "../shape.js";
import { defineLayer, lit } from "./types.js";
import { int } from "./onnx.js";
import { torchModule } from "./pytorch.js";
import { deleteStatement, fix } from "../../diagnostics/fix.js";

export const flatten = defineLayer<object>({
  kind: "flatten",
  doc: "Flattens a CxHxW feature map to a vector of C·H·W values (C, then H, then W).",
  read(r) {
    r.end();
    return r.failed ? undefined : {};
  },
  infer(_a, input, ctx) {
    if (input.length === 1) {
      ctx.report("NN3005", { shape: formatShape(input) }, undefined, { suggestions: [fix("remove this `flatten`", [deleteStatement(ctx.file, ctx.span)], true)] });
      return undefined;
    }
    return [numel(input)];
  },
  flops: () => 0,
  emit: {
    backwardReads: [],
    // The memory order is already C, H, W: flatten is a copy.
    forward: (_a, e) => [`k.copy(${e.x}, ${e.y}, ${e.n} * ${lit(e.outSize)});`],
    backward: (_a, e) => [`k.copy(${e.dy}, ${e.dx}, ${e.n} * ${lit(e.outSize)});`],
  },
  // Flatten from axis 1: C, then H, then W, as in nnspec.
  onnx(_a, c) {
    c.op("Flatten", [c.x], [int("axis", 1)]);
  },
  // Flatten from dim 1: C, then H, then W, as in nnspec.
  pytorch: torchModule("nn.Flatten()"),
});
