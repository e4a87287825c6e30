/**
 * `npm pack` of this repository's packages, as publishing would make them:
 * the root (`nnspec`) and the runtime workspace (`@nnspec/runtime`,
 * packages/runtime/). npm runs with an environment free of the `npm_*`
 * variables of an enclosing `npm test`, and without the root's `prepare`
 * (the build: the tests check dist/ is fresh instead).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./root.js";

export const RUNTIME_PACKAGE = join(ROOT, "packages", "runtime");

/** process.env without npm's per-run variables. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

/** Runs npm in `cwd`; throws with its output when it fails. */
export function npm(args: string[], cwd: string): string {
  const r = spawnSync("npm", args, { cwd, env: cleanEnv(), encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed in ${cwd} (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

interface PackResult {
  filename: string;
  files: { path: string; size: number }[];
  unpackedSize: number;
}

function packJson(args: string[], dir: string): PackResult {
  return (JSON.parse(npm(["pack", "--json", "--ignore-scripts", ...args], dir)) as PackResult[])[0]!;
}

/** The files `npm pack` puts in the package at `dir` (paths relative to the package). */
export function packedFiles(dir: string): string[] {
  return packJson(["--dry-run"], dir).files.map((f) => f.path).sort();
}

/** Packs the package at `dir` into `dest`; the tarball's path. */
export function packInto(dir: string, dest: string): string {
  return join(dest, packJson(["--pack-destination", dest], dir).filename);
}
