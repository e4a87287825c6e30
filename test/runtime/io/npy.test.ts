import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NpyFormatError, decodeNpy, encodeNpy, loadNpy, loadNpySync, saveNpy, saveNpySync, type NpyWritable } from "../../../runtime/io/index.js";

// ------------------------------------------------------------------ helpers

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));

/**
 * Build a .npy file the way numpy does: magic, version, header length
 * (u16 for 1.0, u32 for 2.0/3.0), header padded with spaces and '\n' to a
 * multiple of 64 bytes, then data.
 */
function npy(header: string, data: ArrayLike<number> = [], opts: { version?: 1 | 2 | 3; pad?: boolean } = {}): Uint8Array {
  const version = opts.version ?? 1;
  const h = Array.from(new TextEncoder().encode(header));
  const lenBytes = version === 1 ? 2 : 4;
  if (opts.pad ?? true) {
    const total = 8 + lenBytes + h.length + 1;
    const pad = (64 - (total % 64)) % 64;
    for (let i = 0; i < pad; i++) h.push(0x20);
    h.push(0x0a);
  }
  const len = h.length;
  const lenField = version === 1 ? [len & 0xff, len >> 8] : [len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24];
  return Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, ...lenField, ...h, ...Array.from(data)]);
}

const dict = (descr: string, shape: string, fortran = "False") => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

/** Little- or big-endian bytes of values via DataView. */
function bytesOf(kind: "f2raw" | "f4" | "f8" | "i2" | "u2" | "i4" | "u4" | "i8" | "u8", values: (number | bigint)[], littleEndian = true): number[] {
  const size = { f2raw: 2, f4: 4, f8: 8, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8 }[kind];
  const b = new Uint8Array(size * values.length);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => {
    const o = i * size;
    switch (kind) {
      case "f2raw": v.setUint16(o, Number(x), littleEndian); break;
      case "f4": v.setFloat32(o, Number(x), littleEndian); break;
      case "f8": v.setFloat64(o, Number(x), littleEndian); break;
      case "i2": v.setInt16(o, Number(x), littleEndian); break;
      case "u2": v.setUint16(o, Number(x), littleEndian); break;
      case "i4": v.setInt32(o, Number(x), littleEndian); break;
      case "u4": v.setUint32(o, Number(x), littleEndian); break;
      case "i8": v.setBigInt64(o, BigInt(x), littleEndian); break;
      case "u8": v.setBigUint64(o, BigInt(x), littleEndian); break;
    }
  });
  return [...b];
}

function expectNpyError(fn: () => unknown, message: RegExp): NpyFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected an NpyFormatError").toBeInstanceOf(NpyFormatError);
  expect((caught as Error).message).toMatch(message);
  return caught as NpyFormatError;
}

// ------------------------------------------------------------------ numpy-written bytes

