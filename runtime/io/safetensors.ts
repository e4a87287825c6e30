/**
 * safetensors reader/writer (https://github.com/huggingface/safetensors).
 *
 * Layout: u64 little-endian header length N, N bytes of UTF-8 JSON header,
 * then the tensor data. The header maps tensor names to
 * `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the
 * first data byte) plus an optional `"__metadata__"` string→string map.
 *
 * Writing (`encodeSafetensors`): F32/F64 only. Output is deterministic:
 * `__metadata__` first (keys sorted), then tensors sorted by name (code point
 * order, i.e. UTF-8 byte order), data laid out contiguously in that same
 * order, compact JSON as serde_json writes it, header padded with spaces to
 * a multiple of 8 bytes. (The reference writer sorts by dtype alignment
 * first, then name; readers do not care about the order.)
 *
 * Reading (`decodeSafetensors`) validates the whole file before allocating
 * any tensor memory and throws `WeightsFormatError` on any problem. Decoded
 * `data` is always a fresh copy:
 *   F32, F16, BF16, U8, I8, U16, I16, BOOL → Float32Array (exact)
 *   F64, I32, U32, I64, U64                → Float64Array (exact; I64/U64
 *     values beyond ±(2^53 − 1) are rejected)
 * `dtype` in the result is the dtype stored in the file.
 */
// Files through the platform: the bounded reader (io/read.ts) and io/atomic.ts on Node; in browsers these throw (use the bytes functions).
import { readFile, readFileSync, writeFileAtomic, writeFileAtomicSync } from "#platform";
import {
  ELEMENT_SIZE,
  LONE_SURROGATE,
  checkedElementCount,
  dataViewOf,
  decodeElements,
  formatIndex,
  HOST_LITTLE_ENDIAN,
  writeLittleEndian,
  type ElementKind,
} from "./binary.js";

/** Thrown for malformed safetensors files and invalid tensors passed to the encoder. */
export class WeightsFormatError extends Error {
  /** Tensor the problem is about, when there is one. */
  readonly tensor: string | undefined;
  /** File the bytes came from, when known. */
  readonly file: string | undefined;
  constructor(message: string, details: { tensor?: string | undefined; file?: string | undefined } = {}) {
    super(message);
    this.name = "WeightsFormatError";
    this.tensor = details.tensor;
    this.file = details.file;
  }
}

/** Largest header accepted (same limit as the reference implementation). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Dtypes the decoder can read. */
export type SafetensorsReadDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U64" | "U32" | "U16" | "U8" | "BOOL";
/** Dtypes the encoder writes. */
export type SafetensorsWriteDtype = "F32" | "F64";

