import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  WeightsFormatError,
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  loadSafetensorsSync,
  saveSafetensors,
  saveSafetensorsSync,
  type SafetensorsTensorInput,
} from "../../../runtime/io/index.js";

// ------------------------------------------------------------------ helpers

const enc = new TextEncoder();

/** u64 little-endian, written byte by byte. */
function u64le(n: number): number[] {
  const out: number[] = [];
  let v = n;
  for (let i = 0; i < 8; i++) {
    out.push(v % 256);
    v = Math.floor(v / 256);
  }
  return out;
}

/** Assemble a file from a header (object or raw JSON text) and data bytes, with reference-style padding. */
function rawFile(header: unknown, data: ArrayLike<number> = [], opts: { pad?: boolean; declaredLength?: number } = {}): Uint8Array {
  let json = typeof header === "string" ? header : JSON.stringify(header);
  if (opts.pad ?? true) json += " ".repeat((8 - (enc.encode(json).length % 8)) % 8);
  const h = enc.encode(json);
  return Uint8Array.from([...u64le(opts.declaredLength ?? h.length), ...h, ...Array.from(data)]);
}

function f32le(...xs: number[]): number[] {
  const b = new Uint8Array(4 * xs.length);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setFloat32(4 * i, x, true));
  return [...b];
}

function f64le(...xs: number[]): number[] {
  const b = new Uint8Array(8 * xs.length);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setFloat64(8 * i, x, true));
  return [...b];
}

function expectFormatError(fn: () => unknown, message: RegExp, tensor?: string): WeightsFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected a WeightsFormatError").toBeInstanceOf(WeightsFormatError);
  const err = caught as WeightsFormatError;
  expect(err.message).toMatch(message);
  if (tensor !== undefined) {
    expect(err.tensor).toBe(tensor);
    expect(err.message).toContain(JSON.stringify(tensor));
  }
  return err;
}

function sampleTensors(): Record<string, SafetensorsTensorInput> {
  return {
    "layer1.weight": { dtype: "F32", shape: [2, 3], data: Float32Array.from([1, -2.5, 3.25, 0, -0, 1e-40]) },
    "layer1.bias": { dtype: "F32", shape: [3], data: Float32Array.from([NaN, Infinity, -Infinity]) },
    "head.w": { dtype: "F64", shape: [2, 2], data: Float64Array.from([Math.PI, -Math.E, 5e-324, 1.7976931348623157e308]) },
    scalar: { dtype: "F64", shape: [], data: Float64Array.from([42.5]) },
    empty: { dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
  };
}

// ------------------------------------------------------------------ round trip

describe("safetensors round trip", () => {
  it("preserves F32 and F64 tensors (bit-exact, incl. NaN, ±0, ±Inf, subnormals) and metadata", () => {
    const tensors = sampleTensors();
    const metadata = { format: "pt", epoch: "3", "ünïcode ✓": "välue 🚀" };
    const bytes = encodeSafetensors(tensors, metadata);
    const { tensors: out, metadata: meta } = decodeSafetensors(bytes);
    expect({ ...meta }).toEqual(metadata);
    expect(Object.keys(out).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const got = out[name]!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data).toBeInstanceOf(t.dtype === "F32" ? Float32Array : Float64Array);
      // bit-exact comparison (NaN and -0 included)
      expect(new Uint8Array(got.data.buffer, got.data.byteOffset, got.data.byteLength)).toEqual(
        new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      );
    }
    expect(Object.is(out["layer1.weight"]!.data[4], -0)).toBe(true);
  });

  it("is deterministic regardless of insertion order", () => {
    const t = sampleTensors();
    const reversed = Object.fromEntries(Object.entries(t).reverse());
    expect(encodeSafetensors(t, { b: "2", a: "1" })).toEqual(encodeSafetensors(reversed, { a: "1", b: "2" }));
  });

  it("handles no tensors and no metadata", () => {
    const bytes = encodeSafetensors({});
    expect(new TextDecoder().decode(bytes.subarray(8))).toBe("{}      ");
    const out = decodeSafetensors(bytes);
    expect(Object.keys(out.tensors)).toEqual([]);
    expect(Object.keys(out.metadata)).toEqual([]);
  });

  it("reads input that is an unaligned view into a larger buffer", () => {
    const bytes = encodeSafetensors(sampleTensors());
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 1);
    const out = decodeSafetensors(big.subarray(1, 1 + bytes.length));
    expect(Array.from(out.tensors["head.w"]!.data)).toEqual(Array.from(sampleTensors()["head.w"]!.data));
  });

  it("decoded arrays are copies, not views of the input", () => {
    const bytes = encodeSafetensors({ a: { dtype: "F32", shape: [1], data: Float32Array.from([1]) } });
    const out = decodeSafetensors(bytes);
    bytes.fill(0, bytes.length - 4);
    expect(out.tensors["a"]!.data[0]).toBe(1);
  });

  it("tensor and metadata names like __proto__ are plain keys", () => {
    const bytes = encodeSafetensors(
      { __proto__x: { dtype: "F32", shape: [1], data: Float32Array.from([1]) } },
      { constructor: "c" },
    );
    const out = decodeSafetensors(bytes);
    expect(out.metadata["constructor"]).toBe("c");
    // An object literal cannot hold a __proto__ key, so write the JSON text by hand.
    const hand = rawFile('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32le(7));
    const t = decodeSafetensors(hand).tensors;
    expect(Object.keys(t)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(t, "__proto__")?.value.data[0]).toBe(7);
  });
});

