/** `dropout P`: inverted dropout, zeroes each value with probability P in training, identity at inference. */
import { elementwise } from "./elementwise.js";
import { lit } from "./types.js";
import { unaryOp } from "./onnx.js";
import { py } from "./pytorch.js";

export const dropout = elementwise("dropout", "Inverted dropout: in training each value is zeroed with probability P and the rest scaled by 1/(1−P); identity at inference.", {
  arg: { what: "dropout probability", word: "P", rule: { min: 0, below: 1, rule: "in [0, 1)", hint: "P is the probability of dropping each value: `dropout 0.5` drops half of them, `dropout 0` none" }, required: true, fallback: 0 },
  flopsPerElement: 0,
  // Identity: dropout does nothing at inference.
  onnx: unaryOp("Identity"),
  emit: {
    backwardReads: [], // the mask
    forward(a, e) {
      const count = `${e.n} * ${lit(e.outSize)}`;
      return [
        `if (${e.training}) rt.dropoutForward(${e.x}, ${e.y}, ${e.batchBuffer("mask", e.outSize)}, ${count}, ${lit(a.value)}, ${e.rng});`,
        `else k.copy(${e.x}, ${e.y}, ${count});`,
      ];
    },
    backward(_a, e) {
      const count = `${e.n} * ${lit(e.outSize)}`;
      return [`if (${e.training}) rt.dropoutBackward(${e.batchBuffer("mask", e.outSize)}, ${e.dy}, ${e.dx}, ${count});`, `else k.copy(${e.dy}, ${e.dx}, ${count});`];
    },
  },
  // Inverted dropout as nnspec's: zero with probability P in training, scale the rest by 1/(1 − P); identity in eval mode.
  pytorch: (a) => ({ module: `nn.Dropout(p=${py(a.value)})` }),
});
