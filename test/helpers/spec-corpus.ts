/** Every `.nnspec` file the tests can read: specs/ (with specs/errors), the acceptance corpus, examples, bench and test fixtures. */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { acceptanceSpecs } from "./acceptance.js";
import { ROOT } from "./root.js";

function nnspecFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...nnspecFiles(path));
    else if (name.endsWith(".nnspec")) out.push(path);
  }
  return out;
}

/** `{ name, path }` for every spec of the corpus: `name` is the path shown in test titles. */
export function specCorpus(): { name: string; path: string }[] {
  const own = ["specs", "examples", "bench", join("test", "fixtures"), join("test", "codegen")].flatMap((d) => nnspecFiles(join(ROOT, d)));
  const shared = [...acceptanceSpecs("valid"), ...acceptanceSpecs("invalid")];
  return [...own.map((p) => ({ name: relative(ROOT, p), path: p })), ...shared.map((p) => ({ name: `acceptance/${relative(join(ROOT, "..", "shared", "acceptance"), p)}`, path: p }))];
}
