/** `channels A:B`: the channels A ≤ c < B of the input, CxHxW → (B−A)xHxW. */
import { channelMismatch, channelsOf } from "./channel-ops.js";
import { ints } from "./onnx.js";
import { defineLayer, lit } from "./types.js";
import { py } from "./pytorch.js";

export interface ChannelsAttrs {
  start: number;
  end: number;
}

export const channels = defineLayer<ChannelsAttrs>({
  kind: "channels",
  words: "A:B",
  doc: "The channels A ≤ c < B of the input, CxHxW → (B−A)xHxW (0 ≤ A < B ≤ C).",
  read(r) {
    const hint = "`channels 0:16` keeps the first 16 channels";
    const start = r.number("the first channel A", { min: 0, integer: true, rule: "a whole number ≥ 0", hint }, true);
    if (start === undefined) return undefined;
    if (!r.colon()) return r.error("NN2012", { layer: r.layer, what: "a `:` between A and B (`channels 0:16`)", usage: r.usage }, r.lastSpan);
    const end = r.number("the end channel B", { above: start, integer: true, rule: `a whole number greater than A = ${start}`, hint }, true);
    if (end === undefined) return undefined;
    r.end();
    return r.failed ? undefined : { start, end };
  },
  infer(a, input, ctx) {
    const { c } = channelsOf(input);
    if (a.end > c) return channelMismatch(ctx, `channels ${a.start}:${a.end}`, input, `B is at most ${c}: the channels are 0 to ${c - 1}`);
    return [a.end - a.start, ...input.slice(1)];
  },
  flops: () => 0,
  emit: {
    backwardReads: [],
    forward: (a, e) => {
      const { c, hw } = channelsOf(e.input);
      return [`k.channelExtract(${e.x}, ${e.y}, ${e.n}, ${lit(c)}, ${lit(a.end - a.start)}, ${lit(a.start)}, ${lit(hw)});`];
    },
    backward: (a, e) => {
      const { c, hw } = channelsOf(e.input);
      return [`k.channelEmbed(${e.dy}, ${e.dx}, ${e.n}, ${lit(a.end - a.start)}, ${lit(c)}, ${lit(a.start)}, ${lit(hw)});`];
    },
  },
  // Slice on axis 1.
  onnx(a, c) {
    const k = (part: string, v: number) => c.op("Constant", [], [ints("value_ints", [v])], part);
    c.op("Slice", [c.x, k("starts", a.start), k("ends", a.end), k("axes", 1)]);
  },
  pytorch: (a) => ({ module: `Channels(${py(a.start)}, ${py(a.end)})`, uses: ["Channels"] }),
});
