import type { Tensor } from "./tensor.js";

/*
 * Moving whole channels of [n][C][HW] batches: padchannels, channels A:B and
 * shuffle G. Each layer's backward is another of these: padding and slicing
 * are each other's transposes, and a shuffle with G groups is undone by one
 * with C/G groups.
 */

/** dst[b][offset + c] = src[b][c] for c < srcC, and 0 in dst's other channels: src [n][srcC][hw], dst [n][dstC][hw]. */
export function channelEmbed(src: Tensor, dst: Tensor, n: number, srcC: number, dstC: number, offset: number, hw: number): void {
  const s = srcC * hw;
  const d = dstC * hw;
  const o = offset * hw;
  for (let b = 0; b < n; b++) {
    dst.fill(0, b * d, b * d + o);
    dst.set(src.subarray(b * s, b * s + s), b * d + o);
    dst.fill(0, b * d + o + s, b * d + d);
  }
}

/** dst[b][c] = src[b][offset + c] for c < dstC: src [n][srcC][hw], dst [n][dstC][hw]. */
export function channelExtract(src: Tensor, dst: Tensor, n: number, srcC: number, dstC: number, offset: number, hw: number): void {
  const s = srcC * hw;
  const d = dstC * hw;
  const o = offset * hw;
  for (let b = 0; b < n; b++) dst.set(src.subarray(b * s + o, b * s + o + d), b * d);
}

/**
 * Channel shuffle with `groups` groups (torchvision's order: view C as
 * groups × C/groups, transpose, flatten): dst[b][k·groups + g] =
 * src[b][g·(C/groups) + k]. `groups` divides C; dst must not alias src.
 */
export function channelShuffle(src: Tensor, dst: Tensor, n: number, C: number, groups: number, hw: number): void {
  const per = C / groups;
  for (let b = 0; b < n; b++) {
    const base = b * C * hw;
    for (let g = 0; g < groups; g++)
      for (let k = 0; k < per; k++) {
        const from = base + (g * per + k) * hw;
        dst.set(src.subarray(from, from + hw), base + (k * groups + g) * hw);
      }
  }
}