describe("npy: exact bytes written by numpy", () => {
  // np.save(f, np.array([1, 2, 3], dtype='<f4'))
  const F4_V1 =
    "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d" +
    "20".repeat(60) + "0a" + "0000803f0000004000004040";
  // numpy.lib.format.write_array(f, np.array([[1, -2], [3, 4]], dtype='<i4'), version=(2, 0))
  const I4_V2 =
    "934e554d50590200740000007b276465736372273a20273c6934272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2032292c207d" +
    "20".repeat(56) + "0a" + "01000000feffffff0300000004000000";
  // np.save(f, np.asfortranarray(np.arange(6, dtype='>i2').reshape(2, 3)))
  const BE_FORTRAN =
    "934e554d5059010076007b276465736372273a20273e6932272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c2033292c207d" +
    "20".repeat(59) + "0a" + "000000030001000400020005";

  it("reads format 1.0 <f4 and encodeNpy reproduces it byte for byte", () => {
    const bytes = hex(F4_V1);
    expect(bytes.length).toBe(128 + 12);
    const a = decodeNpy(bytes);
    expect(a).toEqual({ dtype: "<f4", shape: [3], data: Float32Array.from([1, 2, 3]) });
    expect(encodeNpy({ dtype: "<f4", shape: [3], data: Float32Array.from([1, 2, 3]) })).toEqual(bytes);
  });

  it("reproduces numpy's spare 'growth' spaces (np.save of np.zeros((1,) * 15, dtype='u1'))", () => {
    // Without numpy's 21 - len(str(shape[0])) extra spaces the header would fit in 128 bytes; numpy writes 192.
    const bytes = hex(
      "934e554d50590100b6007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028" +
        "312c20".repeat(14) + "31292c207d" + "20".repeat(83) + "0a00",
    );
    expect(bytes.length).toBe(193);
    const shape = new Array<number>(15).fill(1);
    expect(decodeNpy(bytes)).toEqual({ dtype: "|u1", shape, data: new Uint8Array(1) });
    expect(encodeNpy({ dtype: "|u1", shape, data: new Uint8Array(1) })).toEqual(bytes);
  });

  it("reads format 2.0 (u32 header length)", () => {
    const a = decodeNpy(hex(I4_V2));
    expect(a.dtype).toBe("<i4");
    expect(a.shape).toEqual([2, 2]);
    expect(a.data).toEqual(Int32Array.from([1, -2, 3, 4]));
  });

  it("reads a big-endian, Fortran-ordered file into row-major native order", () => {
    const a = decodeNpy(hex(BE_FORTRAN));
    expect(a.dtype).toBe("<i2");
    expect(a.shape).toEqual([2, 3]);
    expect(a.data).toEqual(Int16Array.from([0, 1, 2, 3, 4, 5]));
  });
});

// ------------------------------------------------------------------ every dtype

describe("npy: every supported dtype, hand-built", () => {
  const cases: [string, string, number[], unknown, ArrayLike<number>][] = [
    ["<f4", "Float32Array", bytesOf("f4", [1.5, -0, 3.4028234663852886e38, 1e-45]), Float32Array, [1.5, -0, 3.4028234663852886e38, 1.401298464324817e-45]],
    ["<f8", "Float64Array", bytesOf("f8", [Math.PI, -Infinity, 5e-324, NaN]), Float64Array, [Math.PI, -Infinity, 5e-324, NaN]],
    ["<f2", "Float32Array", bytesOf("f2raw", [0x3c00, 0xc000, 0x7bff, 0x0001]), Float32Array, [1, -2, 65504, 2 ** -24]],
    ["|u1", "Uint8Array", [0, 1, 128, 255], Uint8Array, [0, 1, 128, 255]],
    ["|i1", "Int8Array", [0, 1, 0x80, 0xff], Int8Array, [0, 1, -128, -1]],
    ["|b1", "Uint8Array", [0, 1, 0, 2], Uint8Array, [0, 1, 0, 1]],
    ["<i2", "Int16Array", bytesOf("i2", [-32768, 32767, -1, 0]), Int16Array, [-32768, 32767, -1, 0]],
    ["<u2", "Uint16Array", bytesOf("u2", [65535, 0, 1, 2]), Uint16Array, [65535, 0, 1, 2]],
    ["<i4", "Int32Array", bytesOf("i4", [-2147483648, 2147483647, -1, 7]), Int32Array, [-2147483648, 2147483647, -1, 7]],
    ["<u4", "Uint32Array", bytesOf("u4", [4294967295, 0, 1, 2]), Uint32Array, [4294967295, 0, 1, 2]],
    ["<i8", "Float64Array", bytesOf("i8", [-(2n ** 53n) + 1n, 2n ** 53n - 1n, -1n, 3n]), Float64Array, [-(2 ** 53) + 1, 2 ** 53 - 1, -1, 3]],
    ["<u8", "Float64Array", bytesOf("u8", [2n ** 53n - 1n, 0n, 1n, 2n]), Float64Array, [2 ** 53 - 1, 0, 1, 2]],
  ];

  it.each(cases)("%s → %s", (descr, _name, data, ctor, expected) => {
    const a = decodeNpy(npy(dict(descr, "(2, 2)"), data));
    expect(a.dtype).toBe(descr);
    expect(a.shape).toEqual([2, 2]);
    expect(a.data).toBeInstanceOf(ctor as typeof Float32Array);
    expect(Array.from(a.data)).toEqual(Array.from(expected));
    if (descr === "<f4") expect(Object.is(a.data[1], -0)).toBe(true);
  });

  const bigEndian: [string, "f4" | "f8" | "i2" | "u2" | "i4" | "u4" | "i8" | "u8", number[]][] = [
    [">f4", "f4", [1.5, -2, 0.25]],
    [">f8", "f8", [Math.E, -1e300, 0]],
    [">i2", "i2", [-300, 300, 1]],
    [">u2", "u2", [65000, 1, 256]],
    [">i4", "i4", [-70000, 70000, 1]],
    [">u4", "u4", [4000000000, 1, 256]],
    [">i8", "i8", [-(2 ** 40), 2 ** 40, 1]],
    [">u8", "u8", [2 ** 50, 1, 256]],
  ];
  it.each(bigEndian)("big-endian %s is byte-swapped", (descr, kind, values) => {
    const a = decodeNpy(npy(dict(descr, "(3,)"), bytesOf(kind, kind.endsWith("8") && kind !== "f8" ? values.map(BigInt) : values, false)));
    expect(a.dtype).toBe(`<${descr.slice(1)}`);
    expect(Array.from(a.data)).toEqual(values);
  });

  it("big-endian <f2 counterpart >f2 and one-byte types with any byte-order mark", () => {
    expect(Array.from(decodeNpy(npy(dict(">f2", "(1,)"), [0x3c, 0x00])).data)).toEqual([1]);
    expect(Array.from(decodeNpy(npy(dict("<u1", "(1,)"), [9])).data)).toEqual([9]);
    expect(decodeNpy(npy(dict(">i1", "(1,)"), [0xff])).dtype).toBe("|i1");
  });
});

