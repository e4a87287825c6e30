/** `loss softmax [+ l2 λ]` or `loss mse [+ l2 λ]`: the training objective; the last statement of a model. */
import { option } from "../args.js";
import { formatShape, numel } from "../shape.js";
import { defineLayer } from "./types.js";

const LOSS_KINDS = ["softmax", "mse"] as const;

export interface LossAttrs {
  kind: (typeof LOSS_KINDS)[number];
  /** λ of the L2 penalty λ/2·Σw² over weights (not biases or batchnorm); 0 when absent. */
  l2: number;
}

export const loss = defineLayer<LossAttrs>({
  kind: "loss",
  words: LOSS_KINDS.join("|"),
  options: { l2: option.number("λ") },
  plus: true,
  keywords: LOSS_KINDS,
  doc: "Softmax cross-entropy against class labels, or mean squared error against targets; optional L2 weight decay.",
  read(r) {
    const kind = r.choice("a loss (`softmax` or `mse`)", LOSS_KINDS, "NN2020", "losses");
    if (!kind) return undefined;
    const o = r.options();
    r.end();
    if (r.failed) return undefined;
    return { kind, l2: (o.l2 as number | undefined) ?? 0 };
  },
  infer(a, input, ctx) {
    if (a.kind === "softmax" && input.length !== 1) {
      ctx.report("NN3009", { loss: a.kind, shape: formatShape(input), size: numel(input) });
      return undefined;
    }
    return input;
  },
  flops: () => 0,
});