// ------------------------------------------------------------------ independent header check

describe("decodeSafetensors with views (loadWeights: a large file held once, not twice)", () => {
  const tensors: Record<string, SafetensorsTensorInput> = {
    a: { dtype: "F32", shape: [4], data: Float32Array.of(1.5, -2, 3e-7, 0) }, // 16 bytes: b stays 8-aligned
    b: { dtype: "F64", shape: [2], data: Float64Array.of(Math.PI, -1e300) },
  };

  it("F32 and F64 data are views of the bytes where aligned, with the same values as copies", () => {
    const bytes = encodeSafetensors(tensors, { k: "v" });
    const copied = decodeSafetensors(bytes);
    const viewed = decodeSafetensors(bytes, { views: true });
    for (const name of ["a", "b"]) {
      expect(Array.from(viewed.tensors[name]!.data)).toEqual(Array.from(tensors[name]!.data));
      expect(Array.from(copied.tensors[name]!.data)).toEqual(Array.from(tensors[name]!.data));
      expect(viewed.tensors[name]!.data.buffer).toBe(bytes.buffer);
      expect(copied.tensors[name]!.data.buffer).not.toBe(bytes.buffer);
    }
    expect(viewed.metadata).toEqual({ k: "v" });
  });

  it("misaligned data (a buffer starting at an odd offset) is copied instead", () => {
    const encoded = encodeSafetensors(tensors);
    const backing = new Uint8Array(encoded.length + 1);
    backing.set(encoded, 1);
    const bytes = backing.subarray(1);
    const viewed = decodeSafetensors(bytes, { views: true });
    for (const name of ["a", "b"]) {
      expect(Array.from(viewed.tensors[name]!.data)).toEqual(Array.from(tensors[name]!.data));
      expect(viewed.tensors[name]!.data.buffer).not.toBe(bytes.buffer);
    }
  });
});

describe("safetensors layout (checked by hand, not with the decoder)", () => {
  it("writes u64 length, padded compact JSON, sorted names, contiguous offsets and little-endian data", () => {
    const tensors = sampleTensors();
    const bytes = encodeSafetensors(tensors, { z: "last", a: "first" });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().length).toBeGreaterThan(n - 8); // at most 7 padding spaces
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    expect(text.startsWith('{"__metadata__":{"a":"first","z":"last"},')).toBe(true);
    const header = JSON.parse(text) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    const names = Object.keys(header).filter((k) => k !== "__metadata__");
    expect(names).toEqual(["empty", "head.w", "layer1.bias", "layer1.weight", "scalar"]);
    let cursor = 0;
    for (const name of names) {
      const info = header[name]!;
      expect(Object.keys(info)).toEqual(["dtype", "shape", "data_offsets"]);
      const t = tensors[name]!;
      expect(info.dtype).toBe(t.dtype);
      expect(info.shape).toEqual(t.shape);
      const size = t.dtype === "F32" ? 4 : 8;
      expect(info.data_offsets).toEqual([cursor, cursor + t.data.length * size]);
      for (let i = 0; i < t.data.length; i++) {
        const at = 8 + n + cursor + i * size;
        const value = t.dtype === "F32" ? view.getFloat32(at, true) : view.getFloat64(at, true);
        expect(Object.is(value, t.data[i]) || (Number.isNaN(value) && Number.isNaN(t.data[i]!))).toBe(true);
      }
      cursor += t.data.length * size;
    }
    expect(bytes.length).toBe(8 + n + cursor);
  });
});

