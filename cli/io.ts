/** Reading spec files for the CLI: I/O problems become one-line messages (exit 2), never stack traces. */
import { fstatSync, readSync } from "node:fs";
import { MAX_FILE_BYTES } from "../grammar/decode.js";
import { FileRefusedError, readRegularFileSync } from "../runtime/io/read.js";
import { displayPath, escapeControl } from "../diagnostics/display.js";

export class UsageError extends Error {}

/** A usage error about a file: `PATH: reason`, the path quoted for display (see diagnostics/display.ts). */
export function fileError(path: string, reason: string): UsageError {
  return new UsageError(`${displayPath(path)}: ${reason}`);
}

/** A `warning: …` line on stderr, with any control characters escaped. */
export function warn(text: string): void {
  process.stderr.write(`warning: ${escapeControl(text)}\n`);
}

/**
 * A spec file's bytes. Only a regular file is read (a FIFO with no writer or
 * a device would block or never end), through the runtime's one bounded
 * reader; a file over the size limit is not read and only its size is
 * returned (reported as NN1008). Standard input (`check -`) is not a file:
 * read it with readSpecStream, which bounds the bytes instead.
 */
export function readSpec(path: string): { bytes: Uint8Array; size: number } {
  try {
    return readRegularFileSync(path, { maxBytes: MAX_FILE_BYTES });
  } catch (e) {
    if (e instanceof FileRefusedError && e.size !== undefined) return { bytes: new Uint8Array(0), size: e.size };
    if (e instanceof FileRefusedError && e.reason.startsWith("is a directory")) throw fileError(path, "is a directory, not a .nnspec file");
    if (e instanceof FileRefusedError) throw fileError(path, e.reason);
    throw fileError(path, describeIoError(e));
  }
}

/**
 * A spec read from an open stream such as standard input, never more than
 * the size limit plus one byte (a larger one returns no bytes and the size
 * read so far, reported as NN1008). Blocks only as long as the stream does.
 */
export function readSpecStream(fd: number, name: string): { bytes: Uint8Array; size: number } {
  try {
    const cap = MAX_FILE_BYTES + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, cap - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total >= cap) return { bytes: new Uint8Array(0), size: streamSize(fd, total) };
    }
    return { bytes: Buffer.concat(chunks, total), size: total };
  } catch (e) {
    throw fileError(name, describeIoError(e));
  }
}

function streamSize(fd: number, read: number): number {
  try {
    const st = fstatSync(fd);
    return st.isFile() ? st.size : read;
  } catch {
    return read;
  }
}

export function describeIoError(e: unknown): string {
  if (e instanceof FileRefusedError) return e.reason;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
