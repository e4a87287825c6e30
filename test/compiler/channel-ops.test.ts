// padchannels F, channels A:B, shuffle G: shapes, the colon of `channels A:B` (not a label), and their errors.
import { describe, expect, it } from "vitest";
import { channelEmbed, channelExtract, channelShuffle } from "../../runtime/index.js";
import { codes, diagnose, summary } from "../helpers/check.js";

const shapes = (body: string) => summary(`model m { input 4x3x3, ${body} }`).layers.map((l) => l.outputShape.join("x"));

describe("channel statements", () => {
  it("shapes and counts", () => {
    expect(shapes("padchannels 8, channels 2:6, shuffle 2")).toEqual(["8x3x3", "4x3x3", "4x3x3"]);
    expect(summary("model m { input 5, padchannels 9, channels 0:3 }").layers.map((l) => [l.outputShape.join("x"), l.params, l.flops])).toEqual([
      ["9", 0, 0],
      ["3", 0, 0],
    ]);
  });

  it("`channels A:B` takes block parameters on either side of the colon, and a label before it is still a label", () => {
    const spec = "block half(c, h) { first: channels 0:h, padchannels c, rest: channels h:c }\nmodel m { input 8x2x2, half(8, 4) }";
    expect(diagnose(spec)).toEqual([]);
    expect(summary(spec).layers.map((l) => [l.name, l.outputShape.join("x")])).toEqual([
      ["half1.first", "4x2x2"],
      ["half1.padchannels1", "8x2x2"],
      ["half1.rest", "4x2x2"],
    ]);
    expect(shapes("channels 1:3\n relu")).toEqual(["2x3x3", "2x3x3"]);
  });

  it("errors: NN3030 at the statement with a help line; NN2013 and NN2012 at the words", () => {
    const one = (body: string) => diagnose(`model m { input 4x3x3, ${body} }`);
    expect(one("padchannels 3")).toEqual(["NN3030 1:24 `padchannels 3` does not fit the 4 channels of its input 4x3x3"]);
    expect(one("channels 2:5")).toEqual(["NN3030 1:24 `channels 2:5` does not fit the 4 channels of its input 4x3x3"]);
    expect(one("shuffle 3")).toEqual(["NN3030 1:24 `shuffle 3` does not fit the 4 channels of its input 4x3x3"]);
    expect(codes("model m { input 4x3x3, channels 2:2 }")).toEqual(["NN2013"]);
    expect(codes("model m { input 4x3x3, channels -1:2 }")).toEqual(["NN2013"]);
    expect(codes("model m { input 4x3x3, channels 2 }")).toEqual(["NN2012"]);
    expect(codes("model m { input 4x3x3, shuffle 0 }")).toEqual(["NN2013"]);
  });
});

describe("channel kernels", () => {
  // two examples of 4 channels of 2 values: channel c of example b holds 100·b + 10·c + (0, 1)
  const x = Float64Array.from({ length: 16 }, (_, i) => 100 * Math.floor(i / 8) + 10 * Math.floor((i % 8) / 2) + (i % 2));
  const channelsOf = (t: Float64Array, c: number) => Array.from({ length: t.length / 2 }, (_, i) => t[2 * i]!).map((v, i) => (i % c === 0 ? v : v));

  it("shuffle 2 of 4 channels is torchvision's 0 2 1 3; shuffle with C/G groups undoes it", () => {
    const y = new Float64Array(16);
    channelShuffle(x, y, 2, 4, 2, 2);
    expect(channelsOf(y, 4)).toEqual([0, 20, 10, 30, 100, 120, 110, 130]);
    const back = new Float64Array(16);
    channelShuffle(y, back, 2, 4, 2, 2);
    expect(back).toEqual(x);
  });

  it("embed pads with zeros around the channels, extract takes them back", () => {
    const y = new Float64Array(2 * 7 * 2).fill(NaN);
    channelEmbed(x, y, 2, 4, 7, 1, 2);
    expect(channelsOf(y, 7)).toEqual([0, 0, 10, 20, 30, 0, 0, 0, 100, 110, 120, 130, 0, 0]);
    const z = new Float64Array(16);
    channelExtract(y, z, 2, 7, 4, 1, 2);
    expect(z).toEqual(x);
  });
});