// ------------------------------------------------------------------ header variants

describe("npy: header variants", () => {
  it("format 3.0 (UTF-8 header)", () => {
    const a = decodeNpy(npy(dict("<f8", "(1,)"), bytesOf("f8", [2.5]), { version: 3 }));
    expect(Array.from(a.data)).toEqual([2.5]);
  });

  it("format 2.0 built by hand", () => {
    const a = decodeNpy(npy(dict("|u1", "(2,)"), [4, 5], { version: 2 }));
    expect(Array.from(a.data)).toEqual([4, 5]);
  });

  it("unpadded header, key order, double quotes, no trailing comma", () => {
    const a = decodeNpy(npy(`{"shape": (2,), "descr": "<i4", "fortran_order": False}`, bytesOf("i4", [1, 2]), { pad: false }));
    expect(Array.from(a.data)).toEqual([1, 2]);
  });

  it("Python 2 headers: long ints (3L) and u'' strings", () => {
    const a = decodeNpy(npy(`{'descr': u'<f4', 'fortran_order': False, 'shape': (2L, 1L), }`, bytesOf("f4", [1, 2])));
    expect(a.shape).toEqual([2, 1]);
  });

  it("0-d arrays and empty arrays", () => {
    const s = decodeNpy(npy(dict("<f8", "()"), bytesOf("f8", [7])));
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data)).toEqual([7]);
    const e = decodeNpy(npy(dict("<f4", "(0, 3)"), []));
    expect(e.shape).toEqual([0, 3]);
    expect(e.data.length).toBe(0);
    const ef = decodeNpy(npy(dict("<f4", "(3, 0)", "True"), []));
    expect(ef.shape).toEqual([3, 0]);
  });

  it("fortran_order True is transposed to C order (3-D)", () => {
    // C-order value at [i, j, k] = 100i + 10j + k; Fortran order lists i fastest, then j, then k.
    const shape = [2, 3, 4];
    const fortran: number[] = [];
    for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) fortran.push(100 * i + 10 * j + k);
    const a = decodeNpy(npy(dict("<i4", "(2, 3, 4)", "True"), bytesOf("i4", fortran)));
    expect(a.shape).toEqual(shape);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(100 * i + 10 * j + k);
    expect(Array.from(a.data)).toEqual(expected);
  });

  it("fortran_order True on 1-D is a no-op", () => {
    expect(Array.from(decodeNpy(npy(dict("<i4", "(3,)", "True"), bytesOf("i4", [1, 2, 3]))).data)).toEqual([1, 2, 3]);
  });
});

// ------------------------------------------------------------------ int64

