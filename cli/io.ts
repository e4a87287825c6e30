/** Reading spec files for the CLI: I/O problems become one-line messages (exit 2), never stack traces. */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { MAX_FILE_BYTES } from "../grammar/decode.js";

export class UsageError extends Error {}

/**
 * A spec's bytes, read through a file descriptor and never more than the size
 * limit plus one byte, so a device or an endless pipe cannot hang the CLI; a
 * larger file is not kept (its size is reported as NN1008).
 */
export function readSpec(path: string): { bytes: Uint8Array; size: number } {
  let fd: number;
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${path}: is a directory, not a .nnspec file`);
    fd = openSync(path, "r");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: ${describeIoError(e)}`);
  }
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
      if (total >= cap) {
        let size = total;
        try {
          const st = fstatSync(fd);
          if (st.isFile()) size = st.size;
        } catch {
          // keep what was read
        }
        return { bytes: new Uint8Array(0), size };
      }
    }
    return { bytes: Buffer.concat(chunks, total), size: total };
  } catch (e) {
    throw new UsageError(`${path}: ${describeIoError(e)}`);
  } finally {
    closeSync(fd);
  }
}

export function describeIoError(e: unknown): string {
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
