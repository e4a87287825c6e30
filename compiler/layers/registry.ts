/**
 * Every layer kind, in one place. The checker, the code generator, the ONNX
 * exporter, the docs and the tests read this list; a kind missing here does
 * not exist. Everything about a kind is in its own file (its words, options,
 * shape rule, generated code and ONNX operators); this list only orders them.
 * (`residual`, `repeat` and block invocations are structure, handled by the
 * checker itself.)
 */
import { adaptiveavgpool } from "./adaptiveavgpool.js";
import { adaptivemaxpool } from "./adaptivemaxpool.js";
import { avgpool } from "./avgpool.js";
import { batchnorm } from "./batchnorm.js";
import { channels } from "./channels.js";
import { conv } from "./conv.js";
import { deconv } from "./deconv.js";
import { dropout } from "./dropout.js";
import { elu } from "./elu.js";
import { fc } from "./fc.js";
import { flatten } from "./flatten.js";
import { gelu } from "./gelu.js";
import { globalavgpool } from "./globalavgpool.js";
import { hardsigmoid } from "./hardsigmoid.js";
import { hardswish } from "./hardswish.js";
import { input } from "./input.js";
import { leakyrelu } from "./leakyrelu.js";
import { loss } from "./loss.js";
import { maxpool } from "./maxpool.js";
import { padchannels } from "./padchannels.js";
import { relu } from "./relu.js";
import { relu6 } from "./relu6.js";
import { sigmoid } from "./sigmoid.js";
import { silu } from "./silu.js";
import { shuffle } from "./shuffle.js";
import { softmax } from "./softmax.js";
import { tanh } from "./tanh.js";
import { upsample } from "./upsample.js";
import { optionWords, type LayerDef } from "./types.js";

export const LAYERS: ReadonlyMap<string, LayerDef<any>> = new Map<string, LayerDef<any>>(
  [input, conv, maxpool, avgpool, globalavgpool, flatten, fc, relu, sigmoid, tanh, elu, leakyrelu, hardswish, softmax, dropout, batchnorm, loss, deconv, upsample, adaptiveavgpool, adaptivemaxpool, relu6, hardsigmoid, silu, gelu, padchannels, channels, shuffle].map((d) => [d.kind, d]),
);

/** Words with a meaning inside layer statements (options, their values, layer keywords); a block parameter named like one would be ambiguous. */
export const OPTION_WORDS: ReadonlySet<string> = optionWords(LAYERS.values());

/** Words that are layer kinds or structure; they cannot name things. */
export const RESERVED: ReadonlySet<string> = new Set([...LAYERS.keys(), "model", "block", "repeat", "residual", "shortcut", "concat", "branch", "gate"]);
