/** Reading spec files for the CLI: I/O problems become one-line messages (exit 2), never stack traces. */
import { readFileSync, statSync } from "node:fs";
import { MAX_FILE_BYTES } from "../../grammar/decode.js";

export class UsageError extends Error {}

/** A spec's bytes; a file over the size limit is not read (its size is reported as NN1008). */
export function readSpec(path: string): { bytes: Uint8Array; size: number } {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, not a .nnspec file`);
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: ${describeIoError(e)}`);
  }
  if (size > MAX_FILE_BYTES) return { bytes: new Uint8Array(0), size };
  try {
    const bytes = readFileSync(path);
    return { bytes, size: bytes.length };
  } catch (e) {
    throw new UsageError(`${path}: ${describeIoError(e)}`);
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
