/**
 * The compiled-model cache: generated modules that `train`, `eval`,
 * `predict` and `export` import, kept between runs so they skip ts-morph and
 * prettier. Code from here runs as the user, so the cache must be one only
 * the user can write:
 *
 * - it lives in `$XDG_CACHE_HOME/nnspec` (when that is an absolute path) or
 *   `~/.cache/nnspec`, never in a shared temporary folder;
 * - the folder is created mode 0700 and used only when it is a real folder
 *   (not a link) owned by the user with no access for group or others;
 *   otherwise it is not used at all (see `privateCacheDir`);
 * - each module starts with a line recording the SHA-256 of the rest, and a
 *   module whose content does not match is never imported (it is rebuilt).
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { writeFileAtomicSync } from "../runtime/io/atomic.js";
import { readRegularFileSync } from "../runtime/io/read.js";

const HEADER = "// nnspec-cache sha256=";

/** The cache folder, or why it is not used. */
export type CacheDir = { dir: string; problem?: undefined } | { dir: string; problem: string };

/** The user's cache folder for compiled models, created (0700) if missing; `problem` says why it is unsafe to use. */
export function privateCacheDir(env: NodeJS.ProcessEnv = process.env): CacheDir {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), ".cache");
  const dir = join(base, "nnspec");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory()) return { dir, problem: "is not a folder" };
    if (uid !== undefined && st.uid !== uid) return { dir, problem: `is owned by another user (uid ${st.uid})` };
    if ((st.mode & 0o077) !== 0) return { dir, problem: `can be read or written by others (mode ${(st.mode & 0o777).toString(8)}; chmod 700 it)` };
    return { dir };
  } catch (e) {
    return { dir, problem: `cannot be used: ${(e as Error).message}` };
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A module text with its content hash in front, as it is stored. */
export function sealModule(js: string): string {
  return `${HEADER}${sha256(js)}\n${js}`;
}

/** The module stored under `key`, when it is there, a regular file of ours, and its content matches its hash. */
export function readCachedModule(dir: string, key: string): string | undefined {
  let text: string;
  try {
    text = readRegularFileSync(join(dir, `${key}.mjs`), { noFollow: true }).bytes.toString("utf8");
  } catch {
    return undefined;
  }
  const newline = text.indexOf("\n");
  if (!text.startsWith(HEADER) || newline < 0) return undefined;
  const js = text.slice(newline + 1);
  return text.slice(HEADER.length, newline) === sha256(js) ? text : undefined;
}

/** Store a module (atomically, mode 0600); its path. */
export function writeCachedModule(dir: string, key: string, js: string): string {
  const path = join(dir, `${key}.mjs`);
  writeFileAtomicSync(path, new TextEncoder().encode(sealModule(js)), { mode: 0o600 });
  return path;
}
