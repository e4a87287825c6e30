/**
 * docs/api.md's examples run as written: each code block after a
 * `<!-- run: NAME -->` line is saved as NAME under test/.tmp/ (inside the
 * package, so `import "nnspec"` and `require("nnspec")` resolve to this
 * checkout's dist/) and run with node; what it prints must equal the block
 * after the next `<!-- prints -->` line.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireBuilt } from "./helpers/build.js";
import { freshDir } from "./helpers/bundler.js";
import { ROOT } from "./helpers/root.js";

interface Example {
  name: string;
  code: string;
  prints: string;
}

/** The runnable examples of a Markdown file. */
export function examples(markdown: string): Example[] {
  const re = /<!-- run: (\S+) -->\n```\w*\n([\s\S]*?)```\n<!-- prints -->\n```\w*\n([\s\S]*?)```/g;
  return [...markdown.matchAll(re)].map((m) => ({ name: m[1]!, code: m[2]!, prints: m[3]! }));
}

const DOC = readFileSync(join(ROOT, "docs", "api.md"), "utf8");

describe("docs/api.md", () => {
  const list = examples(DOC);

  it("has its examples, each with the output it prints", () => {
    expect(list.map((e) => e.name)).toEqual(["check.mjs", "compile.mjs", "weights.mjs", "diagnostics.mjs", "check-source.mjs", "require.cjs", "packages.mjs"]);
    expect(DOC.match(/<!-- run: /g)).toHaveLength(list.length);
  });

  it.each(list.map((e) => [e.name, e] as const))("%s prints what the doc shows", (_name, e) => {
    requireBuilt("api");
    const file = join(freshDir("doc-example"), e.name);
    writeFileSync(file, e.code);
    const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(e.prints);
    expect(r.status).toBe(0);
  });
});
