/**
 * Crash-safe file replacement.
 *
 * Protocol (both variants): create a uniquely named temporary file in the
 * target's directory (exclusive create, so we never clobber anything), write
 * all bytes, fsync it, close it, rename it over the target (atomic on POSIX
 * within one filesystem), then fsync the directory so the rename itself is
 * durable. If any step up to and including the rename fails, the temporary
 * file is removed and the error is rethrown; the old target is untouched.
 *
 * Directory fsync is best effort: platforms/filesystems that cannot open or
 * fsync a directory (Windows: EISDIR/EPERM; some FUSE/network filesystems:
 * EINVAL/ENOTSUP) are ignored. Other directory-fsync errors (e.g. EIO) are
 * rethrown, but by then the target has already been replaced.
 *
 * Only regular files are ever replaced (see `writeTarget`): a symbolic link
 * is followed and the file it points to is replaced (the link stays); a
 * character device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is
 * written directly, in place, never renamed over; a directory, a block
 * device, a socket or a dangling link is refused with a FileRefusedError.
 * The new file gets mode `options.mode` (default 0o666, minus umask), not
 * the old file's mode.
 *
 * The bytes are one Uint8Array or a list of pieces written one after the
 * other (an exporter's tensors, without first joining them into one more
 * copy). No single write call asks for more than MAX_IO_BYTES (1 GiB;
 * `options.chunkBytes` in tests): Node refuses a length over 2^31-1, so a
 * file over 2 GiB is written in several calls.
 *
 * `writeFileAtomicSync` exists for places that cannot await, such as a
 * SIGINT handler that saves a checkpoint before exiting.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as nodePath from "node:path";
import { randomBytes } from "node:crypto";
import { FileRefusedError, MAX_IO_BYTES, notRegularReason } from "./read.js";

/** What a writer writes: one buffer, or pieces written one after the other. */
export type WriteBytes = Uint8Array | readonly Uint8Array[];

/** The synchronous fs operations used; inject a wrapper to simulate failures in tests. */
export interface AtomicSyncFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(oldPath: string, newPath: string): void;
  unlinkSync(path: string): void;
}

