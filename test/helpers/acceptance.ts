/**
 * The shared acceptance corpus (format: ../shared/acceptance/README.md). It is
 * found one way only: beside the repository, `../shared/acceptance` (CI checks
 * it out next to the clone). A missing corpus is an error, never a skip.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { it } from "vitest";
import { ROOT } from "./root.js";

export const ACCEPTANCE = join(ROOT, "..", "shared", "acceptance");

export type AcceptanceSet = "valid" | "invalid";

/** The `.nnspec` files of `valid/` or `invalid/`, sorted; throws, saying where it looked, when there are none. */
export function acceptanceSpecs(set: AcceptanceSet): string[] {
  const dir = join(ACCEPTANCE, set);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".nnspec")).sort() : [];
  if (files.length === 0) throw new Error(`the shared acceptance corpus is missing: no .nnspec files in ${dir} (it belongs beside the repository, in ../shared/acceptance)`);
  return files.map((f) => join(dir, f));
}

/** One spec of the corpus, e.g. `acceptanceSpec("valid", "lenet5")`; throws when it is missing. */
export function acceptanceSpec(set: AcceptanceSet, name: string): string {
  const file = join(ACCEPTANCE, set, `${name}.nnspec`);
  if (!existsSync(file)) throw new Error(`${file} is missing from the shared acceptance corpus (../shared/acceptance beside the repository)`);
  return file;
}

/**
 * For test files that list the corpus while collecting tests: its specs, or
 * none and a failing test that says where it looked (so the file's other
 * tests still run).
 */
export function acceptanceSpecsOrFail(set: AcceptanceSet): string[] {
  try {
    return acceptanceSpecs(set);
  } catch (e) {
    it(`finds the shared acceptance corpus (${set})`, () => {
      throw e;
    });
    return [];
  }
}
