/**
 * A file that is not read: not a regular file, or too large. `reason` says why;
 * the message is `file: reason`. The bounded reader's (read.ts) error, in a
 * file of its own so that code which also runs in browsers can recognise it
 * without loading node:fs.
 */
export class FileRefusedError extends Error {
  readonly file: string;
  readonly reason: string;
  /** The file's size, when it was refused for being too large. */
  readonly size: number | undefined;
  constructor(file: string, reason: string, size?: number) {
    super(`${file}: ${reason}`);
    this.name = "FileRefusedError";
    this.file = file;
    this.reason = reason;
    this.size = size;
  }
}
