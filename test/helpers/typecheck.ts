/** tsc over generated modules, as a strict project compiles them. */
import { join } from "node:path";
import { requireBuilt } from "./build.js";
import { ROOT } from "./cli.js";

/** --strict and what strict projects add (Vite's templates turn these on). */
export const STRICT_PROJECT = ["--strict", "--noUnusedLocals", "--noUnusedParameters", "--exactOptionalPropertyTypes", "--noUncheckedIndexedAccess"];

/**
 * Node arguments that run tsc --noEmit on `files` with STRICT_PROJECT. The
 * files import `@nnspec/runtime`, which tsc resolves through node_modules to
 * the runtime package's declarations (packages/runtime/dist/): they must not
 * be older than runtime/.
 */
export function tscArgs(files: string[]): string[] {
  requireBuilt("runtimeTypes");
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  return [tsc, "--ignoreConfig", "--noEmit", ...STRICT_PROJECT, "--module", "NodeNext", "--moduleResolution", "NodeNext", "--target", "ES2022", "--types", "node", "--skipLibCheck", ...files];
}
