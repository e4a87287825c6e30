/**
 * NumPy `.npy` reader (format 1.0, 2.0, 3.0) and writer (format 1.0).
 *
 * File layout: magic "\x93NUMPY", major and minor version bytes, header
 * length (u16 LE in 1.0, u32 LE in 2.0/3.0), a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` (latin-1 in
 * 1.0/2.0, UTF-8 in 3.0) padded with spaces and '\n', then the raw data.
 *
 * Reading: the header is parsed by a small Python-literal parser (never
 * evaluated), checked exactly like numpy does (exactly the keys descr,
 * fortran_order, shape; shape a tuple of non-negative ints; fortran_order a
 * bool), and the data section must be exactly shape × itemsize bytes.
 * Decoded `data` is always a fresh, native-endian copy; big-endian files
 * (`>f4`, ...) are byte-swapped and `fortran_order: True` arrays are
 * transposed into C (row-major) order, so `shape` and `data` always describe
 * a row-major array. `dtype` in the result is the little-endian / `|` form
 * of the stored dtype (e.g. a `>i4` file reports `<i4`).
 *
 * dtype → data:
 *   <f4 → Float32Array   <f8 → Float64Array   <f2 → Float32Array (exact)
 *   |u1 → Uint8Array     |i1 → Int8Array      |b1 → Uint8Array of 0/1
 *   <i2 → Int16Array     <u2 → Uint16Array
 *   <i4 → Int32Array     <u4 → Uint32Array
 *   <i8, <u8 → Float64Array by default; a value outside ±(2^53 − 1) is an
 *     error. With `{ int64: "int32" }` they become an Int32Array instead and
 *     every value must lie in the int32 range (handy for class labels, which
 *     numpy saves as int64 by default).
 * Anything else (object `|O`, strings `<U`/`|S`, complex, datetime,
 * structured/void, long double, native `=` order) is an NpyFormatError.
 *
 * Writing (`encodeNpy`) produces byte-for-byte what `numpy.save` writes for
 * the dtypes <f4, <f8, |u1, <i4 (format 1.0; 2.0 only if the header would
 * not fit, which needs thousands of dimensions).
 */
// Files through the platform: the bounded reader (io/read.ts) and io/atomic.ts on Node; in browsers these throw (use the bytes functions).
import { readFile, readFileSync, writeFileAtomic, writeFileAtomicSync } from "#platform";
import { ELEMENT_SIZE, checkedElementCount, dataViewOf, decodeElements, formatIndex, writeLittleEndian, type ElementKind, type NumericArray } from "./binary.js";

/** Thrown for malformed or unsupported .npy data and invalid arrays passed to the encoder. */
export class NpyFormatError extends Error {
  /** File the bytes came from, when known. */
  readonly file: string | undefined;
  constructor(message: string, file?: string) {
    super(message);
    this.name = "NpyFormatError";
    this.file = file;
  }
}

export type NpyDtype = "<f2" | "<f4" | "<f8" | "|u1" | "|i1" | "|b1" | "<i2" | "<u2" | "<i4" | "<u4" | "<i8" | "<u8";
export type NpyData = NumericArray;

export interface NpyArray {
  /** Stored dtype in little-endian / byte-order-free form (see module comment). */
  dtype: NpyDtype;
  /** Row-major shape; [] for a 0-d (scalar) array. */
  shape: number[];
  /** Row-major, native-endian copy of the values. */
  data: NpyData;
}

export type NpyWriteDtype = "<f4" | "<f8" | "|u1" | "<i4";

export interface NpyWritable {
  dtype: NpyWriteDtype;
  shape: number[];
  data: Float32Array | Float64Array | Uint8Array | Int32Array;
}

export interface DecodeNpyOptions {
  /** Name of the file (or other source) to mention in error messages. */
  source?: string;
  /** How to return int64/uint64 data: Float64Array (default) or range-checked Int32Array. */
  int64?: "float64" | "int32";
  /**
   * Only check the header in `bytes` (the beginning of a file) against a
   * file of this many bytes, and return no data: how a file is refused
   * before its data is read when its size is not what its header promises.
   */
  fileSize?: number;
}

