/**
 * Small helpers shared by the safetensors and npy codecs: host byte order,
 * overflow-checked element counts, and little/big-endian element copies.
 *
 * Every reader here copies out of the input bytes into freshly allocated,
 * correctly aligned typed arrays, so decoded tensors never alias (or pin) the
 * file buffer and unaligned data offsets are harmless.
 */

/** True when the host stores multi-byte numbers little-endian (x86, ARM...). */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Product of `shape`, or `undefined` when a dimension is not a non-negative
 * safe integer or the product (or product × itemSize) is not a safe integer.
 */
export function checkedElementCount(shape: readonly unknown[], itemSize = 1): number | undefined {
  let count = 1;
  for (const dim of shape) {
    if (typeof dim !== "number" || !Number.isSafeInteger(dim) || dim < 0) return undefined;
    count *= dim;
    if (!Number.isSafeInteger(count)) return undefined;
  }
  return Number.isSafeInteger(count * itemSize) ? count : undefined;
}

/** A view of `bytes` that respects its byteOffset (Node Buffers are often pool slices). */
export function dataViewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Copy `byteLength` bytes starting at `start` into a fresh, 0-offset ArrayBuffer. */
export function copyBytes(bytes: Uint8Array, start: number, byteLength: number): ArrayBuffer {
  const out = new Uint8Array(byteLength);
  out.set(bytes.subarray(start, start + byteLength));
  return out.buffer;
}

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** Reinterpret the typed array's own bytes (no copy). */
export function bytesOf(data: NumericArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Write `data` into `out` at `offset` in little-endian order.
 * Supports Float32Array, Float64Array, Uint8Array, Int32Array (what the writers need).
 */
export function writeLittleEndian(out: Uint8Array, offset: number, data: Float32Array | Float64Array | Uint8Array | Int32Array): void {
  if (HOST_LITTLE_ENDIAN || data instanceof Uint8Array) {
    out.set(bytesOf(data), offset);
    return;
  }
  const view = dataViewOf(out);
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(offset + 4 * i, data[i]!, true);
  } else if (data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) view.setFloat64(offset + 8 * i, data[i]!, true);
  } else {
    for (let i = 0; i < data.length; i++) view.setInt32(offset + 4 * i, data[i]!, true);
  }
}

/** Element kinds the readers understand. */
export type ElementKind =
  | "f16"
  | "bf16"
  | "f32"
  | "f64"
  | "i8"
  | "u8"
  | "i16"
  | "u16"
  | "i32"
  | "u32"
  | "i64"
  | "u64"
  | "bool";

export const ELEMENT_SIZE: Readonly<Record<ElementKind, number>> = {
  f16: 2,
  bf16: 2,
  f32: 4,
  f64: 8,
  i8: 1,
  u8: 1,
  i16: 2,
  u16: 2,
  i32: 4,
  u32: 4,
  i64: 8,
  u64: 8,
  bool: 1,
};

/** IEEE 754 binary16 bits → number (exact; every half value is a float32 value). */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Read a 64-bit integer as a JS number; returns `undefined` when the value is
 * not a safe integer (|v| > 2^53 - 1), so callers can report it.
 */
export function readInt64(view: DataView, offset: number, littleEndian: boolean, signed: boolean): number | undefined {
  const lo = view.getUint32(offset + (littleEndian ? 0 : 4), littleEndian);
  const hiOffset = offset + (littleEndian ? 4 : 0);
  const hi = signed ? view.getInt32(hiOffset, littleEndian) : view.getUint32(hiOffset, littleEndian);
  // hi * 2^32 is exact; adding lo only rounds when |value| >= 2^53, and
  // rounding is monotone, so a rounded result is never a safe integer.
  const value = hi * 4294967296 + lo;
  return Number.isSafeInteger(value) ? value : undefined;
}

export function readInt64Exact(view: DataView, offset: number, littleEndian: boolean, signed: boolean): bigint {
  return signed ? view.getBigInt64(offset, littleEndian) : view.getBigUint64(offset, littleEndian);
}

export type Int64Problem = { index: number; value: bigint };

