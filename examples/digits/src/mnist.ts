/**
 * A drawing → a 28×28 input as MNIST prepared its digits: the ink's bounding
 * box scaled to fit 20×20 (keeping its aspect ratio, averaging the pixels each
 * input pixel covers, so strokes become grey levels), placed so its centre of
 * mass is the middle of pixel (14, 14), where MNIST's digits have theirs.
 */
const SIDE = 28;
const BOX = 20;
/** Where the centre of mass goes, in input pixels from the top left corner. */
const CENTRE = 14.5;

/** `ink`: width × height values in [0, 1] (0: background). Null when nothing is drawn. */
export function toMnist(ink: ArrayLike<number>, width: number, height: number): Float32Array | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1, mass = 0, mx = 0, my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ink[y * width + x]!;
      if (v <= 0) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
    }
  }
  if (mass === 0) return null;
  const scale = BOX / Math.max(x1 - x0 + 1, y1 - y0 + 1); // input pixels per drawing pixel
  const cx = mx / mass, cy = my / mass; // centre of mass, in drawing pixels
  const out = new Float32Array(SIDE * SIDE);
  for (let ty = 0; ty < SIDE; ty++) {
    for (let tx = 0; tx < SIDE; tx++) {
      // The drawing's pixels under input pixel (tx, ty): a box of about 1/scale × 1/scale drawing pixels, averaged.
      const bx0 = Math.round(cx + (tx - CENTRE) / scale), bx1 = Math.max(bx0 + 1, Math.round(cx + (tx + 1 - CENTRE) / scale));
      const by0 = Math.round(cy + (ty - CENTRE) / scale), by1 = Math.max(by0 + 1, Math.round(cy + (ty + 1 - CENTRE) / scale));
      let sum = 0;
      for (let y = Math.max(0, by0); y < Math.min(height, by1); y++) for (let x = Math.max(0, bx0); x < Math.min(width, bx1); x++) sum += ink[y * width + x]!;
      out[ty * SIDE + tx] = Math.min(1, sum / ((bx1 - bx0) * (by1 - by0)));
    }
  }
  return out;
}
