/** nnspec's own version, for the banner of generated modules (a light module: no code-generation dependencies). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The version in nnspec's package.json, found by walking up from this file:
 * it runs from compiler/emit/ (sources, under vitest) and from dist/compiler/emit/.
 */
export function nnspecVersion(from: string | URL = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const file = join(dir, "package.json");
    const pkg = existsSync(file) ? readPackage(file) : undefined;
    if (pkg?.name === "nnspec" && typeof pkg.version === "string") return pkg.version;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`internal: no package.json of nnspec above ${fileURLToPath(from)}`);
    dir = parent;
  }
}

/** A package.json's name and version; undefined for a file that is not JSON (it is someone else's). */
function readPackage(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
