/** `nnspec check --fix`: applies the unambiguous suggestions, rewrites the file, reports each change and what remains. */
import * as fs from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nnspecAsync, ROOT } from "./helpers/cli.js";
import { fixSource } from "../compiler/fix-source.js";

const DIR = join(ROOT, "test", ".tmp", `check-fix-${process.pid}`);
fs.rmSync(DIR, { recursive: true, force: true });
fs.mkdirSync(DIR, { recursive: true });
afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

// Two fixable mistakes, one fix that reveals nothing new, and an assertion (offered, never applied).
const BROKEN = "model m {\n  input 1x8x8\n  conv 3x3 x4 -> 4x6x6\n  maxpol 2 # typo\n  fc 10\n  relu -> 11\n  loss softmax\n}\n";
const FIXED = "model m {\n  input 1x8x8\n  conv 3x3 x4 -> 4x6x6\n  maxpool 2 # typo\n  flatten\n  fc 10\n  relu -> 11\n  loss softmax\n}\n";

describe("fixSource", () => {
  it("applies the applicable suggestions round after round and leaves the others", () => {
    const r = fixSource("t.nnspec", BROKEN);
    expect(r.text).toBe(FIXED);
    expect(r.fixes.map((f) => [f.code, f.message, f.offset])).toEqual([
      ["NN2001", "replace `maxpol` with `maxpool`", FIXED.indexOf("maxpool")],
      ["NN3003", "add `flatten` before it", FIXED.indexOf("flatten")],
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["NN3008"]);
  });

  it("changes nothing in a spec without applicable suggestions", () => {
    const text = "model m {\n  input 4\n  fc 2 -> 3\n}\n";
    expect(fixSource("t.nnspec", text)).toMatchObject({ text, fixes: [] });
  });
});

describe("nnspec check --fix", () => {
  it("rewrites the file, prints each fix and the remaining diagnostics, and exits as check would", async () => {
    const path = join(DIR, "net.nnspec");
    const clean = join(DIR, "clean.nnspec");
    fs.writeFileSync(path, BROKEN);
    fs.writeFileSync(clean, FIXED.replace("-> 11", "-> 10"));
    const before = fs.statSync(clean).mtimeMs;
    const r = await nnspecAsync(["check", "--fix", "net.nnspec", "clean.nnspec"], { cwd: DIR });
    expect(fs.readFileSync(path, "utf8")).toBe(FIXED);
    expect(r.stderr).toContain("net.nnspec:4:3: fixed NN2001: replace `maxpol` with `maxpool`\nnet.nnspec:5:3: fixed NN3003: add `flatten` before it\n");
    expect(r.stderr).toContain("error[NN3008]");
    expect(r.stderr).toContain("checked 2 files, 1 model: 1 error, 0 warnings");
    expect(r.status).toBe(1);
    expect(fs.statSync(clean).mtimeMs).toBe(before);
    expect(fs.readdirSync(DIR).sort()).toEqual(["clean.nnspec", "net.nnspec"]);
  });

  it("reports the fixes in the JSON output, and refuses standard input", async () => {
    const path = join(DIR, "j.nnspec");
    fs.writeFileSync(path, "model m {\n  input 4\n  fc 2\n  l: loss mse\n}\n");
    const [json, stdin] = await Promise.all([nnspecAsync(["check", "--fix", "--format", "json", "j.nnspec"], { cwd: DIR }), nnspecAsync(["check", "--fix", "-"], { cwd: DIR })]);
    expect(JSON.parse(json.stdout)).toEqual({ diagnostics: [], fixed: [{ file: "j.nnspec", line: 4, column: 3, code: "NN2023", message: "remove `l:`" }] });
    expect(json.status).toBe(0);
    expect(fs.readFileSync(path, "utf8")).toBe("model m {\n  input 4\n  fc 2\n  loss mse\n}\n");
    expect(stdin.status).toBe(2);
    expect(stdin.stderr).toMatch(/cannot fix standard input/);
  });
});