/**
 * Decode `count` elements of `kind` starting at byte `start` of `bytes` into
 * `out`, which must have length `count` and a type able to hold the values.
 * Returns the first out-of-range 64-bit integer, if any (out is then partial).
 *
 * `int64Range` bounds 64-bit integers (inclusive); default is the safe-integer range.
 */
export function decodeElements(
  bytes: Uint8Array,
  start: number,
  count: number,
  kind: ElementKind,
  littleEndian: boolean,
  out: NumericArray,
  int64Range: readonly [number, number] = [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
): Int64Problem | undefined {
  const size = ELEMENT_SIZE[kind];
  // Fast path: same element layout in the file and in `out`, native byte order.
  if (littleEndian === HOST_LITTLE_ENDIAN || size === 1) {
    const same =
      (kind === "f32" && out instanceof Float32Array) ||
      (kind === "f64" && out instanceof Float64Array) ||
      (kind === "i8" && out instanceof Int8Array) ||
      (kind === "u8" && out instanceof Uint8Array) ||
      (kind === "i16" && out instanceof Int16Array) ||
      (kind === "u16" && out instanceof Uint16Array) ||
      (kind === "i32" && out instanceof Int32Array) ||
      (kind === "u32" && out instanceof Uint32Array);
    if (same) {
      bytesOf(out).set(bytes.subarray(start, start + count * size));
      return undefined;
    }
  }
  const view = dataViewOf(bytes);
  const le = littleEndian;
  switch (kind) {
    case "f16":
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(start + 2 * i, le));
      return undefined;
    case "bf16":
      // bfloat16 is the top half of a float32.
      for (let i = 0; i < count; i++) {
        out[i] = bf16Scratch(view.getUint16(start + 2 * i, le));
      }
      return undefined;
    case "f32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, le);
      return undefined;
    case "f64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, le);
      return undefined;
    case "i8":
      for (let i = 0; i < count; i++) out[i] = view.getInt8(start + i);
      return undefined;
    case "u8":
      for (let i = 0; i < count; i++) out[i] = view.getUint8(start + i);
      return undefined;
    case "bool":
      for (let i = 0; i < count; i++) out[i] = view.getUint8(start + i) === 0 ? 0 : 1;
      return undefined;
    case "i16":
      for (let i = 0; i < count; i++) out[i] = view.getInt16(start + 2 * i, le);
      return undefined;
    case "u16":
      for (let i = 0; i < count; i++) out[i] = view.getUint16(start + 2 * i, le);
      return undefined;
    case "i32":
      for (let i = 0; i < count; i++) out[i] = view.getInt32(start + 4 * i, le);
      return undefined;
    case "u32":
      for (let i = 0; i < count; i++) out[i] = view.getUint32(start + 4 * i, le);
      return undefined;
    case "i64":
    case "u64": {
      const signed = kind === "i64";
      const [lo, hi] = int64Range;
      for (let i = 0; i < count; i++) {
        const offset = start + 8 * i;
        const value = readInt64(view, offset, le, signed);
        if (value === undefined || value < lo || value > hi) {
          return { index: i, value: readInt64Exact(view, offset, le, signed) };
        }
        out[i] = value;
      }
      return undefined;
    }
  }
}

const bf16Bits = new Uint32Array(1);
const bf16Float = new Float32Array(bf16Bits.buffer);
function bf16Scratch(bits: number): number {
  bf16Bits[0] = bits << 16;
  return bf16Float[0]!;
}

/** Multi-index (row-major) of flat element `index` in `shape`, e.g. "[1, 0, 2]". */
export function formatIndex(index: number, shape: readonly number[]): string {
  const idx: number[] = new Array<number>(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    const dim = shape[d]!;
    idx[d] = dim === 0 ? 0 : rest % dim;
    rest = dim === 0 ? 0 : Math.floor(rest / dim);
  }
  return `[${idx.join(", ")}]`;
}

/** Matches lone UTF-16 surrogates, which cannot be encoded as UTF-8. */
export const LONE_SURROGATE = /\p{Surrogate}/u;
