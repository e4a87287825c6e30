/**
 * The one bounded file reader of nnspec: every file the runtime and the CLI
 * read (specs, .npy data, weights, checkpoints, MNIST) goes through here.
 *
 * Only regular files are read. A FIFO, a character or block device (such as
 * /dev/zero, which never ends), a socket or a directory is refused at once
 * with a FileRefusedError naming the file, and the file is opened with
 * O_NONBLOCK so that even a FIFO swapped in after the check cannot block the
 * open. A regular file is read up to the size fstat reports when it is
 * opened, never more (a file that grows meanwhile cannot make the read
 * endless), and a file over `maxBytes` is refused before anything is read.
 * No single read call asks for more than MAX_IO_BYTES (1 GiB): Node refuses
 * a length over 2^31-1, so a file over 2 GiB is read in several calls.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { constants as bufferConstants } from "node:buffer";
import { check, NON_EMPTY_STRING } from "../options.js";
import { FileRefusedError } from "./refused.js";

/** The largest file any reader accepts by default: what one buffer can hold (4 GiB on 64-bit Node). */
export const MAX_READ_BYTES: number = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32);

/** The most bytes one read or write call asks for: Node refuses more than 2^31-1 (atomic.ts writes with it too). */
export const MAX_IO_BYTES = 2 ** 30;

export interface ReadOptions {
  /** Refuse a file larger than this many bytes (default MAX_READ_BYTES). */
  maxBytes?: number;
  /** Refuse a symbolic link instead of following it. */
  noFollow?: boolean;
  /**
   * Check the file's beginning before the rest is read: `read(n)` gives its
   * first n bytes (fewer when it is shorter), `size` is its size. Throw to
   * refuse, e.g. when the size is not what the format's header promises.
   */
  checkHead?: (read: (length: number) => Uint8Array, size: number) => void;
  /** The public function reading the file, named when the path is not a string ("loadNpy: path must be …"). */
  caller?: string;
  /** The most bytes one read call asks for (default MAX_IO_BYTES; smaller in tests). */
  chunkBytes?: number;
}

export { FileRefusedError };

/** What a file is, in words, for a refusal; undefined for a regular file. */
export function notRegularReason(st: fs.Stats): string | undefined {
  if (st.isFile()) return undefined;
  const kind = st.isDirectory()
    ? "a directory"
    : st.isFIFO()
      ? "a FIFO (named pipe)"
      : st.isCharacterDevice()
        ? "a character device"
        : st.isBlockDevice()
          ? "a block device"
          : st.isSocket()
            ? "a socket"
            : st.isSymbolicLink()
              ? "a symbolic link"
              : "not a file";
  return `is ${kind}, not a regular file`;
}

function openFlags(options: ReadOptions): number {
  const c = fs.constants;
  return c.O_RDONLY | (c.O_NONBLOCK ?? 0) | (options.noFollow ? (c.O_NOFOLLOW ?? 0) : 0);
}

/** Refuse what is not a regular file or is too large; the number of bytes to read otherwise. */
function admit(path: string, st: fs.Stats, options: ReadOptions): number {
  const why = notRegularReason(st);
  if (why !== undefined) throw new FileRefusedError(path, why);
  const max = options.maxBytes ?? MAX_READ_BYTES;
  if (st.size > max) throw new FileRefusedError(path, `too large: ${st.size} bytes, more than the limit of ${max} bytes`, st.size);
  return st.size;
}

/** Refuse early (before open) by lstat/stat, so a FIFO or a device is never opened. */
function precheck(path: string, options: ReadOptions): void {
  check(options.caller ?? "readRegularFile", "path", path, NON_EMPTY_STRING);
  const st = options.noFollow ? fs.lstatSync(path) : fs.statSync(path);
  admit(path, st, options);
}

function chunkOf(options: ReadOptions): number {
  const c = options.chunkBytes ?? MAX_IO_BYTES;
  if (!Number.isInteger(c) || c < 1 || c > MAX_IO_BYTES) throw new RangeError(`readRegularFile: chunkBytes must be a whole number from 1 to ${MAX_IO_BYTES}, not ${c}`);
  return c;
}

/** The first `length` bytes of an open file (fewer at its end), in calls of at most `chunk` bytes. */
function preadSync(fd: number, length: number, chunk: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let total = 0;
  while (total < length) {
    const n = fs.readSync(fd, buf, total, Math.min(chunk, length - total), total);
    if (n === 0) break;
    total += n;
  }
  return buf.subarray(0, total);
}

/** A regular file's bytes, bounded (see the module comment). Errors other than refusals are fs errors (ENOENT, EACCES…). */
export function readRegularFileSync(path: string, options: ReadOptions = {}): { bytes: Buffer; size: number } {
  precheck(path, options);
  const chunk = chunkOf(options);
  let fd: number;
  try {
    fd = fs.openSync(path, openFlags(options));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP" && options.noFollow) throw new FileRefusedError(path, "is a symbolic link, not a regular file");
    throw e;
  }
  try {
    const size = admit(path, fs.fstatSync(fd), options);
    options.checkHead?.((length) => preadSync(fd, Math.min(length, size), chunk), size);
    const bytes = preadSync(fd, size, chunk);
    return { bytes, size: bytes.length };
  } finally {
    fs.closeSync(fd);
  }
}

/** Asynchronous readRegularFileSync. */
export async function readRegularFile(path: string, options: ReadOptions = {}): Promise<{ bytes: Buffer; size: number }> {
  check(options.caller ?? "readRegularFile", "path", path, NON_EMPTY_STRING);
  const st = options.noFollow ? await fsp.lstat(path) : await fsp.stat(path);
  admit(path, st, options);
  const chunk = chunkOf(options);
  const handle = await fsp.open(path, openFlags(options));
  try {
    const size = admit(path, await handle.stat(), options);
    // Headers are small: read synchronously on the open descriptor.
    options.checkHead?.((length) => preadSync(handle.fd, Math.min(length, size), chunk), size);
    const bytes = Buffer.allocUnsafe(size);
    let total = 0;
    while (total < size) {
      const { bytesRead } = await handle.read(bytes, total, Math.min(chunk, size - total), total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return { bytes: total === size ? bytes : bytes.subarray(0, total), size: total };
  } finally {
    await handle.close();
  }
}
