import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as net from "node:net";
import { execFileSync, spawn } from "node:child_process";
import { FileRefusedError, MAX_IO_BYTES, writeFileAtomic, writeFileAtomicSync, type AtomicAsyncFs, type AtomicFileHandle, type AtomicSyncFs } from "../../../runtime/io/index.js";

let dir: string;
let target: string;
const OLD = Uint8Array.from([111, 108, 100]); // "old"
const NEW = new TextEncoder().encode("new contents, longer than the old ones");

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnspec-atomic-"));
  target = path.join(dir, "weights.bin");
  fs.writeFileSync(target, OLD);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function errno(code: string, message = code): NodeJS.ErrnoException {
  const e = new Error(`${code}: simulated ${message}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

type Step = "open" | "write" | "fsync" | "close" | "rename" | "dirOpen" | "dirFsync";

/** Real fs, logging each call, failing (with `code`) at `failAt`. */
function syncFs(failAt?: Step, code = "EIO", maxChunk = Infinity) {
  const log: string[] = [];
  let dirFd: number | undefined;
  const io: AtomicSyncFs = {
    openSync(p, flags, mode) {
      const isDir = fs.existsSync(p) && fs.statSync(p).isDirectory();
      const step: Step = isDir ? "dirOpen" : "open";
      log.push(`${step} ${path.basename(p)} ${flags}`);
      if (failAt === step) throw errno(code);
      const fd = fs.openSync(p, flags, mode);
      if (isDir) dirFd = fd;
      return fd;
    },
    writeSync(fd, buf, off, len, pos) {
      log.push(`write ${Math.min(len, maxChunk)}`);
      if (failAt === "write") {
        fs.writeSync(fd, buf, off, 1, pos); // partial data hit the disk first
        throw errno(code);
      }
      return fs.writeSync(fd, buf, off, Math.min(len, maxChunk), pos);
    },
    fsyncSync(fd) {
      const step: Step = fd === dirFd ? "dirFsync" : "fsync";
      log.push(step);
      if (failAt === step) throw errno(code);
      fs.fsyncSync(fd);
    },
    closeSync(fd) {
      log.push(fd === dirFd ? "dirClose" : "close");
      if (failAt === "close" && fd !== dirFd) {
        fs.closeSync(fd);
        throw errno(code);
      }
      fs.closeSync(fd);
    },
    renameSync(a, b) {
      log.push(`rename ${path.basename(b)}`);
      if (failAt === "rename") throw errno(code);
      fs.renameSync(a, b);
    },
    unlinkSync(p) {
      log.push("unlink");
      fs.unlinkSync(p);
    },
  };
  return { io, log };
}

function asyncFs(failAt?: Step, code = "EIO", maxChunk = Infinity) {
  const log: string[] = [];
  const io: AtomicAsyncFs = {
    async open(p, flags, mode) {
      const isDir = fs.existsSync(p) && fs.statSync(p).isDirectory();
      const step: Step = isDir ? "dirOpen" : "open";
      log.push(`${step} ${path.basename(p)} ${flags}`);
      if (failAt === step) throw errno(code);
      const real = await fsp.open(p, flags, mode);
      const handle: AtomicFileHandle = {
        async write(buf, off, len, pos) {
          log.push(`write ${Math.min(len, maxChunk)}`);
          if (failAt === "write") {
            await real.write(buf, off, 1, pos);
            throw errno(code);
          }
          return real.write(buf, off, Math.min(len, maxChunk), pos);
        },
        async sync() {
          const s: Step = isDir ? "dirFsync" : "fsync";
          log.push(s);
          if (failAt === s) throw errno(code);
          await real.sync();
        },
        async close() {
          log.push(isDir ? "dirClose" : "close");
          await real.close();
          if (failAt === "close" && !isDir) throw errno(code);
        },
      };
      return handle;
    },
    async rename(a, b) {
      log.push(`rename ${path.basename(b)}`);
      if (failAt === "rename") throw errno(code);
      await fsp.rename(a, b);
    },
    async unlink(p) {
      log.push("unlink");
      await fsp.unlink(p);
    },
  };
  return { io, log };
}

const listDir = () => fs.readdirSync(dir).sort();

describe("writeFileAtomicSync", () => {
  it("replaces the file following temp → write → fsync → close → rename → fsync(dir)", () => {
    const { io, log } = syncFs();
    writeFileAtomicSync(target, NEW, { fs: io });
    expect(fs.readFileSync(target)).toEqual(Buffer.from(NEW));
    expect(listDir()).toEqual(["weights.bin"]);
    expect(log[0]).toMatch(/^open \.weights\.bin\.\d+\.[0-9a-f]+\.tmp wx$/);
    expect(log.slice(1)).toEqual([`write ${NEW.length}`, "fsync", "close", "rename weights.bin", `dirOpen ${path.basename(dir)} r`, "dirFsync", "dirClose"]);
  });

  it("creates a new file when none exists, with the real fs", () => {
    const fresh = path.join(dir, "fresh.bin");
    writeFileAtomicSync(fresh, NEW);
    expect(fs.readFileSync(fresh)).toEqual(Buffer.from(NEW));
    expect(listDir()).toEqual(["fresh.bin", "weights.bin"]);
  });

  it("loops over short writes", () => {
    const { io, log } = syncFs(undefined, "EIO", 5);
    writeFileAtomicSync(target, NEW, { fs: io });
    expect(fs.readFileSync(target)).toEqual(Buffer.from(NEW));
    expect(log.filter((l) => l.startsWith("write")).length).toBe(Math.ceil(NEW.length / 5));
  });

  it.each(["open", "write", "fsync", "close", "rename"] as const)("failure at %s leaves the target intact and no temp file", (step) => {
    const { io, log } = syncFs(step, "ENOSPC");
    expect(() => writeFileAtomicSync(target, NEW, { fs: io })).toThrow(/ENOSPC: simulated/);
    expect(fs.readFileSync(target)).toEqual(Buffer.from(OLD));
    expect(listDir()).toEqual(["weights.bin"]);
    expect(log.some((l) => l.startsWith("rename")) && step !== "rename").toBe(false);
    // the temp file is only unlinked if we created it
    expect(log.includes("unlink")).toBe(step !== "open");
  });

  it.each(["EISDIR", "EPERM", "EINVAL"])("ignores %s from directory fsync (unsupported platform)", (code) => {
    const { io } = syncFs("dirFsync", code);
    writeFileAtomicSync(target, NEW, { fs: io });
    expect(fs.readFileSync(target)).toEqual(Buffer.from(NEW));
    const { io: io2 } = syncFs("dirOpen", code);
    writeFileAtomicSync(target, OLD, { fs: io2 });
    expect(fs.readFileSync(target)).toEqual(Buffer.from(OLD));
    expect(listDir()).toEqual(["weights.bin"]);
  });

  it("reports a real directory fsync error (EIO) after the rename", () => {
    const { io } = syncFs("dirFsync", "EIO");
    expect(() => writeFileAtomicSync(target, NEW, { fs: io })).toThrow(/EIO/);
    // documented: the rename already happened, only its durability is in doubt
    expect(fs.readFileSync(target)).toEqual(Buffer.from(NEW));
    expect(listDir()).toEqual(["weights.bin"]);
  });

  it("target is a directory: rename fails, directory and its contents untouched, temp removed", () => {
    const sub = path.join(dir, "sub");
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, "keep"), "x");
    expect(() => writeFileAtomicSync(sub, NEW)).toThrow();
    expect(fs.readdirSync(sub)).toEqual(["keep"]);
    expect(listDir()).toEqual(["sub", "weights.bin"]);
  });

  it("missing parent directory fails cleanly", () => {
    expect(() => writeFileAtomicSync(path.join(dir, "nope", "x.bin"), NEW)).toThrow(/ENOENT/);
    expect(listDir()).toEqual(["weights.bin"]);
  });


  it("rejects non-bytes", () => {
    expect(() => writeFileAtomicSync(target, "text" as unknown as Uint8Array)).toThrow(TypeError);
    expect(fs.readFileSync(target)).toEqual(Buffer.from(OLD));
  });
});

describe("writeFileAtomic (async)", () => {
  it("replaces the file following the same protocol", async () => {
    const { io, log } = asyncFs();
    await writeFileAtomic(target, NEW, { fs: io });
    expect(fs.readFileSync(target)).toEqual(Buffer.from(NEW));
    expect(listDir()).toEqual(["weights.bin"]);
    expect(log[0]).toMatch(/^open \.weights\.bin\.\d+\.[0-9a-f]+\.tmp wx$/);
    expect(log.slice(1)).toEqual([`write ${NEW.length}`, "fsync", "close", "rename weights.bin", `dirOpen ${path.basename(dir)} r`, "dirFsync", "dirClose"]);
  });

  it("works with the real fs and loops over short writes", async () => {
    await writeFileAtomic(target, NEW);
    expect(fs.readFileSync(target)).toEqual(Buffer.from(NEW));
    const { io } = asyncFs(undefined, "EIO", 7);
    await writeFileAtomic(target, OLD, { fs: io });
    expect(fs.readFileSync(target)).toEqual(Buffer.from(OLD));
  });

  it.each(["open", "write", "fsync", "close", "rename"] as const)("failure at %s leaves the target intact and no temp file", async (step) => {
    const { io, log } = asyncFs(step, "ENOSPC");
    await expect(writeFileAtomic(target, NEW, { fs: io })).rejects.toThrow(/ENOSPC: simulated/);
    expect(fs.readFileSync(target)).toEqual(Buffer.from(OLD));
    expect(listDir()).toEqual(["weights.bin"]);
    expect(log.includes("unlink")).toBe(step !== "open");
  });

  it("ignores EISDIR from directory open/fsync", async () => {
    await writeFileAtomic(target, NEW, { fs: asyncFs("dirOpen", "EISDIR").io });
    await writeFileAtomic(target, OLD, { fs: asyncFs("dirFsync", "EPERM").io });
    expect(fs.readFileSync(target)).toEqual(Buffer.from(OLD));
  });

  it("concurrent writers never produce a torn file or leave temp files", async () => {
    const payloads = Array.from({ length: 8 }, (_, i) => new Uint8Array(64 * 1024).fill(i + 1));
    await Promise.all(payloads.map((p) => writeFileAtomic(target, p)));
    const final = fs.readFileSync(target);
    expect(final.length).toBe(64 * 1024);
    expect(new Set(final).size).toBe(1);
    expect(listDir()).toEqual(["weights.bin"]);
  });
});

describe("writing onto what is not a regular file", () => {
  it("a character device (/dev/null) is written in place, never renamed over, and no temp file is made", async () => {
    // As root, a private null device (a regression would replace it with a regular file: never the machine's /dev/null).
    const dev = process.getuid?.() === 0 ? path.join(dir, "null") : "/dev/null";
    if (dev !== "/dev/null") execFileSync("mknod", ["-m", "666", dev, "c", "1", "3"]);
    const before = fs.statSync(dev);
    writeFileAtomicSync(dev, NEW);
    await writeFileAtomic(dev, NEW);
    const after = fs.statSync(dev);
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.ino).toBe(before.ino);
  });

  it("a FIFO is written in place: the reader gets the bytes and the FIFO stays a FIFO", async () => {
    const fifo = path.join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    for (const write of [() => writeFileAtomicSync(fifo, NEW), () => writeFileAtomic(fifo, NEW)]) {
      const reader = new Promise<Buffer>((resolve, reject) => {
        const child = spawn("cat", [fifo], { stdio: ["ignore", "pipe", "inherit"], timeout: 10_000 });
        const chunks: Buffer[] = [];
        child.stdout.on("data", (d: Buffer) => chunks.push(d));
        child.on("error", reject);
        child.on("close", () => resolve(Buffer.concat(chunks)));
      });
      await write();
      expect(await reader).toEqual(Buffer.from(NEW));
      expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    }
    expect(listDir()).toEqual(["pipe", "weights.bin"]);
  });

  it("a symbolic link is followed: the file it names is replaced and the link stays a link", async () => {
    const link = path.join(dir, "link.bin");
    fs.symlinkSync(target, link);
    writeFileAtomicSync(link, NEW);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target)).toEqual(Buffer.from(NEW));
    await writeFileAtomic(link, OLD);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target)).toEqual(Buffer.from(OLD));
  });

  it("a directory, a socket and a dangling link are refused with a FileRefusedError and left alone", async () => {
    const dangling = path.join(dir, "dangling");
    fs.symlinkSync(path.join(dir, "missing"), dangling);
    expect(() => writeFileAtomicSync(dangling, NEW)).toThrow(FileRefusedError);
    expect(() => writeFileAtomicSync(dir, NEW)).toThrow(/is a directory, not a regular file; not replaced/);
    await expect(writeFileAtomic(dir, NEW)).rejects.toThrow(FileRefusedError);
    const sock = path.join(dir, "s.sock");
    const server = net.createServer().listen(sock);
    await new Promise((r) => server.once("listening", r));
    expect(() => writeFileAtomicSync(sock, NEW)).toThrow(/is a socket/);
    expect(fs.lstatSync(sock).isSocket()).toBe(true);
    server.close();
    expect(fs.lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(path.join(dir, "missing"))).toBe(false);
  });
});

/**
 * Node refuses a single read or write of more than 2^31-1 bytes (a 2.24 GiB
 * ONNX export ended with `The value of "length" is out of range`). Every
 * write call is bounded by MAX_IO_BYTES (1 GiB), or by `chunkBytes` when
 * given. A Uint8Array whose `length` says 3 GiB stands in for a real one: the
 * injected fs records the lengths asked for and writes nothing, so no test
 * allocates or writes gigabytes.
 */
describe("every write call is bounded (files over 2 GiB)", () => {
  class Huge extends Uint8Array {
    constructor(private readonly claimed: number) {
      super(0);
    }
    override get length(): number {
      return this.claimed;
    }
    override get byteLength(): number {
      return this.claimed;
    }
  }
  const THREE_GIB = 3 * 2 ** 30;

  /** Record each write's length; pretend it was written in full. */
  function countingSyncFs(): { io: AtomicSyncFs; lengths: number[] } {
    const lengths: number[] = [];
    const real = syncFs().io;
    return { lengths, io: { ...real, writeSync: (_fd, _buf, _off, len) => (lengths.push(len), len) } };
  }

  it("MAX_IO_BYTES is 1 GiB, under Node's limit of 2^31-1 bytes per call", () => {
    expect(MAX_IO_BYTES).toBe(2 ** 30);
    expect(MAX_IO_BYTES).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it("writeFileAtomicSync: a 3 GiB buffer goes out in 1 GiB calls", () => {
    const { io, lengths } = countingSyncFs();
    writeFileAtomicSync(target, new Huge(THREE_GIB), { fs: io });
    expect(lengths).toEqual([2 ** 30, 2 ** 30, 2 ** 30]);
  });

  it("writeFileAtomic: a 3 GiB buffer goes out in 1 GiB calls", async () => {
    const lengths: number[] = [];
    const real = asyncFs().io;
    const io: AtomicAsyncFs = {
      ...real,
      async open(p, flags, mode) {
        const h = await real.open(p, flags, mode);
        return { ...h, write: async (_buf, _off, len) => (lengths.push(len), { bytesWritten: len }), sync: () => h.sync(), close: () => h.close() };
      },
    };
    await writeFileAtomic(target, new Huge(THREE_GIB), { fs: io });
    expect(lengths).toEqual([2 ** 30, 2 ** 30, 2 ** 30]);
  });

  it("with chunkBytes, no call asks for more and the bytes arrive intact (sync and async, one buffer or a list of pieces)", async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 251);
    const pieces = [bytes.subarray(0, 10), bytes.subarray(10, 10), bytes.subarray(10, 333), bytes.subarray(333)];
    for (const input of [bytes, pieces]) {
      const s = syncFs();
      writeFileAtomicSync(target, input, { fs: s.io, chunkBytes: 64 });
      expect(fs.readFileSync(target)).toEqual(Buffer.from(bytes));
      const asked = s.log.filter((l) => l.startsWith("write")).map((l) => Number(l.slice(6)));
      expect(Math.max(...asked)).toBeLessThanOrEqual(64);
      fs.writeFileSync(target, OLD);
      const a = asyncFs();
      await writeFileAtomic(target, input, { fs: a.io, chunkBytes: 64 });
      expect(fs.readFileSync(target)).toEqual(Buffer.from(bytes));
      expect(Math.max(...a.log.filter((l) => l.startsWith("write")).map((l) => Number(l.slice(6))))).toBeLessThanOrEqual(64);
    }
    expect(listDir()).toEqual(["weights.bin"]);
  });

  it("a list of pieces written to /dev/null in place", async () => {
    writeFileAtomicSync("/dev/null", [NEW, OLD], { chunkBytes: 4 });
    await writeFileAtomic("/dev/null", [NEW, OLD], { chunkBytes: 4 });
  });
});
