/**
 * The one bounded reader of runtime/io (read.ts) and what every file reader
 * built on it does with files that are not regular files: a FIFO without a
 * writer, an endless device, a directory, a file over the size limit. Each is
 * refused at once with a FileRefusedError naming the file; nothing blocks and
 * nothing is read past the file's size.
 *
 * The endless-device and FIFO cases run in a child process with a time
 * bound, so a regression fails the test instead of hanging or exhausting the
 * memory of the test runner.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { createRequire, syncBuiltinESMExports } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileRefusedError, MAX_IO_BYTES, readRegularFile, readRegularFileSync } from "../../../runtime/io/read.js";
import { encodeSafetensors, loadNpy, loadNpySync, loadSafetensors, loadSafetensorsSync, saveNpySync } from "../../../runtime/io/index.js";
import { loadWeights } from "../../../runtime/weights.js";
import { loadNpyDir } from "../../../runtime/data.js";
import { ROOT } from "../../helpers/root.js";

let dir: string;
let fifo: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-read-"));
  fifo = path.join(dir, "pipe");
  execFileSync("mkfifo", [fifo]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run `code` (an ES module body importing the runtime's sources through tsx-free dynamic import of dist) in a child, bounded in time. */
function inChild(code: string, timeoutMs = 10_000): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, encoding: "utf8", timeout: timeoutMs });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe("readRegularFileSync / readRegularFile", () => {
  it("reads a regular file's bytes, exactly its size", async () => {
    const p = path.join(dir, "plain.bin");
    fs.writeFileSync(p, Uint8Array.from([1, 2, 3, 4, 5]));
    expect(Array.from(readRegularFileSync(p).bytes)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from((await readRegularFile(p)).bytes)).toEqual([1, 2, 3, 4, 5]);
  });

  it("refuses a FIFO at once, without waiting for a writer", async () => {
    const t0 = Date.now();
    expect(() => readRegularFileSync(fifo)).toThrow(FileRefusedError);
    expect(() => readRegularFileSync(fifo)).toThrow(/FIFO/);
    await expect(readRegularFile(fifo)).rejects.toThrow(/FIFO/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("refuses a character device (/dev/zero never ends)", async () => {
    expect(() => readRegularFileSync("/dev/zero")).toThrow(/\/dev\/zero: is a character device, not a regular file/);
    await expect(readRegularFile("/dev/zero")).rejects.toThrow(/character device/);
  });

  it("refuses a directory", () => {
    expect(() => readRegularFileSync(dir)).toThrow(/is a directory/);
  });

  it("refuses a file over the limit before reading it, and says how large it is", async () => {
    const p = path.join(dir, "big.bin");
    fs.writeFileSync(p, new Uint8Array(1000));
    let caught: unknown;
    try {
      readRegularFileSync(p, { maxBytes: 999 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FileRefusedError);
    expect((caught as FileRefusedError).size).toBe(1000);
    expect((caught as FileRefusedError).reason).toMatch(/1000 bytes.*999/);
    await expect(readRegularFile(p, { maxBytes: 999 })).rejects.toThrow(/too large/);
    expect(readRegularFileSync(p, { maxBytes: 1000 }).bytes.length).toBe(1000);
  });

  it("no single read call asks for more than chunkBytes (default MAX_IO_BYTES, 1 GiB: Node refuses over 2^31-1), and the bytes arrive intact", async () => {
    expect(MAX_IO_BYTES).toBe(2 ** 30);
    const p = path.join(dir, "chunks.bin");
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) % 251);
    fs.writeFileSync(p, data);
    // Record the length each read asks for: fs.readSync (the sync reader, through node:fs's ESM bindings) and FileHandle#read (the async one).
    const cjs = createRequire(import.meta.url)("node:fs") as typeof fs;
    const readSync = cjs.readSync;
    const handle = await fsp.open(p, "r");
    const proto = Object.getPrototypeOf(handle) as { read: (...a: unknown[]) => Promise<unknown> };
    await handle.close();
    const read = proto.read;
    const asked: number[] = [];
    cjs.readSync = ((fd: number, buf: Uint8Array, off: number, len: number, pos: number) => (asked.push(len), readSync(fd, buf, off, len, pos))) as typeof fs.readSync;
    proto.read = function (this: unknown, ...a: unknown[]) {
      asked.push(a[2] as number);
      return read.apply(this, a);
    };
    syncBuiltinESMExports();
    try {
      let head: Uint8Array | undefined;
      const sync = readRegularFileSync(p, { chunkBytes: 64, checkHead: (r) => void (head = r(200)) });
      expect(Buffer.from(sync.bytes)).toEqual(Buffer.from(data));
      expect(Buffer.from(head!)).toEqual(Buffer.from(data.subarray(0, 200)));
      const syncCalls = asked.length;
      expect(syncCalls).toBe(Math.ceil(200 / 64) + Math.ceil(1000 / 64));
      expect(Buffer.from((await readRegularFile(p, { chunkBytes: 64 })).bytes)).toEqual(Buffer.from(data));
      expect(asked.length - syncCalls).toBe(Math.ceil(1000 / 64));
      expect(Math.max(...asked)).toBeLessThanOrEqual(64);
    } finally {
      cjs.readSync = readSync;
      proto.read = read;
      syncBuiltinESMExports();
    }
    expect(() => readRegularFileSync(p, { chunkBytes: 2 ** 31 })).toThrow(RangeError);
  });

  it("with noFollow, refuses a symbolic link", () => {
    const target = path.join(dir, "target.bin");
    const link = path.join(dir, "link.bin");
    fs.writeFileSync(target, "x");
    fs.symlinkSync(target, link);
    expect(readRegularFileSync(link).bytes.length).toBe(1);
    expect(() => readRegularFileSync(link, { noFollow: true })).toThrow(FileRefusedError);
  });
});

describe("every reader of the runtime uses it", () => {
  it("loadNpySync, loadSafetensorsSync, loadWeights and loadNpyDir refuse /dev/zero and a FIFO at once", async () => {
    const info = { name: "m", dtype: "f32", params: [], buffers: [] };
    const model = { params: {}, buffers: {} };
    for (const p of ["/dev/zero", fifo]) {
      expect(() => loadNpySync(p)).toThrow(/not a regular file/);
      expect(() => loadSafetensorsSync(p)).toThrow(/not a regular file/);
      await expect(loadNpy(p)).rejects.toThrow(/not a regular file/);
      await expect(loadSafetensors(p)).rejects.toThrow(/not a regular file/);
      expect(() => loadWeights(p, model as never, info as never)).toThrow(/not a regular file/);
    }
    const data = path.join(dir, "data");
    fs.mkdirSync(data);
    for (const name of ["train_y.npy", "test_x.npy", "test_y.npy"]) saveNpySync(path.join(data, name), { dtype: "<f4", shape: [1, 4], data: new Float32Array(4) });
    fs.symlinkSync("/dev/zero", path.join(data, "train_x.npy"));
    expect(() => loadNpyDir(data, { inputShape: [4], kind: "targets", outputSize: 4 })).toThrow(/train_x\.npy: is a character device, not a regular file/);
  });

  it("(in a child, bounded) the built runtime's loadNpySync on /dev/zero and on a FIFO ends at once with the refusal", () => {
    const runtime = JSON.stringify(new URL("../../../dist/runtime/index.js", import.meta.url).href);
    for (const p of ["/dev/zero", fifo]) {
      const r = inChild(`import(${runtime}).then((rt) => { try { rt.loadNpySync(${JSON.stringify(p)}); console.log("read"); } catch (e) { console.log(e.message); } });`);
      expect(r.signal, `killed after the time bound: ${r.stderr}`).toBeNull();
      expect(r.stdout).toMatch(/not a regular file/);
    }
  });
});

describe("a file is refused from its header when its size is not what the header promises", () => {
  it("a .npy file whose header promises more or less data than the file holds: refused before its data is read", async () => {
    const p = path.join(dir, "short.npy");
    saveNpySync(p, { dtype: "<f4", shape: [4, 4], data: new Float32Array(16) });
    fs.truncateSync(p, 1 << 30); // sparse: 1 GiB, the header promises 64 bytes of data
    const t0 = Date.now();
    expect(() => loadNpySync(p)).toThrow(/unexpected trailing bytes/);
    await expect(loadNpy(p)).rejects.toThrow(/unexpected trailing bytes/);
    expect(Date.now() - t0, "refused without reading 1 GiB").toBeLessThan(5000);
  });

  it("a safetensors file likewise, through loadSafetensorsSync and loadWeights", () => {
    const p = path.join(dir, "w.safetensors");
    fs.writeFileSync(p, encodeSafetensors({ t: { dtype: "F32", shape: [2], data: new Float32Array(2) } }));
    fs.truncateSync(p, 1 << 30);
    expect(() => loadSafetensorsSync(p)).toThrow(/trailing bytes/);
    expect(() => loadWeights(p, { params: {}, buffers: {} } as never, { name: "m", dtype: "f32", params: [], buffers: [] } as never)).toThrow(/trailing bytes/);
  });

  it("checkHead sees the file's first bytes and its size, and its refusal stops the read", () => {
    const p = path.join(dir, "head.bin");
    fs.writeFileSync(p, Uint8Array.from([7, 8, 9]));
    const seen: [number[], number][] = [];
    readRegularFileSync(p, { checkHead: (read, size) => void seen.push([Array.from(read(2)), size]) });
    expect(seen).toEqual([[[7, 8], 3]]);
    expect(() => readRegularFileSync(p, { checkHead: () => { throw new Error("no") } })).toThrow("no");
  });
});

describe("a path that is not a string", () => {
  it("is an OptionError naming the public function, from every reader (never an fs TypeError)", async () => {
    const bad: unknown[] = [42, undefined, null, "", { path: "x" }];
    for (const value of bad) {
      const p = value as string;
      expect(() => loadNpySync(p)).toThrow(/^loadNpySync: path must be a non-empty string, got /);
      expect(() => loadSafetensorsSync(p)).toThrow(/^loadSafetensorsSync: path must be a non-empty string, got /);
      await expect(loadNpy(p)).rejects.toThrow(/^loadNpy: path must be a non-empty string, got /);
      await expect(loadSafetensors(p)).rejects.toThrow(/^loadSafetensors: path must be a non-empty string, got /);
      expect(() => readRegularFileSync(p)).toThrow(/^readRegularFile: path must be a non-empty string/);
    }
  });
});