/** Largest header accepted when reading (numpy itself refuses > 10000 by default). */
export const MAX_NPY_HEADER_BYTES = 1 << 20;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const KINDS: Readonly<Record<string, { kind: ElementKind; dtype: NpyDtype }>> = {
  f2: { kind: "f16", dtype: "<f2" },
  f4: { kind: "f32", dtype: "<f4" },
  f8: { kind: "f64", dtype: "<f8" },
  u1: { kind: "u8", dtype: "|u1" },
  i1: { kind: "i8", dtype: "|i1" },
  b1: { kind: "bool", dtype: "|b1" },
  i2: { kind: "i16", dtype: "<i2" },
  u2: { kind: "u16", dtype: "<u2" },
  i4: { kind: "i32", dtype: "<i4" },
  u4: { kind: "u32", dtype: "<u4" },
  i8: { kind: "i64", dtype: "<i8" },
  u8: { kind: "u64", dtype: "<u8" },
};

// ------------------------------------------------------------ Python literals

type PyValue =
  | { t: "str"; v: string }
  | { t: "int"; v: bigint }
  | { t: "bool"; v: boolean }
  | { t: "none" }
  | { t: "tuple"; items: PyValue[] }
  | { t: "list"; items: PyValue[] }
  | { t: "dict"; entries: [PyValue, PyValue][] };

class LiteralSyntaxError extends Error {}

