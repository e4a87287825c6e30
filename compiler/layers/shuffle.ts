/** `shuffle G`: channel shuffle with G groups (ShuffleNet), torchvision's order. */
import { channelMismatch, channelsOf } from "./channel-ops.js";
import { ints } from "./onnx.js";
import { defineLayer, lit } from "./types.js";
import { py } from "./pytorch.js";

export interface ShuffleAttrs {
  groups: number;
}

export const shuffle = defineLayer<ShuffleAttrs>({
  kind: "shuffle",
  words: "G",
  doc: "Channel shuffle with G groups (ShuffleNet; torchvision's order: view C as G×(C/G), transpose, flatten); G divides C.",
  read(r) {
    const g = r.number("the group count G", { min: 1, integer: true, rule: "a whole number ≥ 1", hint: "`shuffle 2` interleaves two halves of the channels" }, true);
    if (g === undefined) return undefined;
    r.end();
    return r.failed ? undefined : { groups: g };
  },
  infer(a, input, ctx) {
    const { c } = channelsOf(input);
    if (c % a.groups !== 0) {
      const divisors = Array.from({ length: c }, (_, i) => i + 1).filter((d) => c % d === 0 && d > 1 && d < c);
      return channelMismatch(ctx, `shuffle ${a.groups}`, input, `G must divide ${c}${divisors.length ? `: ${divisors.slice(0, 6).join(", ")}${divisors.length > 6 ? ", …" : ""} do` : ""}`);
    }
    return input;
  },
  flops: () => 0,
  emit: {
    backwardReads: [],
    // A shuffle with G groups is undone by one with C/G groups.
    forward: (a, e) => {
      const { c, hw } = channelsOf(e.input);
      return [`k.channelShuffle(${e.x}, ${e.y}, ${e.n}, ${lit(c)}, ${lit(a.groups)}, ${lit(hw)});`];
    },
    backward: (a, e) => {
      const { c, hw } = channelsOf(e.input);
      return [`k.channelShuffle(${e.dy}, ${e.dx}, ${e.n}, ${lit(c)}, ${lit(c / a.groups)}, ${lit(hw)});`];
    },
  },
  // Reshape to [N, G, C/G, …], swap axes 1 and 2, reshape back (0 keeps the batch size).
  onnx(a, c) {
    const rest = c.input.slice(1);
    const ch = c.input[0]!;
    const shape = (part: string, dims: number[]) => c.op("Constant", [], [ints("value_ints", dims)], part);
    const grouped = c.op("Reshape", [c.x, shape("groupedShape", [0, a.groups, ch / a.groups, ...rest])], [], "grouped");
    const perm = [0, 2, 1, ...rest.map((_, i) => i + 3)];
    const swapped = c.op("Transpose", [grouped], [ints("perm", perm)], "transposed");
    c.op("Reshape", [swapped, shape("shape", [0, ch, ...rest])]);
  },
  pytorch: (a) => ({ module: `Shuffle(${py(a.groups)})`, uses: ["Shuffle"] }),
});