export interface SafetensorsTensorInput {
  dtype: SafetensorsWriteDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface SafetensorsTensor {
  /** dtype as stored in the file. */
  dtype: SafetensorsReadDtype;
  shape: number[];
  /** Float32Array or Float64Array, see the module comment for the mapping. */
  data: Float32Array | Float64Array;
}

export interface DecodedSafetensors {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export interface DecodeSafetensorsOptions {
  /** Name of the file (or other source) to mention in error messages. */
  source?: string;
  /**
   * Only check the header in `bytes` (the beginning of a file) against a
   * file of this many bytes, and return no tensors: how a file is refused
   * before its data is read when its size is not what its header promises.
   */
  fileSize?: number;
  /**
   * F32 and F64 tensors as views of `bytes` (sharing its memory, no copy)
   * where the host is little-endian and the data is aligned; copies
   * otherwise. For a reader that copies the values elsewhere at once
   * (loadWeights), so a large file is not held twice.
   */
  views?: boolean;
}

const DTYPES: Readonly<Record<SafetensorsReadDtype, { kind: ElementKind; wide: boolean }>> = {
  F64: { kind: "f64", wide: true },
  F32: { kind: "f32", wide: false },
  F16: { kind: "f16", wide: false },
  BF16: { kind: "bf16", wide: false },
  I64: { kind: "i64", wide: true },
  I32: { kind: "i32", wide: true },
  I16: { kind: "i16", wide: false },
  I8: { kind: "i8", wide: false },
  U64: { kind: "u64", wide: true },
  U32: { kind: "u32", wide: true },
  U16: { kind: "u16", wide: false },
  U8: { kind: "u8", wide: false },
  BOOL: { kind: "bool", wide: false },
};

/** Dtypes defined by the safetensors spec that this reader does not convert. */
const KNOWN_UNSUPPORTED = new Set(["F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64", "C128"]);

function isReadDtype(d: string): d is SafetensorsReadDtype {
  return Object.prototype.hasOwnProperty.call(DTYPES, d);
}

function nullRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (typeof v === "number") return `the number ${v}`;
  return `${typeof v === "object" ? "an object" : typeof v}`;
}

/** Compare strings by code point (equivalently, by their UTF-8 bytes). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800–0xDFFF) encode code points above every BMP unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------- encode

/**
 * Serialize tensors (F32/F64) and optional string metadata to safetensors bytes.
 * Throws WeightsFormatError for invalid input (shape/data mismatch, wrong
 * array type for the dtype, bad names or metadata).
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensorInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  if (typeof tensors !== "object" || tensors === null) {
    throw new WeightsFormatError("encodeSafetensors: tensors must be an object mapping names to tensors");
  }
  const names = Object.keys(tensors).sort(compareCodePoints);
  const parts: string[] = [];

  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
      throw new WeightsFormatError("encodeSafetensors: metadata must be an object mapping strings to strings");
    }
    const keys = Object.keys(metadata).sort(compareCodePoints);
    const entries = keys.map((k) => {
      const v: unknown = metadata[k];
      if (typeof v !== "string") {
        throw new WeightsFormatError(`encodeSafetensors: metadata value for key ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
      }
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) {
        throw new WeightsFormatError(`encodeSafetensors: metadata entry ${JSON.stringify(k)} contains an unpaired surrogate (not valid UTF-8)`);
      }
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${entries.join(",")}}`);
  }

  let offset = 0;
  const layout: { data: Float32Array | Float64Array; begin: number }[] = [];
  for (const name of names) {
    const t = tensors[name];
    const fail = (problem: string): never => {
      throw new WeightsFormatError(`encodeSafetensors: tensor ${JSON.stringify(name)}: ${problem}`, { tensor: name });
    };
    if (name === "__metadata__") fail(`"__metadata__" is reserved and cannot be a tensor name`);
    if (LONE_SURROGATE.test(name)) fail("name contains an unpaired surrogate (not valid UTF-8)");
    if (typeof t !== "object" || t === null) fail(`expected {dtype, shape, data}, got ${describe(t)}`);
    const { dtype, shape, data } = t;
    if (dtype !== "F32" && dtype !== "F64") fail(`unsupported dtype ${JSON.stringify(dtype)} for writing (only "F32" and "F64")`);
    if (!Array.isArray(shape)) fail(`shape must be an array of non-negative integers, got ${describe(shape)}`);
    shape.forEach((d, i) => {
      if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
        fail(`shape[${i}] must be a non-negative integer, got ${describe(d)}`);
      }
    });
    const itemSize = dtype === "F32" ? 4 : 8;
    const wantArray = dtype === "F32" ? Float32Array : Float64Array;
    if (!(data instanceof wantArray)) {
      fail(`dtype ${dtype} needs data as a ${wantArray.name}, got ${data === null || typeof data !== "object" ? describe(data) : (data as object).constructor?.name ?? "an object"}`);
    }
    const count = checkedElementCount(shape, itemSize);
    if (count === undefined) fail(`shape [${shape.join(", ")}] has too many elements`);
    if (count !== data.length) fail(`shape [${shape.join(", ")}] has ${count} elements but data has ${data.length}`);
    const byteLength = count! * itemSize;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${shape.join(",")}],"data_offsets":[${offset},${offset + byteLength}]}`);
    layout.push({ data, begin: offset });
    offset += byteLength;
  }

  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  dataViewOf(out).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const dataStart = 8 + headerLength;
  for (const { data, begin } of layout) writeLittleEndian(out, dataStart + begin, data);
  return out;
}

// ---------------------------------------------------------------- decode

interface Entry {
  name: string;
  dtype: SafetensorsReadDtype;
  shape: number[];
  count: number;
  begin: number;
  end: number;
}

/**
 * Parse and fully validate safetensors bytes. Throws WeightsFormatError
 * (naming the tensor and the problem, and `options.source` if given).
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeSafetensorsOptions = {}): DecodedSafetensors {
  const source = options.source;
  const prefix = source !== undefined ? `${source}: ` : "";
  const fail = (problem: string, tensor?: string): never => {
    const where = tensor !== undefined ? `tensor ${JSON.stringify(tensor)}: ` : "";
    throw new WeightsFormatError(`${prefix}invalid safetensors file: ${where}${problem}`, { tensor, file: source });
  };

  if (!(bytes instanceof Uint8Array)) fail("expected a Uint8Array of file contents");
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length prefix`);
  const view = dataViewOf(bytes);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${declared} is absurd (limit ${MAX_HEADER_BYTES} bytes)`);
  }
  const headerLength = Number(declared);
  if (headerLength > bytes.length - 8) {
    fail(`header length ${headerLength} is larger than the ${bytes.length - 8} bytes after the length prefix (truncated file?)`);
  }

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    return fail("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) fail(`header must start with "{" (got ${JSON.stringify(text.slice(0, 16))})`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail(`header must be a JSON object, got ${describe(header)}`);
  }
  const headerObject = header as Record<string, unknown>;

  const metadata = nullRecord<string>();
  const rawMeta = headerObject["__metadata__"];
  if (Object.prototype.hasOwnProperty.call(headerObject, "__metadata__") && rawMeta !== null) {
    if (typeof rawMeta !== "object" || Array.isArray(rawMeta)) {
      fail(`"__metadata__" must be an object of strings, got ${describe(rawMeta)}`);
    }
    for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof v !== "string") fail(`"__metadata__" value for key ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }

  const dataLength = (options.fileSize ?? bytes.length) - 8 - headerLength;
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(headerObject)) {
    if (name === "__metadata__") continue;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      fail(`entry must be an object with dtype, shape and data_offsets, got ${describe(raw)}`, name);
    }
    const info = raw as Record<string, unknown>;
    for (const key of ["dtype", "shape", "data_offsets"]) {
      if (!Object.prototype.hasOwnProperty.call(info, key)) fail(`missing "${key}"`, name);
    }
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== "string") fail(`"dtype" must be a string, got ${describe(dtype)}`, name);
    const dt = dtype as string;
    if (!isReadDtype(dt)) {
      fail(
        `unsupported dtype ${JSON.stringify(dt)}` +
          (KNOWN_UNSUPPORTED.has(dt) ? "" : " (not a safetensors dtype)") +
          ` — supported: ${Object.keys(DTYPES).join(", ")}`,
        name,
      );
    }
    if (!Array.isArray(shape)) fail(`"shape" must be an array of non-negative integers, got ${describe(shape)}`, name);
    const dims = shape as unknown[];
    dims.forEach((d, i) => {
      if (typeof d !== "number" || !Number.isInteger(d)) fail(`shape[${i}] must be an integer, got ${describe(d)}`, name);
      if ((d as number) < 0) fail(`shape[${i}] is negative (${d as number})`, name);
      if (!Number.isSafeInteger(d)) fail(`shape[${i}] = ${d as number} is too large`, name);
    });
    if (!Array.isArray(offsets) || offsets.length !== 2) {
      fail(`"data_offsets" must be an array [begin, end], got ${describe(offsets)}`, name);
    }
    const [begin, end] = offsets as unknown[];
    for (const [label, v] of [["begin", begin], ["end", end]] as const) {
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
        fail(`data_offsets ${label} must be a non-negative integer, got ${describe(v)}`, name);
      }
    }
    const b = begin as number;
    const e = end as number;
    if (e < b) fail(`data_offsets [${b}, ${e}]: end is before begin`, name);
    if (e > dataLength) {
      fail(`data_offsets [${b}, ${e}] run past the end of the data section (${dataLength} bytes; truncated file?)`, name);
    }
    const itemSize = ELEMENT_SIZE[DTYPES[dt as SafetensorsReadDtype].kind];
    const count = checkedElementCount(dims, itemSize);
    const shapeText = `[${dims.join(", ")}]`;
    if (count === undefined) fail(`shape ${shapeText} has too many elements`, name);
    const needed = count! * itemSize;
    if (needed !== e - b) {
      fail(`data_offsets [${b}, ${e}] span ${e - b} bytes but shape ${shapeText} × ${dt} (${itemSize} bytes) needs ${needed}`, name);
    }
    entries.push({ name, dtype: dt as SafetensorsReadDtype, shape: dims as number[], count: count!, begin: b, end: e });
  }

  // The data section must be covered exactly: no holes, no overlaps, no trailing bytes.
  const sorted = [...entries].sort((x, y) => x.begin - y.begin || x.end - y.end);
  let cursor = 0;
  let previous: Entry | undefined;
  for (const entry of sorted) {
    if (entry.begin > cursor) {
      fail(
        `data_offsets [${entry.begin}, ${entry.end}] leave a hole of ${entry.begin - cursor} unused bytes at data offset ${cursor}` +
          (previous ? ` (after tensor ${JSON.stringify(previous.name)})` : ""),
        entry.name,
      );
    }
    if (entry.begin < cursor) {
      fail(
        `data_offsets [${entry.begin}, ${entry.end}] overlap tensor ${JSON.stringify(previous!.name)} ([${previous!.begin}, ${previous!.end}])`,
        entry.name,
      );
    }
    cursor = entry.end;
    previous = entry;
  }
  if (cursor !== dataLength) {
    fail(`${dataLength - cursor} trailing bytes after the last tensor's data (data section is ${dataLength} bytes, tensors cover ${cursor})`);
  }

  if (options.fileSize !== undefined) return { tensors: nullRecord<SafetensorsTensor>(), metadata };
  // Everything is validated; sizes are bounded by the input length.
  const dataStart = 8 + headerLength;
  const tensors = nullRecord<SafetensorsTensor>();
  for (const entry of entries) {
    const { kind, wide } = DTYPES[entry.dtype];
    const view = options.views ? floatView(bytes, dataStart + entry.begin, entry) : undefined;
    const data = view ?? (wide ? new Float64Array(entry.count) : new Float32Array(entry.count));
    const problem = view ? undefined : decodeElements(bytes, dataStart + entry.begin, entry.count, kind, true, data);
    if (problem) {
      fail(
        `${entry.dtype} value ${problem.value} at index ${formatIndex(problem.index, entry.shape)} cannot be represented exactly as a float64 (|value| > 2^53 - 1)`,
        entry.name,
      );
    }
    Object.defineProperty(tensors, entry.name, {
      value: { dtype: entry.dtype, shape: [...entry.shape], data },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { tensors, metadata };
}

/** An F32 or F64 tensor's data as a view of `bytes`, when the host reads it as is (little-endian, aligned). */
function floatView(bytes: Uint8Array, start: number, entry: Entry): Float32Array | Float64Array | undefined {
  const size = entry.dtype === "F32" ? 4 : entry.dtype === "F64" ? 8 : 0;
  if (size === 0 || !HOST_LITTLE_ENDIAN || (bytes.byteOffset + start) % size !== 0) return undefined;
  const at = bytes.byteOffset + start;
  return size === 4 ? new Float32Array(bytes.buffer, at, entry.count) : new Float64Array(bytes.buffer, at, entry.count);
}

// ---------------------------------------------------------------- files

/** Encode and atomically write a safetensors file. */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, SafetensorsTensorInput>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Synchronous `saveSafetensors` (e.g. for a SIGINT handler). */
export function saveSafetensorsSync(
  path: string,
  tensors: Record<string, SafetensorsTensorInput>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomicSync(path, encodeSafetensors(tensors, metadata));
}

/** Refuse a safetensors file whose size is not what its header promises, from its header, before its data is read. */
export function checkSafetensorsHead(path: string): (read: (length: number) => Uint8Array, size: number) => void {
  return (read, size) => {
    const prefix = read(8);
    const declared = prefix.length === 8 ? dataViewOf(prefix).getBigUint64(0, true) : 0n;
    const headerLength = declared > BigInt(MAX_HEADER_BYTES) ? 0 : Number(declared);
    decodeSafetensors(read(8 + headerLength), { source: path, fileSize: size });
  };
}

/** Read and decode a safetensors file; format errors name the file. */
export async function loadSafetensors(path: string): Promise<DecodedSafetensors> {
  const bytes = await readFile(path, { checkHead: checkSafetensorsHead(path), caller: "loadSafetensors" });
  return decodeSafetensors(bytes, { source: path });
}

/** Synchronous `loadSafetensors`. */
export function loadSafetensorsSync(path: string): DecodedSafetensors {
  return decodeSafetensors(readFileSync(path, { checkHead: checkSafetensorsHead(path), caller: "loadSafetensorsSync" }), { source: path });
}
