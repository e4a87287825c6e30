/**
 * `-` as a spec file: the spec read from standard input, shown as `<stdin>` in
 * diagnostics and bounded like a file (never more than the size limit plus
 * one byte is kept, so an endless stream cannot exhaust memory).
 */
import { readSync } from "node:fs";
import { MAX_FILE_BYTES } from "../grammar/decode.js";
import { describeIoError, UsageError } from "./io.js";

/** The argument that names standard input, and the name diagnostics show for it. */
export const STDIN_ARG = "-";
export const STDIN_NAME = "<stdin>";

const pause = new Int32Array(new SharedArrayBuffer(4));

/** The bytes on standard input up to end of file, or no bytes and the size read so far when it is over the limit. */
export function readSpecStdin(): { bytes: Uint8Array; size: number } {
  const cap = MAX_FILE_BYTES + 1;
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < cap) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 20, cap - total));
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(pause, 0, 0, 10); // a non-blocking stdin with nothing yet: wait for the writer
        continue;
      }
      if (code === "EOF") break; // Windows: a closed pipe
      throw new UsageError(`${STDIN_NAME}: ${describeIoError(e)}`);
    }
    if (n === 0) return { bytes: Buffer.concat(chunks, total), size: total };
    chunks.push(chunk.subarray(0, n));
    total += n;
  }
  return total >= cap ? { bytes: new Uint8Array(0), size: total } : { bytes: Buffer.concat(chunks, total), size: total };
}
