/** Reading spec files for the CLI: I/O problems become one-line messages (exit 2), never stack traces. */
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
 * read it with readSpecStdin (stdin.ts), which bounds the bytes instead.
 */
export function readSpec(path: string): { bytes: Uint8Array; size: number } {
  // `-` is standard input only where a command says so (check, summary: stdin.ts); elsewhere the generated code names the file.
  if (path === "-") throw new UsageError("the spec must be a file here; reading it from stdin (-) works for check and summary");
  try {
    return readRegularFileSync(path, { maxBytes: MAX_FILE_BYTES });
  } catch (e) {
    if (e instanceof FileRefusedError && e.size !== undefined) return { bytes: new Uint8Array(0), size: e.size };
    if (e instanceof FileRefusedError && e.reason.startsWith("is a directory")) throw fileError(path, "is a directory, not a .nnspec file");
    if (e instanceof FileRefusedError) throw fileError(path, e.reason);
    throw fileError(path, describeIoError(e));
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
