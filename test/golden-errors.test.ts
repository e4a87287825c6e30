/**
 * Golden files of what users read: the rendered text of every error case
 * (like TypeScript's .errors.txt baselines). Review changes by eye;
 * regenerate with `npx vitest run test/golden-errors.test.ts -u`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../compiler/index.js";
import { renderText } from "../diagnostics/render-text.js";
import { ROOT } from "./helpers/cli.js";

const sets: [string, string][] = [
  ["specs/errors", join(ROOT, "specs", "errors")],
  ["acceptance/invalid", join(ROOT, "..", "shared", "acceptance", "invalid")],
];

for (const [label, dir] of sets) {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".nnspec")).sort() : [];
  describe.runIf(files.length > 0)(label, () => {
    for (const f of files) {
      it(f, async () => {
        const shown = `${label}/${f}`;
        const { diagnostics } = checkSource(shown, readFileSync(join(dir, f)));
        expect(diagnostics.length).toBeGreaterThan(0);
        const text = diagnostics.map((d) => renderText(d)).join("\n\n") + "\n";
        await expect(text).toMatchFileSnapshot(join("golden", label.replace("/", "-"), f.replace(/\.nnspec$/, ".errors.txt")));
      });
    }
  });
}