/** Minimal file-handle surface used by the async variant. */
export interface AtomicFileHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The asynchronous fs operations used; inject a wrapper to simulate failures in tests. */
export interface AtomicAsyncFs {
  open(path: string, flags: string, mode?: number): Promise<AtomicFileHandle>;
  rename(oldPath: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export interface AtomicWriteOptions<F> {
  /** File mode for the new file (before umask). Default 0o666. */
  mode?: number;
  /** Skip the directory fsync (not recommended). Default false. */
  skipDirectorySync?: boolean;
  /** Override fs operations (testing / fault injection). */
  fs?: F;
  /** The most bytes one write call asks for (default MAX_IO_BYTES, 1 GiB; smaller in tests). */
  chunkBytes?: number;
}

/** Error codes from directory fsync that mean "not supported here" and are ignored. */
const IGNORED_DIR_SYNC_CODES = new Set(["EISDIR", "EPERM", "EINVAL", "ENOTSUP", "EOPNOTSUPP", "EBADF", "EACCES"]);

function isIgnorableDirSyncError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && IGNORED_DIR_SYNC_CODES.has(code);
}

/** Temp file path next to `target`: `.<name>.<pid>.<random>.tmp`. */
export function tempPathFor(target: string): string {
  const dir = nodePath.dirname(target);
  // Keep the name well under NAME_MAX (255) even for long target names.
  const base = nodePath.basename(target).slice(0, 200);
  return nodePath.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

const defaultSyncFs: AtomicSyncFs = {
  openSync: (p, flags, mode) => fs.openSync(p, flags, mode),
  writeSync: (fd, buffer, offset, length, position) => fs.writeSync(fd, buffer, offset, length, position),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  unlinkSync: (p) => fs.unlinkSync(p),
};

const defaultAsyncFs: AtomicAsyncFs = {
  open: (p, flags, mode) => fsp.open(p, flags, mode),
  rename: (a, b) => fsp.rename(a, b),
  unlink: (p) => fsp.unlink(p),
};

/**
 * How `path` is written: `atomic` (temp file + rename) at the real path of a
 * regular file or of a file that does not exist yet, `direct` for a character
 * device or a FIFO. Anything else is refused.
 */
export function writeTarget(path: string): { how: "atomic" | "direct"; target: string } {
  const resolved = nodePath.resolve(path);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(resolved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { how: "atomic", target: resolved };
    throw err;
  }
  let target = resolved;
  if (st.isSymbolicLink()) {
    try {
      target = fs.realpathSync(resolved);
      st = fs.statSync(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new FileRefusedError(path, "is a symbolic link to a file that does not exist");
      throw err;
    }
  }
  if (st.isFile()) return { how: "atomic", target };
  if (st.isCharacterDevice() || st.isFIFO()) return { how: "direct", target };
  throw new FileRefusedError(path, `${notRegularReason(st)!}; not replaced`);
}

/** True when `path` is a character device or a FIFO, which writes go into in place (a checkpoint there cannot be resumed from). */
export function isStreamTarget(path: string): boolean {
  try {
    return writeTarget(path).how === "direct";
  } catch {
    return false;
  }
}

/** Write every piece through `write(piece, offset, length)`, which returns how much it wrote; no call asks for more than `chunk` bytes. */
function writeAllSync(pieces: readonly Uint8Array[], chunk: number, write: (piece: Uint8Array, offset: number, length: number) => number, what: string): void {
  for (const piece of pieces) {
    let done = 0;
    while (done < piece.length) {
      const n = write(piece, done, Math.min(chunk, piece.length - done));
      if (!(n > 0)) throw new Error(`${what} made no progress`);
      done += n;
    }
  }
}

/** writeAllSync for an asynchronous `write`. */
async function writeAll(pieces: readonly Uint8Array[], chunk: number, write: (piece: Uint8Array, offset: number, length: number) => Promise<number>, what: string): Promise<void> {
  for (const piece of pieces) {
    let done = 0;
    while (done < piece.length) {
      const n = await write(piece, done, Math.min(chunk, piece.length - done));
      if (!(n > 0)) throw new Error(`${what} made no progress`);
      done += n;
    }
  }
}

/** Write `pieces` into a device or FIFO in place (blocks, as a shell redirection does, until a FIFO has a reader). */
function writeDirectSync(target: string, pieces: readonly Uint8Array[], chunk: number): void {
  const fd = fs.openSync(target, fs.constants.O_WRONLY);
  try {
    writeAllSync(pieces, chunk, (b, off, len) => fs.writeSync(fd, b, off, len, null), `writing to ${target}`);
  } finally {
    fs.closeSync(fd);
  }
}

async function writeDirect(target: string, pieces: readonly Uint8Array[], chunk: number): Promise<void> {
  const handle = await fsp.open(target, fs.constants.O_WRONLY);
  try {
    await writeAll(pieces, chunk, async (b, off, len) => (await handle.write(b, off, len, null)).bytesWritten, `writing to ${target}`);
  } finally {
    await handle.close();
  }
}

/** The pieces to write, checked: a Uint8Array or an array of them. */
function piecesOf(bytes: unknown): readonly Uint8Array[] {
  if (bytes instanceof Uint8Array) return [bytes];
  if (Array.isArray(bytes) && bytes.every((b) => b instanceof Uint8Array)) return bytes as Uint8Array[];
  throw new TypeError("writeFileAtomic: bytes must be a Uint8Array or an array of them");
}

function chunkOf(options: { chunkBytes?: number }): number {
  const c = options.chunkBytes ?? MAX_IO_BYTES;
  if (!Number.isInteger(c) || c < 1 || c > MAX_IO_BYTES) throw new RangeError(`writeFileAtomic: chunkBytes must be a whole number from 1 to ${MAX_IO_BYTES}, not ${c}`);
  return c;
}

/** Atomically replace `path` with `bytes` (synchronous; safe to call from a signal handler). */
export function writeFileAtomicSync(path: string, bytes: WriteBytes, options: AtomicWriteOptions<AtomicSyncFs> = {}): void {
  const pieces = piecesOf(bytes);
  const chunk = chunkOf(options);
  const io = options.fs ?? defaultSyncFs;
  const { how, target } = writeTarget(path);
  if (how === "direct") return writeDirectSync(target, pieces, chunk);
  const tmp = tempPathFor(target);
  let fd: number | undefined;
  let created = false;
  try {
    fd = io.openSync(tmp, "wx", options.mode ?? 0o666);
    created = true;
    const out = fd;
    writeAllSync(pieces, chunk, (b, off, len) => io.writeSync(out, b, off, len, null), `writeFileAtomicSync: write to ${tmp}`);
    io.fsyncSync(fd);
    const toClose = fd;
    fd = undefined;
    io.closeSync(toClose);
    io.renameSync(tmp, target);
    created = false;
  } catch (err) {
    if (fd !== undefined) {
      try {
        io.closeSync(fd);
      } catch {
        /* already failing; keep the original error */
      }
    }
    if (created) {
      try {
        io.unlinkSync(tmp);
      } catch {
        /* best effort */
      }
    }
    throw err;
  }
  if (!options.skipDirectorySync) syncDirectorySync(nodePath.dirname(target), io);
}

function syncDirectorySync(dir: string, io: AtomicSyncFs): void {
  let fd: number | undefined;
  try {
    fd = io.openSync(dir, "r");
    io.fsyncSync(fd);
  } catch (err) {
    if (!isIgnorableDirSyncError(err)) throw err;
  } finally {
    if (fd !== undefined) {
      try {
        io.closeSync(fd);
      } catch {
        /* ignore */
      }
    }
  }
}

/** Atomically replace `path` with `bytes`. */
export async function writeFileAtomic(path: string, bytes: WriteBytes, options: AtomicWriteOptions<AtomicAsyncFs> = {}): Promise<void> {
  const pieces = piecesOf(bytes);
  const chunk = chunkOf(options);
  const io = options.fs ?? defaultAsyncFs;
  const { how, target } = writeTarget(path);
  if (how === "direct") return writeDirect(target, pieces, chunk);
  const tmp = tempPathFor(target);
  let handle: AtomicFileHandle | undefined;
  let created = false;
  try {
    handle = await io.open(tmp, "wx", options.mode ?? 0o666);
    created = true;
    const out = handle;
    await writeAll(pieces, chunk, async (b, off, len) => (await out.write(b, off, len, null)).bytesWritten, `writeFileAtomic: write to ${tmp}`);
    await handle.sync();
    const toClose = handle;
    handle = undefined;
    await toClose.close();
    await io.rename(tmp, target);
    created = false;
  } catch (err) {
    if (handle !== undefined) {
      try {
        await handle.close();
      } catch {
        /* keep the original error */
      }
    }
    if (created) {
      try {
        await io.unlink(tmp);
      } catch {
        /* best effort */
      }
    }
    throw err;
  }
  if (!options.skipDirectorySync) await syncDirectory(nodePath.dirname(target), io);
}

async function syncDirectory(dir: string, io: AtomicAsyncFs): Promise<void> {
  let handle: AtomicFileHandle | undefined;
  try {
    handle = await io.open(dir, "r");
    await handle.sync();
  } catch (err) {
    if (!isIgnorableDirSyncError(err)) throw err;
  } finally {
    if (handle !== undefined) {
      try {
        await handle.close();
      } catch {
        /* ignore */
      }
    }
  }
}