describe("npy: int64 handling", () => {
  it("default: Float64Array, values beyond 2^53 - 1 are an error with the index", () => {
    const bytes = npy(dict("<i8", "(2, 2)"), bytesOf("i8", [1n, 2n, 3n, 2n ** 53n]));
    expectNpyError(() => decodeNpy(bytes), /'<i8' value 9007199254740992 at index \[1, 1\] does not fit a float64 exactly/);
    const neg = npy(dict("<i8", "(1,)"), bytesOf("i8", [-(2n ** 63n)]));
    expectNpyError(() => decodeNpy(neg), /value -9223372036854775808 at index \[0\]/);
    const u = npy(dict("<u8", "(1,)"), bytesOf("u8", [2n ** 64n - 1n]));
    expectNpyError(() => decodeNpy(u), /value 18446744073709551615/);
  });

  it('{ int64: "int32" }: Int32Array for labels, range-checked', () => {
    const labels = npy(dict("<i8", "(4,)"), bytesOf("i8", [0n, 9n, 3n, 2147483647n]));
    const a = decodeNpy(labels, { int64: "int32" });
    expect(a.data).toBeInstanceOf(Int32Array);
    expect(Array.from(a.data)).toEqual([0, 9, 3, 2147483647]);
    const tooBig = npy(dict("<i8", "(2,)"), bytesOf("i8", [1n, 2147483648n]));
    expectNpyError(() => decodeNpy(tooBig, { int64: "int32" }), /value 2147483648 at index \[1\] does not fit the int32 range/);
    const tooSmall = npy(dict(">i8", "(1,)"), bytesOf("i8", [-2147483649n], false));
    expectNpyError(() => decodeNpy(tooSmall, { int64: "int32" }), /value -2147483649/);
  });

  it("reports the row-major index for Fortran-ordered int64", () => {
    // shape (2, 3), Fortran order: file position 1 is element [1, 0]
    const bytes = npy(dict("<i8", "(2, 3)", "True"), bytesOf("i8", [0n, 2n ** 60n, 0n, 0n, 0n, 0n]));
    expectNpyError(() => decodeNpy(bytes), /at index \[1, 0\]/);
  });
});

// ------------------------------------------------------------------ errors

