/**
 * An advisory lock on an output: `OUT.lock` beside it, created exclusively
 * and holding the owner's pid and host. A second run on the same output
 * refuses with a clear line; a lock whose process is gone (killed, crashed)
 * on this host is stale and taken over. The lock is removed when the process
 * exits, however it exits short of SIGKILL.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { displayPath } from "../diagnostics/display.js";
import { describeIoError, UsageError } from "./io.js";

export function lockPath(output: string): string {
  return `${output}.lock`;
}

/** Is `pid` a live process? (EPERM: alive, but another user's.) */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock's owner, when it is a live process (or on another host, where we cannot tell). */
function liveOwner(path: string): { pid: number; host: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined; // removed meanwhile
  }
  const [pidText, host = ""] = text.split("\n");
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return justCreated(path) ? { pid: 0, host: hostname() } : undefined; // being written, or left half-written by a dead run
  if (host !== hostname()) return { pid, host };
  return alive(pid) ? { pid, host } : undefined;
}

/** A lock file younger than a few seconds may be one another run is still writing its pid into. */
function justCreated(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 5000;
  } catch {
    return false;
  }
}

/** Take the lock on `output` for this process, or refuse (UsageError) when another live run holds it. */
export function lockOutput(output: string, role = "--out"): void {
  const path = lockPath(output);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new UsageError(`${role} ${displayPath(output)}: cannot create the lock ${displayPath(path)}: ${describeIoError(e)}`);
      const owner = liveOwner(path);
      if (owner !== undefined)
        throw new UsageError(
          `${role} ${displayPath(output)} is in use by another nnspec run (${owner.pid ? `pid ${owner.pid}` : "starting"}${owner.host === hostname() ? "" : ` on ${owner.host}`}); wait for it to finish, or choose another ${role} (if no such run exists, remove ${displayPath(path)})`,
        );
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        // another run took it over first; try again
      }
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n${hostname()}\n`);
    } finally {
      closeSync(fd);
    }
    process.once("exit", () => releaseLock(path));
    return;
  }
  throw new UsageError(`${role} ${displayPath(output)}: cannot take the lock ${displayPath(path)}; another run keeps taking it`);
}

function releaseLock(path: string): void {
  try {
    if (readFileSync(path, "utf8").split("\n")[0] === String(process.pid)) unlinkSync(path);
  } catch {
    // already gone
  }
}
