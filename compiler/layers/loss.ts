/** `loss softmax [+ l2 λ]` or `loss mse [+ l2 λ]`: the training objective; the last statement of a model. */
import { formatShape, numel } from "../shape.js";
import { defineLayer } from "./types.js";

export interface LossAttrs {
  kind: "softmax" | "mse";
  /** λ of the L2 penalty λ/2·Σw² over weights (not biases or batchnorm); 0 when absent. */
  l2: number;
}

export const loss = defineLayer<LossAttrs>({
  kind: "loss",
  usage: "loss softmax|mse [+ l2 λ]",
  doc: "Softmax cross-entropy against class labels, or mean squared error against targets; optional L2 weight decay.",
  read(r) {
    const kind = r.choice("a loss (`softmax` or `mse`)", ["softmax", "mse"] as const, "NN2020", "losses");
    if (!kind) return undefined;
    const o = r.options({ l2: "number" }, true);
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
