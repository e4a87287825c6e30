/**
 * The bundled digits (public/digits.bin, written by scripts/prepare.mjs from
 * the `mnist` package): "NNDG", the training and held-out counts (uint32 LE),
 * then one label byte per example, then 784 grey bytes (0–255) per example.
 */
export interface DigitSet {
  /** n × 784 pixels in [0, 1], row by row. */
  x: Float32Array;
  labels: Int32Array;
  n: number;
}

export function parseDigits(buffer: ArrayBuffer): { train: DigitSet; test: DigitSet } {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== "NNDG") throw new Error("digits.bin: not a digits file (run `npm run prepare-data`)");
  const nTrain = view.getUint32(4, true);
  const nTest = view.getUint32(8, true);
  const n = nTrain + nTest;
  if (bytes.length !== 12 + n * 785) throw new Error(`digits.bin: ${bytes.length} bytes, expected ${12 + n * 785} for ${n} digits`);
  const set = (first: number, count: number): DigitSet => {
    const x = new Float32Array(count * 784);
    const pixels = bytes.subarray(12 + n + first * 784, 12 + n + (first + count) * 784);
    for (let i = 0; i < x.length; i++) x[i] = pixels[i]! / 255;
    return { x, labels: Int32Array.from(bytes.subarray(12 + first, 12 + first + count)), n: count };
  };
  return { train: set(0, nTrain), test: set(nTrain, nTest) };
}
