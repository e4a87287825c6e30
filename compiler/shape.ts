/** Shapes are per example (the batch dimension is implicit): [N] for vectors, [C, H, W] for images. */
export type Shape = readonly number[];

export function formatShape(s: Shape): string {
  return s.join("x");
}

export function numel(s: Shape): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export const isImage = (s: Shape): boolean => s.length === 3;
export const isVector = (s: Shape): boolean => s.length === 1;
