/** What padchannels, channels A:B and shuffle G share: the channel count of an image (or the size of a vector) and the mismatch report. */
import { formatShape, numel, type Shape } from "../shape.js";
import type { InferContext } from "./types.js";

/** C of CxHxW (or M of a vector) and the values per channel (H·W, or 1). */
export function channelsOf(input: Shape): { c: number; hw: number } {
  const c = input[0]!;
  return { c, hw: numel(input) / c };
}

/** NN3030 at the statement: `statement` does not fit the input's channels. */
export function channelMismatch(ctx: InferContext, statement: string, input: Shape, hint: string): undefined {
  ctx.report("NN3030", { statement, channels: input[0]!, shape: formatShape(input), hint }, ctx.span);
  return undefined;
}
