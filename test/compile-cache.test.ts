/** The tests' compile cache (helpers/compile-cache.ts): a hit for the same inputs and sources, a miss when either changes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cachedCode, sourcesHash } from "./helpers/compile-cache.js";

const dir = mkdtempSync(join(tmpdir(), "nnspec-compile-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the compile cache", () => {
  it("produces once for the same inputs, again for other inputs", async () => {
    const nonce = `${process.pid}-${Date.now()}-${Math.random()}`;
    let made = 0;
    const produce = () => `// code ${++made}`;
    expect(await cachedCode({ nonce, spec: "a" }, produce)).toBe("// code 1");
    expect(await cachedCode({ nonce, spec: "a" }, produce)).toBe("// code 1");
    expect(await cachedCode({ nonce, spec: "b" }, produce)).toBe("// code 2");
    expect(made).toBe(2);
  });

  it("keys on the contents and paths of the sources: an edit, a new source or a changed package.json is a miss; a non-.ts file is not a source", () => {
    mkdirSync(join(dir, "compiler", "emit"), { recursive: true });
    writeFileSync(join(dir, "compiler", "emit", "a.ts"), "export const a = 1;\n");
    writeFileSync(join(dir, "package.json"), "{}\n");
    const hash = () => sourcesHash(dir, ["compiler"], ["package.json"]);
    const first = hash();
    expect(hash()).toBe(first);
    writeFileSync(join(dir, "compiler", "notes.md"), "not a source\n");
    expect(hash()).toBe(first);
    writeFileSync(join(dir, "compiler", "emit", "a.ts"), "export const a = 2;\n");
    const edited = hash();
    expect(edited).not.toBe(first);
    writeFileSync(join(dir, "compiler", "b.ts"), "");
    expect(hash()).not.toBe(edited);
    writeFileSync(join(dir, "package.json"), '{ "version": "2" }\n');
    expect(hash()).not.toBe(edited);
  });
});
