/** `padchannels F`: CxHxW → FxHxW with ⌊(F−C)/2⌋ zero channels before and the rest after (ResNet's parameter-free "option A" shortcut). */
import { channelMismatch, channelsOf } from "./channel-ops.js";
import { ints } from "./onnx.js";
import { defineLayer, lit } from "./types.js";
import { py } from "./pytorch.js";

export interface PadChannelsAttrs {
  channels: number;
}

/** Zero channels before the input's (the rest go after). */
export const padBefore = (c: number, f: number): number => Math.floor((f - c) / 2);

export const padchannels = defineLayer<PadChannelsAttrs>({
  kind: "padchannels",
  words: "F",
  doc: "Pads the channels with zeros to F: ⌊(F−C)/2⌋ before, the rest after (ResNet's parameter-free \"option A\" shortcut).",
  read(r) {
    const f = r.number("the channel count F", { min: 1, integer: true, rule: "a whole number ≥ 1", hint: "`padchannels 32` pads 16 channels to 32" }, true);
    if (f === undefined) return undefined;
    r.end();
    return r.failed ? undefined : { channels: f };
  },
  infer(a, input, ctx) {
    const { c } = channelsOf(input);
    if (a.channels < c) return channelMismatch(ctx, `padchannels ${a.channels}`, input, `padchannels only adds channels: write \`padchannels ${c}\` or more, or \`channels 0:${a.channels}\` to keep the first ${a.channels}`);
    return [a.channels, ...input.slice(1)];
  },
  flops: () => 0,
  emit: {
    backwardReads: [],
    forward: (a, e) => {
      const { c, hw } = channelsOf(e.input);
      return [`k.channelEmbed(${e.x}, ${e.y}, ${e.n}, ${lit(c)}, ${lit(a.channels)}, ${lit(padBefore(c, a.channels))}, ${lit(hw)});`];
    },
    backward: (a, e) => {
      const { c, hw } = channelsOf(e.input);
      return [`k.channelExtract(${e.dy}, ${e.dx}, ${e.n}, ${lit(a.channels)}, ${lit(c)}, ${lit(padBefore(c, a.channels))}, ${lit(hw)});`];
    },
  },
  // Pad with zeros on axis 1 only; the pads are [begin of every axis, end of every axis].
  onnx(a, c) {
    const rank = c.input.length + 1;
    const begins = Array.from({ length: rank }, (_, i) => (i === 1 ? padBefore(c.input[0]!, a.channels) : 0));
    const ends = Array.from({ length: rank }, (_, i) => (i === 1 ? a.channels - c.input[0]! - begins[1]! : 0));
    c.op("Pad", [c.x, c.op("Constant", [], [ints("value_ints", [...begins, ...ends])], "pads")]);
  },
  // Zero channels before and after on dim 1.
  pytorch(a, c) {
    const before = padBefore(c.input[0]!, a.channels);
    return { module: `PadChannels(${py(before)}, ${py(a.channels - c.input[0]! - before)})`, uses: ["PadChannels"] };
  },
});
