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
 * `writeFileAtomicSync` exists for places that cannot await, such as a
 * SIGINT handler that saves a checkpoint before exiting.
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as nodePath from "node:path";
import { randomBytes } from "node:crypto";
import { FileRefusedError, notRegularReason } from "./read.js";

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

/** Write `bytes` into a device or FIFO in place (blocks, as a shell redirection does, until a FIFO has a reader). */
function writeDirectSync(target: string, bytes: Uint8Array): void {
  const fd = fs.openSync(target, fs.constants.O_WRONLY);
  try {
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written, null);
  } finally {
    fs.closeSync(fd);
  }
}

async function writeDirect(target: string, bytes: Uint8Array): Promise<void> {
  const handle = await fsp.open(target, fs.constants.O_WRONLY);
  try {
    let written = 0;
    while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, null)).bytesWritten;
  } finally {
    await handle.close();
  }
}

function checkBytes(bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("writeFileAtomic: bytes must be a Uint8Array");
  }
}

/** Atomically replace `path` with `bytes` (synchronous; safe to call from a signal handler). */
export function writeFileAtomicSync(path: string, bytes: Uint8Array, options: AtomicWriteOptions<AtomicSyncFs> = {}): void {
  checkBytes(bytes);
  const io = options.fs ?? defaultSyncFs;
  const { how, target } = writeTarget(path);
  if (how === "direct") return writeDirectSync(target, bytes);
  const tmp = tempPathFor(target);
  let fd: number | undefined;
  let created = false;
  try {
    fd = io.openSync(tmp, "wx", options.mode ?? 0o666);
    created = true;
    let written = 0;
    while (written < bytes.length) {
      const n = io.writeSync(fd, bytes, written, bytes.length - written, null);
      if (!(n > 0)) throw new Error(`writeFileAtomicSync: write to ${tmp} made no progress`);
      written += n;
    }
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
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions<AtomicAsyncFs> = {}): Promise<void> {
  checkBytes(bytes);
  const io = options.fs ?? defaultAsyncFs;
  const { how, target } = writeTarget(path);
  if (how === "direct") return writeDirect(target, bytes);
  const tmp = tempPathFor(target);
  let handle: AtomicFileHandle | undefined;
  let created = false;
  try {
    handle = await io.open(tmp, "wx", options.mode ?? 0o666);
    created = true;
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, null);
      if (!(bytesWritten > 0)) throw new Error(`writeFileAtomic: write to ${tmp} made no progress`);
      written += bytesWritten;
    }
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