// ------------------------------------------------------------------ fixtures as the reference library writes them

describe("safetensors reference fixtures", () => {
  it("decodes the exact bytes of the Python library's test_serialization (I32 zeros, 4 padding spaces)", () => {
    // b'@\x00\x00\x00\x00\x00\x00\x00{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}    ' + 16 zero bytes
    const json = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    expect(json.length).toBe(60);
    const bytes = Uint8Array.from([0x40, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(json), 0x20, 0x20, 0x20, 0x20, ...new Array<number>(16).fill(0)]);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(Object.keys(metadata)).toEqual([]);
    expect(tensors["test"]!.dtype).toBe("I32");
    expect(tensors["test"]!.shape).toEqual([2, 2]);
    expect(Array.from(tensors["test"]!.data)).toEqual([0, 0, 0, 0]);
  });

  it("decodes an unpadded header (as written by old versions / the Rust test suite)", () => {
    const json = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    const data = [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0x7f];
    const bytes = Uint8Array.from([60, 0, 0, 0, 0, 0, 0, 0, ...enc.encode(json), ...data]);
    expect(Array.from(decodeSafetensors(bytes).tensors["test"]!.data)).toEqual([1, -1, -2147483648, 2147483647]);
  });

  it("decodes (and re-encodes byte-identically) a file laid out like safetensors.numpy.save_file with metadata", () => {
    // save_file({"weight": float32 [[1,2],[3,4]], "bias": float64 [0.5]}, metadata={"format": "np"})
    // Reference order: dtype alignment descending (F64 first), then name; compact serde_json.
    const json =
      '{"__metadata__":{"format":"np"},' +
      '"bias":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
      '"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]}}';
    expect(json.length).toBe(149);
    const header = json + "   "; // padded to 152 = 0x98
    const bytes = Uint8Array.from([
      0x98, 0, 0, 0, 0, 0, 0, 0,
      ...enc.encode(header),
      0, 0, 0, 0, 0, 0, 0xe0, 0x3f, // 0.5 as f64 LE
      0, 0, 0x80, 0x3f, // 1.0f
      0, 0, 0, 0x40, // 2.0f
      0, 0, 0x40, 0x40, // 3.0f
      0, 0, 0x80, 0x40, // 4.0f
    ]);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect({ ...metadata }).toEqual({ format: "np" });
    expect(tensors["bias"]).toEqual({ dtype: "F64", shape: [1], data: Float64Array.from([0.5]) });
    expect(tensors["weight"]).toEqual({ dtype: "F32", shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
    const again = encodeSafetensors(
      { weight: { dtype: "F32", shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }, bias: { dtype: "F64", shape: [1], data: Float64Array.from([0.5]) } },
      { format: "np" },
    );
    expect(again).toEqual(bytes);
  });

  it("converts F16, BF16, I64, I8, U8, U16, I16, U32, BOOL to floats", () => {
    const header = {
      h: { dtype: "F16", shape: [6], data_offsets: [0, 12] },
      b: { dtype: "BF16", shape: [3], data_offsets: [12, 18] },
      q: { dtype: "I64", shape: [3], data_offsets: [18, 42] },
      i8: { dtype: "I8", shape: [2], data_offsets: [42, 44] },
      u8: { dtype: "U8", shape: [2], data_offsets: [44, 46] },
      u16: { dtype: "U16", shape: [1], data_offsets: [46, 48] },
      i16: { dtype: "I16", shape: [1], data_offsets: [48, 50] },
      u32: { dtype: "U32", shape: [1], data_offsets: [50, 54] },
      ok: { dtype: "BOOL", shape: [2], data_offsets: [54, 56] },
    };
    const data = [
      // F16: 1.0, -2.0, 65504, smallest subnormal, +Inf, NaN
      0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c, 0x00, 0x7e,
      // BF16: 1.0, -0.5, 3.0
      0x80, 0x3f, 0x00, 0xbf, 0x40, 0x40,
      // I64: -1, 2^53 - 1, 5
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00,
      5, 0, 0, 0, 0, 0, 0, 0,
      0x80, 0x7f, // I8: -128, 127
      0, 255, // U8
      0xff, 0xff, // U16 65535
      0x00, 0x80, // I16 -32768
      0xff, 0xff, 0xff, 0xff, // U32
      0, 7, // BOOL (nonzero → 1)
    ];
    const { tensors } = decodeSafetensors(rawFile(header, data));
    expect(tensors["h"]!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensors["h"]!.data)).toEqual([1, -2, 65504, 2 ** -24, Infinity, NaN]);
    expect(tensors["b"]!.dtype).toBe("BF16");
    expect(Array.from(tensors["b"]!.data)).toEqual([1, -0.5, 3]);
    expect(tensors["q"]!.data).toBeInstanceOf(Float64Array);
    expect(Array.from(tensors["q"]!.data)).toEqual([-1, Number.MAX_SAFE_INTEGER, 5]);
    expect(Array.from(tensors["i8"]!.data)).toEqual([-128, 127]);
    expect(Array.from(tensors["u8"]!.data)).toEqual([0, 255]);
    expect(Array.from(tensors["u16"]!.data)).toEqual([65535]);
    expect(Array.from(tensors["i16"]!.data)).toEqual([-32768]);
    expect(Array.from(tensors["u32"]!.data)).toEqual([4294967295]);
    expect(Array.from(tensors["ok"]!.data)).toEqual([0, 1]);
  });
});

// ------------------------------------------------------------------ corrupt files

describe("safetensors rejects corrupt files", () => {
  const good = () => ({ w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } });
  const goodData = f32le(1, 2);

  it("file shorter than 8 bytes", () => {
    expectFormatError(() => decodeSafetensors(new Uint8Array(5)), /5 bytes, shorter than the 8-byte header length/);
    expectFormatError(() => decodeSafetensors(new Uint8Array(0)), /0 bytes/);
  });

  it("header length larger than the file", () => {
    const bytes = rawFile(good(), goodData);
    expectFormatError(() => decodeSafetensors(bytes.subarray(0, 20)), /header length \d+ is larger than the 12 bytes/);
  });

  it("absurd header length (> 100 MB, and values beyond 2^53) without allocating", () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, 200_000_000n, true);
    expectFormatError(() => decodeSafetensors(b), /header length 200000000 is absurd/);
    new DataView(b.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
    expectFormatError(() => decodeSafetensors(b), /header length 18446744073709551615 is absurd/);
  });

  it("header not valid UTF-8", () => {
    const bytes = Uint8Array.from([...u64le(8), 0x7b, 0xff, 0xfe, 0x7d, 0x20, 0x20, 0x20, 0x20]);
    expectFormatError(() => decodeSafetensors(bytes), /header is not valid UTF-8/);
  });

  it("header not JSON", () => {
    expectFormatError(() => decodeSafetensors(rawFile('{"w": {"dtype": "F32",', [])), /header is not valid JSON/);
    expectFormatError(() => decodeSafetensors(rawFile("", [])), /must start with "\{"/);
  });

  it("header not an object", () => {
    expectFormatError(() => decodeSafetensors(rawFile("[1, 2]", [])), /must start with "\{"/);
    expectFormatError(() => decodeSafetensors(rawFile("   {}", [])), /must start with "\{"/);
    expectFormatError(() => decodeSafetensors(rawFile({ w: 5 }, [])), /expected|entry must be an object/, "w");
    expectFormatError(() => decodeSafetensors(rawFile({ w: [0, 1] }, [])), /entry must be an object.*got an array/, "w");
  });

  it("bad __metadata__", () => {
    expectFormatError(() => decodeSafetensors(rawFile({ __metadata__: { epoch: 3 } }, [])), /"__metadata__" value for key "epoch" must be a string, got the number 3/);
    expectFormatError(() => decodeSafetensors(rawFile({ __metadata__: ["x"] }, [])), /"__metadata__" must be an object/);
    expect(Object.keys(decodeSafetensors(rawFile({ __metadata__: null }, [])).metadata)).toEqual([]);
  });

  it.each([
    ["dtype", /missing "dtype"/],
    ["shape", /missing "shape"/],
    ["data_offsets", /missing "data_offsets"/],
  ])("tensor entry missing %s", (key, re) => {
    const h = good() as Record<string, Record<string, unknown>>;
    delete h["w"]![key];
    expectFormatError(() => decodeSafetensors(rawFile(h, goodData)), re, "w");
  });

  it("tensor entry with wrong types", () => {
    const bad = (patch: Record<string, unknown>) => rawFile({ w: { ...good().w, ...patch } }, goodData);
    expectFormatError(() => decodeSafetensors(bad({ dtype: 32 })), /"dtype" must be a string, got the number 32/, "w");
    expectFormatError(() => decodeSafetensors(bad({ shape: "2" })), /"shape" must be an array/, "w");
    expectFormatError(() => decodeSafetensors(bad({ shape: [2, "1"] })), /shape\[1\] must be an integer, got the string "1"/, "w");
    expectFormatError(() => decodeSafetensors(bad({ data_offsets: [0] })), /"data_offsets" must be an array \[begin, end\]/, "w");
    expectFormatError(() => decodeSafetensors(bad({ data_offsets: { begin: 0, end: 8 } })), /"data_offsets" must be an array/, "w");
    expectFormatError(() => decodeSafetensors(bad({ data_offsets: [0, "8"] })), /data_offsets end must be a non-negative integer/, "w");
    expectFormatError(() => decodeSafetensors(bad({ data_offsets: [-4, 4] })), /data_offsets begin must be a non-negative integer, got the number -4/, "w");
    expectFormatError(() => decodeSafetensors(bad({ data_offsets: [0, 8.5] })), /data_offsets end must be a non-negative integer/, "w");
  });

  it("unsupported dtype", () => {
    const bad = (dtype: string) => rawFile({ w: { ...good().w, dtype } }, goodData);
    expectFormatError(() => decodeSafetensors(bad("F8_E4M3")), /unsupported dtype "F8_E4M3"/, "w");
    expectFormatError(() => decodeSafetensors(bad("float32")), /unsupported dtype "float32" \(not a safetensors dtype\)/, "w");
  });

  it("negative, fractional or huge dims", () => {
    const bad = (shape: unknown[]) => rawFile({ w: { ...good().w, shape } }, goodData);
    expectFormatError(() => decodeSafetensors(bad([-2])), /shape\[0\] is negative \(-2\)/, "w");
    expectFormatError(() => decodeSafetensors(bad([2, 0.5])), /shape\[1\] must be an integer, got the number 0.5/, "w");
    expectFormatError(() => decodeSafetensors(bad([1e300])), /shape\[0\] = 1e\+300 is too large/, "w");
    // each dim fine, product overflows: must not allocate
    expectFormatError(() => decodeSafetensors(bad([2 ** 40, 2 ** 40])), /too many elements/, "w");
  });

  it("offsets: end < begin, out of range, size mismatch", () => {
    const bad = (data_offsets: number[], shape = [2]) => rawFile({ w: { dtype: "F32", shape, data_offsets } }, goodData);
    expectFormatError(() => decodeSafetensors(bad([8, 0])), /data_offsets \[8, 0\]: end is before begin/, "w");
    expectFormatError(() => decodeSafetensors(bad([0, 12], [3])), /run past the end of the data section \(8 bytes/, "w");
    expectFormatError(() => decodeSafetensors(bad([0, 8], [3])), /span 8 bytes but shape \[3\] × F32 \(4 bytes\) needs 12/, "w");
    expectFormatError(() => decodeSafetensors(bad([0, 4], [2])), /span 4 bytes but shape \[2\] × F32 \(4 bytes\) needs 8/, "w");
  });

  it("truncated data section", () => {
    const bytes = encodeSafetensors(sampleTensors());
    expectFormatError(() => decodeSafetensors(bytes.subarray(0, bytes.length - 1)), /run past the end of the data section.*truncated/);
  });

  it("overlapping tensors", () => {
    const h = {
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
    };
    expectFormatError(() => decodeSafetensors(rawFile(h, f32le(1, 2, 3))), /overlap tensor "a" \(\[0, 8\]\)/, "b");
    const same = {
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
    };
    expectFormatError(() => decodeSafetensors(rawFile(same, f32le(1, 2))), /overlap tensor "a"/, "b");
  });

  it("holes between tensors and at the start", () => {
    const gap = {
      a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
      b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
    };
    expectFormatError(() => decodeSafetensors(rawFile(gap, f32le(1, 2, 3))), /hole of 4 unused bytes at data offset 4 \(after tensor "a"\)/, "b");
    const start = { a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } };
    expectFormatError(() => decodeSafetensors(rawFile(start, f32le(1, 2))), /hole of 4 unused bytes at data offset 0/, "a");
  });

  it("trailing garbage", () => {
    const bytes = encodeSafetensors(sampleTensors());
    const longer = Uint8Array.from([...bytes, 1, 2, 3]);
    expectFormatError(() => decodeSafetensors(longer), /3 trailing bytes after the last tensor's data/);
  });

  it("I64 values that do not fit a float64 exactly", () => {
    const data = [...u64le(1), 0, 0, 0, 0, 0, 0, 0x20, 0]; // 1, 2^53
    expectFormatError(
      () => decodeSafetensors(rawFile({ q: { dtype: "I64", shape: [1, 2], data_offsets: [0, 16] } }, data)),
      /I64 value 9007199254740992 at index \[0, 1\] cannot be represented exactly/,
      "q",
    );
  });

  it("names the source in messages when given", () => {
    const err = expectFormatError(() => decodeSafetensors(new Uint8Array(3), { source: "model.safetensors" }), /^model\.safetensors: /);
    expect(err.file).toBe("model.safetensors");
  });

  it("random corruption only ever produces WeightsFormatError (or a valid decode)", () => {
    const base = encodeSafetensors(sampleTensors(), { note: "fuzz" });
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let rejected = 0;
    for (let iter = 0; iter < 1500; iter++) {
      let bytes = Uint8Array.from(base);
      const mode = rand(3);
      if (mode === 0) {
        for (let k = 0, m = 1 + rand(4); k < m; k++) bytes[rand(bytes.length)] = rand(256);
      } else if (mode === 1) {
        bytes = bytes.subarray(0, rand(bytes.length));
      } else {
        // mutate a header character to a JSON-significant one
        const chars = '0123456789-",:{}[]e.';
        const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        bytes[8 + rand(n)] = chars.charCodeAt(rand(chars.length));
      }
      try {
        decodeSafetensors(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(WeightsFormatError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(500);
  });
});

// ------------------------------------------------------------------ encoder input validation

describe("encodeSafetensors input validation", () => {
  it("rejects bad tensors with a message naming the tensor", () => {
    const f = (t: unknown) => () => encodeSafetensors({ w: t as SafetensorsTensorInput });
    expectFormatError(f({ dtype: "F32", shape: [3], data: new Float32Array(2) }), /shape \[3\] has 3 elements but data has 2/, "w");
    expectFormatError(f({ dtype: "F32", shape: [2], data: new Float64Array(2) }), /dtype F32 needs data as a Float32Array, got Float64Array/, "w");
    expectFormatError(f({ dtype: "F16", shape: [2], data: new Float32Array(2) }), /unsupported dtype "F16" for writing/, "w");
    expectFormatError(f({ dtype: "F32", shape: [-1], data: new Float32Array(0) }), /shape\[0\] must be a non-negative integer/, "w");
    expectFormatError(f(null), /expected \{dtype, shape, data\}/, "w");
    expectFormatError(
      () => encodeSafetensors({ __metadata__: { dtype: "F32", shape: [1], data: new Float32Array(1) } }),
      /reserved/,
      "__metadata__",
    );
    expectFormatError(() => encodeSafetensors({}, { a: 1 as unknown as string }), /metadata value for key "a" must be a string/);
    expectFormatError(() => encodeSafetensors({ ["bad\ud800"]: { dtype: "F32", shape: [0], data: new Float32Array(0) } }), /unpaired surrogate/);
  });
});

// ------------------------------------------------------------------ files

describe("safetensors files", () => {
  it("save/load round trip (async and sync), atomic, no temp files", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-st-"));
    try {
      const file = path.join(dir, "model.safetensors");
      await saveSafetensors(file, sampleTensors(), { step: "1" });
      const a = await loadSafetensors(file);
      expect(a.metadata["step"]).toBe("1");
      saveSafetensorsSync(file, { x: { dtype: "F32", shape: [1], data: Float32Array.from([9]) } }, { step: "2" });
      const b = loadSafetensorsSync(file);
      expect(b.metadata["step"]).toBe("2");
      expect(Array.from(b.tensors["x"]!.data)).toEqual([9]);
      expect(fs.readdirSync(dir)).toEqual(["model.safetensors"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("load errors name the file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-st-"));
    try {
      const file = path.join(dir, "broken.safetensors");
      fs.writeFileSync(file, Uint8Array.from([1, 2, 3]));
      await expect(loadSafetensors(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: invalid safetensors file`));
      expect(() => loadSafetensorsSync(file)).toThrow(/broken\.safetensors: invalid safetensors file: file is 3 bytes/);
      await expect(loadSafetensors(path.join(dir, "missing.safetensors"))).rejects.toThrow(/ENOENT.*missing\.safetensors/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
