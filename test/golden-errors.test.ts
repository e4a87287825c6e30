/**
 * Golden files of what users read: the rendered text of every error case
 * (like TypeScript's .errors.txt baselines). Review changes by eye;
 * regenerate with `npx vitest run test/golden-errors.test.ts -u`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../compiler/index.js";
import { renderText } from "../diagnostics/render-text.js";
import { acceptanceSpecsOrFail } from "./helpers/acceptance.js";
import { ROOT } from "./helpers/cli.js";

const ownErrors = join(ROOT, "specs", "errors");
const sets: [string, () => string[]][] = [
  ["specs/errors", () => readdirSync(ownErrors).filter((f) => f.endsWith(".nnspec")).sort().map((f) => join(ownErrors, f))],
  ["acceptance/invalid", () => acceptanceSpecsOrFail("invalid")],
];

for (const [label, list] of sets) {
  describe(label, () => {
    const paths = list();
    it("has specs", () => expect(paths.length).toBeGreaterThan(0));
    for (const path of paths) {
      const f = basename(path);
      it(f, async () => {
        const shown = `${label}/${f}`;
        const { diagnostics } = checkSource(shown, readFileSync(path));
        expect(diagnostics.length).toBeGreaterThan(0);
        const text = diagnostics.map((d) => renderText(d)).join("\n\n") + "\n";
        await expect(text).toMatchFileSnapshot(join("golden", label.replace("/", "-"), f.replace(/\.nnspec$/, ".errors.txt")));
      });
    }
  });
}