/** Parse a Python literal (the subset numpy headers use). Never evaluates anything. */
function parsePyLiteral(text: string): PyValue {
  let pos = 0;
  const MAX_DEPTH = 32;
  const err = (what: string): never => {
    throw new LiteralSyntaxError(`${what} at character ${pos}`);
  };
  const skipWs = () => {
    while (pos < text.length && /[ \t\r\n\f\v]/.test(text[pos]!)) pos++;
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) err("nesting too deep");
    skipWs();
    const c = text[pos];
    if (c === undefined) return err("unexpected end of header");
    if (c === "{") {
      pos++;
      const entries: [PyValue, PyValue][] = [];
      for (;;) {
        skipWs();
        if (text[pos] === "}") {
          pos++;
          return { t: "dict", entries };
        }
        const k = value(depth + 1);
        skipWs();
        if (text[pos] !== ":") err("expected ':'");
        pos++;
        const v = value(depth + 1);
        entries.push([k, v]);
        skipWs();
        if (text[pos] === ",") pos++;
        else if (text[pos] !== "}") err("expected ',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      pos++;
      const items: PyValue[] = [];
      let sawComma = false;
      for (;;) {
        skipWs();
        if (text[pos] === close) {
          pos++;
          if (c === "[") return { t: "list", items };
          // (x) is just a parenthesised x; (x,) and () are tuples.
          if (items.length === 1 && !sawComma) return items[0]!;
          return { t: "tuple", items };
        }
        items.push(value(depth + 1));
        skipWs();
        if (text[pos] === ",") {
          pos++;
          sawComma = true;
        } else if (text[pos] !== close) err(`expected ',' or '${close}'`);
      }
    }
    const str = /^[uU]?(['"])/.exec(text.slice(pos, pos + 2));
    if (str) {
      const quote = str[1]!;
      pos += str[0].length;
      let out = "";
      for (;;) {
        const ch = text[pos];
        if (ch === undefined || ch === "\n") return err("unterminated string");
        pos++;
        if (ch === quote) return { t: "str", v: out };
        if (ch !== "\\") {
          out += ch;
          continue;
        }
        const e = text[pos++];
        const simple: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t", r: "\r", "0": "\0" };
        if (e !== undefined && e in simple) out += simple[e];
        else if (e === "x" || e === "u") {
          const len = e === "x" ? 2 : 4;
          const hex = text.slice(pos, pos + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) err("bad escape in string");
          out += String.fromCharCode(parseInt(hex, 16));
          pos += len;
        } else err("unsupported escape in string");
      }
    }
    const num = /^[+-]?[0-9]+[lL]?/.exec(text.slice(pos, pos + 64));
    if (num) {
      const digits = num[0].replace(/[lL]$/, "");
      if (num[0].length >= 64) err("integer literal too long");
      if (/^[+-]?0[0-9]/.test(digits)) err("invalid integer literal (leading zero)");
      pos += num[0].length;
      if (/^[A-Za-z0-9_.]/.test(text[pos] ?? "")) err("unsupported number literal");
      return { t: "int", v: BigInt(digits) };
    }
    for (const [word, v] of [
      ["True", { t: "bool", v: true }],
      ["False", { t: "bool", v: false }],
      ["None", { t: "none" }],
    ] as const) {
      if (text.startsWith(word, pos) && !/[A-Za-z0-9_]/.test(text[pos + word.length] ?? "")) {
        pos += word.length;
        return v;
      }
    }
    return err(`unexpected ${JSON.stringify(c)}`);
  };
  const result = value(0);
  skipWs();
  if (pos !== text.length) err("unexpected text after the header dict");
  return result;
}

function pyRepr(v: PyValue): string {
  switch (v.t) {
    case "str":
      return `'${v.v}'`;
    case "int":
      return v.v.toString();
    case "bool":
      return v.v ? "True" : "False";
    case "none":
      return "None";
    case "tuple":
      return `(${v.items.map(pyRepr).join(", ")}${v.items.length === 1 ? "," : ""})`;
    case "list":
      return `[${v.items.map(pyRepr).join(", ")}]`;
    case "dict":
      return `{${v.entries.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
  }
}

// ------------------------------------------------------------------ decode

function explainUnsupported(descr: string): string {
  const code = descr.replace(/^[<>|=]/, "");
  const letter = code[0] ?? "";
  if (letter === "O") return "object arrays (pickled Python objects) are not supported";
  if (letter === "U" || letter === "S" || letter === "a") return "string arrays are not supported";
  if (letter === "c") return "complex numbers are not supported";
  if (letter === "M" || letter === "m") return "datetime/timedelta arrays are not supported";
  if (letter === "V") return "void/structured arrays are not supported";
  return `supported: ${Object.values(KINDS)
    .map((k) => k.dtype)
    .join(" ")} (and big-endian '>' variants)`;
}

/**
 * Parse and validate .npy bytes. Throws NpyFormatError naming
 * `options.source` (if given) and the problem.
 */
export function decodeNpy(bytes: Uint8Array, options: DecodeNpyOptions = {}): NpyArray {
  const source = options.source;
  const fail = (problem: string): never => {
    throw new NpyFormatError(`${source !== undefined ? `${source}: ` : ""}invalid .npy file: ${problem}`, source);
  };
  if (!(bytes instanceof Uint8Array)) fail("expected a Uint8Array of file contents");
  if (bytes.length < 10) fail(`file is only ${bytes.length} bytes (truncated?)`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      fail(`bad magic: expected \\x93NUMPY, got ${JSON.stringify(String.fromCharCode(...bytes.subarray(0, 6)))}`);
    }
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    fail(`unsupported format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const view = dataViewOf(bytes);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail("file is truncated inside the header length");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  if (headerLength > MAX_NPY_HEADER_BYTES) fail(`header length ${headerLength} is absurd (limit ${MAX_NPY_HEADER_BYTES} bytes)`);
  if (headerStart + headerLength > bytes.length) {
    fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  }
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLength);
  let headerText: string;
  if (major === 3) {
    try {
      headerText = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
    } catch {
      return fail("header is not valid UTF-8");
    }
  } else {
    // latin-1 (not TextDecoder("latin1"), which is windows-1252).
    headerText = "";
    for (let i = 0; i < headerBytes.length; i += 4096) {
      headerText += String.fromCharCode(...headerBytes.subarray(i, i + 4096));
    }
  }

  let header: PyValue;
  try {
    header = parsePyLiteral(headerText);
  } catch (e) {
    if (!(e instanceof LiteralSyntaxError)) throw e;
    const shown = headerText.length > 120 ? headerText.slice(0, 120) + "…" : headerText;
    return fail(`cannot parse header (${e.message}): ${JSON.stringify(shown)}`);
  }
  if (header.t !== "dict") return fail(`header is not a dictionary: ${pyRepr(header)}`);
  const fields = new Map<string, PyValue>();
  for (const [k, v] of header.entries) {
    if (k.t !== "str") fail(`header key ${pyRepr(k)} is not a string`);
    const key = (k as { v: string }).v;
    if (fields.has(key)) fail(`duplicate header key '${key}'`);
    fields.set(key, v);
  }
  const keys = [...fields.keys()].sort();
  if (keys.join(",") !== "descr,fortran_order,shape") {
    fail(`header must have exactly the keys 'descr', 'fortran_order', 'shape'; got [${keys.map((k) => `'${k}'`).join(", ")}]`);
  }
  const descrV = fields.get("descr")!;
  const fortranV = fields.get("fortran_order")!;
  const shapeV = fields.get("shape")!;

  if (fortranV.t !== "bool") fail(`fortran_order is not a bool: ${pyRepr(fortranV)}`);
  const fortranOrder = (fortranV as { v: boolean }).v;

  if (shapeV.t !== "tuple") return fail(`shape is not a tuple: ${pyRepr(shapeV)}`);
  const shape: number[] = [];
  for (const [i, d] of shapeV.items.entries()) {
    if (d.t !== "int") return fail(`shape[${i}] is not an integer: ${pyRepr(shapeV)}`);
    if (d.v < 0n) fail(`shape[${i}] is negative: ${pyRepr(shapeV)}`);
    if (d.v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`shape[${i}] is too large: ${pyRepr(shapeV)}`);
    shape.push(Number(d.v));
  }

  if (descrV.t === "list") fail(`unsupported dtype ${pyRepr(descrV)}: structured arrays are not supported`);
  if (descrV.t !== "str") return fail(`descr is not a dtype string: ${pyRepr(descrV)}`);
  const descr = descrV.v;
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const info = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !info) return fail(`unsupported dtype '${descr}': ${explainUnsupported(descr)}`);
  const order = m[1]!;
  const itemSize = ELEMENT_SIZE[info.kind];
  if (itemSize > 1 && order === "|") fail(`invalid dtype '${descr}': multi-byte types need '<' or '>' byte order`);
  if (itemSize > 1 && order === "=") fail(`unsupported dtype '${descr}': native byte order '=' is ambiguous in a file`);
  const littleEndian = order !== ">";

  const count = checkedElementCount(shape, itemSize);
  const shapeText = `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
  if (count === undefined) return fail(`shape ${shapeText} has too many elements`);
  const dataStart = headerStart + headerLength;
  const available = (options.fileSize ?? bytes.length) - dataStart;
  const needed = count * itemSize;
  if (available < needed) {
    fail(`data is truncated: shape ${shapeText} of '${descr}' needs ${needed} bytes but only ${available} follow the header`);
  }
  if (available > needed) {
    fail(`${available - needed} unexpected trailing bytes after the data (shape ${shapeText} of '${descr}' needs ${needed} bytes)`);
  }

  if (options.fileSize !== undefined) return { dtype: info.dtype, shape, data: new Uint8Array(0) };
  const int64AsInt32 = options.int64 === "int32";
  const make = (n: number): NpyData => {
    switch (info.kind) {
      case "f16":
      case "f32":
        return new Float32Array(n);
      case "f64":
        return new Float64Array(n);
      case "u8":
      case "bool":
        return new Uint8Array(n);
      case "i8":
        return new Int8Array(n);
      case "i16":
        return new Int16Array(n);
      case "u16":
        return new Uint16Array(n);
      case "i32":
        return new Int32Array(n);
      case "u32":
        return new Uint32Array(n);
      default:
        return int64AsInt32 ? new Int32Array(n) : new Float64Array(n);
    }
  };
  let data = make(count);
  const range: [number, number] = int64AsInt32 ? [-2147483648, 2147483647] : [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  const problem = decodeElements(bytes, dataStart, count, info.kind, littleEndian, data, range);
  if (problem) {
    // problem.index is in file order; report the row-major multi-index.
    const where = fortranOrder ? formatFortranIndex(problem.index, shape) : formatIndex(problem.index, shape);
    fail(
      `'${descr}' value ${problem.value} at index ${where} does not fit ${int64AsInt32 ? "the int32 range (int64: \"int32\" was requested)" : "a float64 exactly (|value| > 2^53 - 1)"}`,
    );
  }
  if (fortranOrder && shape.length > 1 && count > 0) {
    const c = make(count);
    fortranToC(data, c, shape);
    data = c;
  }
  return { dtype: info.dtype, shape, data };
}

/** Multi-index of flat element `index` of a column-major array, e.g. "[1, 0, 2]". */
function formatFortranIndex(index: number, shape: readonly number[]): string {
  const idx: number[] = [];
  let rest = index;
  for (const dim of shape) {
    idx.push(dim === 0 ? 0 : rest % dim);
    rest = dim === 0 ? 0 : Math.floor(rest / dim);
  }
  return `[${idx.join(", ")}]`;
}

/** Copy column-major `src` into row-major `dst` (same shape). */
function fortranToC(src: NpyData, dst: NpyData, shape: readonly number[]): void {
  const n = shape.length;
  const fStride: number[] = new Array<number>(n);
  let s = 1;
  for (let d = 0; d < n; d++) {
    fStride[d] = s;
    s *= shape[d]!;
  }
  const idx = new Array<number>(n).fill(0);
  let offset = 0;
  for (let i = 0; i < dst.length; i++) {
    dst[i] = src[offset]!;
    for (let d = n - 1; d >= 0; d--) {
      idx[d]!++;
      offset += fStride[d]!;
      if (idx[d]! < shape[d]!) break;
      offset -= fStride[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

// ------------------------------------------------------------------ encode

const WRITE_TYPES: Readonly<Record<NpyWriteDtype, { ctor: { new (n: number): NpyData; name: string }; size: number }>> = {
  "<f4": { ctor: Float32Array, size: 4 },
  "<f8": { ctor: Float64Array, size: 8 },
  "|u1": { ctor: Uint8Array, size: 1 },
  "<i4": { ctor: Int32Array, size: 4 },
};

/** Serialize to .npy format 1.0 bytes (identical to numpy.save output). */
export function encodeNpy(array: NpyWritable): Uint8Array {
  const fail = (problem: string): never => {
    throw new NpyFormatError(`encodeNpy: ${problem}`);
  };
  if (typeof array !== "object" || array === null) fail("expected {dtype, shape, data}");
  const { dtype, shape, data } = array;
  if (typeof dtype !== "string" || !Object.prototype.hasOwnProperty.call(WRITE_TYPES, dtype)) {
    fail(`unsupported dtype ${JSON.stringify(dtype)} for writing (supported: ${Object.keys(WRITE_TYPES).join(" ")})`);
  }
  const { ctor, size } = WRITE_TYPES[dtype];
  if (!(data instanceof ctor)) {
    fail(`dtype '${dtype}' needs data as a ${ctor.name}`);
  }
  if (!Array.isArray(shape)) fail("shape must be an array of non-negative integers");
  shape.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) fail(`shape[${i}] must be a non-negative integer, got ${String(d)}`);
  });
  const count = checkedElementCount(shape, size);
  if (count === undefined) return fail(`shape [${shape.join(", ")}] has too many elements`);
  if (count !== data.length) fail(`shape [${shape.join(", ")}] has ${count} elements but data has ${data.length}`);

  const shapeRepr = `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) header += " ".repeat(Math.max(0, 21 - String(shape[0]).length));
  let version = 1;
  let lengthBytes = 2;
  const hlen = header.length + 1;
  let pad = 64 - ((8 + lengthBytes + hlen) % 64);
  if (hlen + pad > 0xffff) {
    version = 2;
    lengthBytes = 4;
    pad = 64 - ((8 + lengthBytes + hlen) % 64);
  }
  const headerTotal = hlen + pad;
  const prefix = 8 + lengthBytes;
  const out = new Uint8Array(prefix + headerTotal + count * size);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = dataViewOf(out);
  if (version === 1) view.setUint16(8, headerTotal, true);
  else view.setUint32(8, headerTotal, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i); // ASCII only
  out.fill(0x20, prefix + header.length, prefix + headerTotal - 1);
  out[prefix + headerTotal - 1] = 0x0a;
  writeLittleEndian(out, prefix + headerTotal, data);
  return out;
}

// ------------------------------------------------------------------- files

/** Encode and atomically write a .npy file. */
export async function saveNpy(path: string, array: NpyWritable): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array));
}

/** Synchronous `saveNpy`. */
export function saveNpySync(path: string, array: NpyWritable): void {
  writeFileAtomicSync(path, encodeNpy(array));
}

/** Refuse a .npy file whose size is not what its header promises, from its first bytes, before its data is read. */
export function checkNpyHead(path: string): (read: (length: number) => Uint8Array, size: number) => void {
  return (read, size) => void decodeNpy(read(12 + MAX_NPY_HEADER_BYTES), { source: path, fileSize: size });
}

/** Read and decode a .npy file; format errors name the file. */
export async function loadNpy(path: string, options: Omit<DecodeNpyOptions, "source" | "fileSize"> = {}): Promise<NpyArray> {
  return decodeNpy(await readFile(path, { checkHead: checkNpyHead(path), caller: "loadNpy" }), { ...options, source: path });
}

/** Synchronous `loadNpy`. */
export function loadNpySync(path: string, options: Omit<DecodeNpyOptions, "source" | "fileSize"> = {}): NpyArray {
  return decodeNpy(readFileSync(path, { checkHead: checkNpyHead(path), caller: "loadNpySync" }), { ...options, source: path });
}