describe("npy: rejects bad files", () => {
  const good = () => npy(dict("<f4", "(2,)"), bytesOf("f4", [1, 2]));

  it("bad magic", () => {
    const b = good();
    b[1] = 0x58;
    expectNpyError(() => decodeNpy(b), /bad magic/);
    expectNpyError(() => decodeNpy(new TextEncoder().encode("PK\x03\x04 this is a zip")), /bad magic/);
  });

  it("truncated anywhere", () => {
    const b = good();
    expectNpyError(() => decodeNpy(b.subarray(0, 5)), /only 5 bytes/);
    expectNpyError(() => decodeNpy(b.subarray(0, 40)), /header length 118 runs past the end of the 40-byte file/);
    expectNpyError(() => decodeNpy(b.subarray(0, b.length - 1)), /data is truncated: shape \(2,\) of '<f4' needs 8 bytes but only 7 follow/);
    // v2 header length field truncated
    expectNpyError(() => decodeNpy(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 1, 0])), /truncated inside the header length/);
  });

  it("trailing bytes", () => {
    expectNpyError(() => decodeNpy(Uint8Array.from([...good(), 0])), /1 unexpected trailing bytes/);
  });

  it("unsupported version", () => {
    const b = good();
    b[6] = 4;
    expectNpyError(() => decodeNpy(b), /unsupported format version 4\.0/);
    b[6] = 1;
    b[7] = 1;
    expectNpyError(() => decodeNpy(b), /unsupported format version 1\.1/);
  });

  it("absurd header length", () => {
    const b = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0xff, 0x7b]);
    expectNpyError(() => decodeNpy(b), /header length 4294967295 is absurd/);
  });

  it.each([
    ["not a dict", "[1, 2]", /header is not a dictionary/],
    ["garbage", "{'descr': <f4}", /cannot parse header \(unexpected "<"/],
    ["unterminated string", "{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", /cannot parse header/],
    ["code, not a literal", "{'descr': __import__('os'), 'fortran_order': False, 'shape': (2,)}", /cannot parse header/],
    ["trailing text", `${dict("<f4", "(2,)")} x`, /unexpected text after the header dict/],
    ["missing key", "{'descr': '<f4', 'shape': (2,)}", /exactly the keys 'descr', 'fortran_order', 'shape'; got \['descr', 'shape'\]/],
    ["extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", /exactly the keys.*'x'/],
    ["duplicate key", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", /duplicate header key 'descr'/],
    ["shape is a list", dict("<f4", "[2]"), /shape is not a tuple: \[2\]/],
    ["shape is an int", dict("<f4", "(2)"), /shape is not a tuple: 2/],
    ["negative dim", dict("<f4", "(-2,)"), /shape\[0\] is negative/],
    ["non-int dim", dict("<f4", "(2, 'a')"), /shape\[1\] is not an integer/],
    ["float dim", dict("<f4", "(2.0,)"), /cannot parse header \(unsupported number literal/],
    ["fortran_order not bool", dict("<f4", "(2,)", "0"), /fortran_order is not a bool: 0/],
    ["descr not str", "{'descr': 4, 'fortran_order': False, 'shape': (2,)}", /descr is not a dtype string: 4/],
    ["deep nesting", `{'descr': '<f4', 'fortran_order': False, 'shape': ${"(".repeat(5000)}${")".repeat(5000)}}`, /nesting too deep/],
  ])("header: %s", (_, header, re) => {
    expectNpyError(() => decodeNpy(npy(header, bytesOf("f4", [1, 2]))), re);
  });

  it.each([
    ["|O", /unsupported dtype '\|O': object arrays \(pickled Python objects\) are not supported/],
    ["<U3", /unsupported dtype '<U3': string arrays are not supported/],
    ["|S5", /string arrays are not supported/],
    ["<c8", /complex numbers are not supported/],
    ["<M8[ns]", /datetime\/timedelta/],
    ["|V8", /void\/structured/],
    ["<f16", /unsupported dtype '<f16': supported: <f2 <f4/],
    ["=f4", /native byte order '=' is ambiguous/],
    ["|f4", /multi-byte types need '<' or '>'/],
  ])("unsupported dtype %s", (descr, re) => {
    expectNpyError(() => decodeNpy(npy(dict(descr, "(2,)"), bytesOf("f4", [1, 2]))), re);
  });

  it("structured dtype", () => {
    const h = "{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (1,), }";
    expectNpyError(() => decodeNpy(npy(h, bytesOf("f4", [1, 2]))), /structured arrays are not supported/);
  });

  it("shape × itemsize overflow is rejected without allocating", () => {
    expectNpyError(() => decodeNpy(npy(dict("<f8", "(4294967296, 4294967296)"), [])), /too many elements/);
    expectNpyError(() => decodeNpy(npy(dict("<f8", "(100000000000000000000,)"), [])), /shape\[0\] is too large/);
    expectNpyError(() => decodeNpy(npy(dict("<f8", "(1000000, 1000)"), [1, 2, 3])), /needs 8000000000 bytes but only 3/);
  });

  it("invalid UTF-8 in a 3.0 header", () => {
    const b = npy(dict("<f4", "(2,)"), bytesOf("f4", [1, 2]), { version: 3 });
    b[14] = 0xff;
    expectNpyError(() => decodeNpy(b), /header is not valid UTF-8/);
  });

  it("names the source", () => {
    const err = expectNpyError(() => decodeNpy(new Uint8Array(3), { source: "x_train.npy" }), /^x_train\.npy: invalid \.npy file/);
    expect(err.file).toBe("x_train.npy");
  });

  it("random corruption only ever produces NpyFormatError (or a valid decode)", () => {
    const base = npy(dict("<f4", "(3, 2)", "True"), bytesOf("f4", [1, 2, 3, 4, 5, 6]));
    let seed = 987;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let rejected = 0;
    for (let iter = 0; iter < 1500; iter++) {
      let b = Uint8Array.from(base);
      const mode = rand(3);
      if (mode === 0) b[rand(b.length)] = rand(256);
      else if (mode === 1) b = b.subarray(0, rand(b.length));
      else {
        const chars = "'\"(),:{}[]-0123456789LTFx\\ ";
        b[10 + rand(60)] = chars.charCodeAt(rand(chars.length));
      }
      try {
        decodeNpy(b);
      } catch (e) {
        expect(e).toBeInstanceOf(NpyFormatError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(500);
  });
});

// ------------------------------------------------------------------ writing

describe("npy: writing", () => {
  const arrays: NpyWritable[] = [
    { dtype: "<f4", shape: [2, 3], data: Float32Array.from([1, 2, 3, -0, NaN, Infinity]) },
    { dtype: "<f8", shape: [3], data: Float64Array.from([Math.PI, 5e-324, -1e308]) },
    { dtype: "|u1", shape: [2, 2, 1], data: Uint8Array.from([0, 1, 254, 255]) },
    { dtype: "<i4", shape: [], data: Int32Array.from([-123456]) },
    { dtype: "<i4", shape: [0], data: new Int32Array(0) },
    { dtype: "<f4", shape: [12345678, 0], data: new Float32Array(0) },
  ];

  it.each(arrays.map((a) => [a.dtype, a.shape.join("x"), a] as const))("round trip %s %s", (_d, _s, a) => {
    const bytes = encodeNpy(a);
    // numpy layout: header padded so data starts at a multiple of 64, ends with '\n'
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes[10 + headerLen - 1]).toBe(0x0a);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
    const shapeRepr = `(${a.shape.join(", ")}${a.shape.length === 1 ? "," : ""})`;
    expect(header.startsWith(`{'descr': '${a.dtype}', 'fortran_order': False, 'shape': ${shapeRepr}, }`)).toBe(true);
    const back = decodeNpy(bytes);
    expect(back.dtype).toBe(a.dtype);
    expect(back.shape).toEqual(a.shape);
    expect(back.data.constructor).toBe(a.data.constructor);
    expect(new Uint8Array(back.data.buffer, back.data.byteOffset, back.data.byteLength)).toEqual(
      new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength),
    );
  });

  it("writes a subarray view correctly (respects byteOffset)", () => {
    const base = Float32Array.from([9, 1, 2, 9]);
    const back = decodeNpy(encodeNpy({ dtype: "<f4", shape: [2], data: base.subarray(1, 3) }));
    expect(Array.from(back.data)).toEqual([1, 2]);
  });

  it("rejects invalid arrays", () => {
    expectNpyError(() => encodeNpy({ dtype: "<f4", shape: [3], data: new Float32Array(2) }), /shape \[3\] has 3 elements but data has 2/);
    expectNpyError(() => encodeNpy({ dtype: "<f4", shape: [2], data: new Float64Array(2) }), /'<f4' needs data as a Float32Array/);
    expectNpyError(() => encodeNpy({ dtype: "<i8" as "<i4", shape: [1], data: new Int32Array(1) }), /unsupported dtype "<i8" for writing/);
    expectNpyError(() => encodeNpy({ dtype: "|u1", shape: [1.5], data: new Uint8Array(1) }), /shape\[0\] must be a non-negative integer/);
  });

  it("saveNpy / loadNpy files (async and sync); errors name the file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-npy-"));
    try {
      const file = path.join(dir, "y.npy");
      await saveNpy(file, { dtype: "|u1", shape: [3], data: Uint8Array.from([3, 1, 2]) });
      expect(Array.from((await loadNpy(file)).data)).toEqual([3, 1, 2]);
      saveNpySync(file, { dtype: "<f8", shape: [1], data: Float64Array.from([0.5]) });
      expect(Array.from(loadNpySync(file).data)).toEqual([0.5]);
      expect(fs.readdirSync(dir)).toEqual(["y.npy"]);
      const labels = path.join(dir, "labels.npy");
      fs.writeFileSync(labels, npy(dict("<i8", "(2,)"), bytesOf("i8", [1n, 7n])));
      expect(loadNpySync(labels, { int64: "int32" }).data).toEqual(Int32Array.from([1, 7]));
      fs.writeFileSync(file, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
      await expect(loadNpy(file)).rejects.toThrow(/y\.npy: invalid \.npy file: bad magic/);
      expect(() => loadNpySync(file)).toThrow(NpyFormatError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
