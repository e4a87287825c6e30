/** `nnspec fmt [--check]`: rewrites only the files that change, atomically; --check lists them and exits 1; syntax errors stop it. */
import * as fs from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nnspecAsync, ROOT } from "./helpers/cli.js";

const DIR = join(ROOT, "test", ".tmp", `fmt-${process.pid}`);
fs.rmSync(DIR, { recursive: true, force: true });
fs.mkdirSync(DIR, { recursive: true });
afterAll(() => fs.rmSync(DIR, { recursive: true, force: true }));

const UGLY = "model m {\n    input 4 # in\n  fc 2,relu ->2\n}\n";
const PRETTY = "model m {\n  input 4    # in\n  fc 2, relu -> 2\n}\n";

describe("nnspec fmt", () => {
  it("--check lists the files that would change and exits 1, changing nothing; 0 when all are formatted", async () => {
    fs.writeFileSync(join(DIR, "ugly.nnspec"), UGLY);
    fs.writeFileSync(join(DIR, "pretty.nnspec"), PRETTY);
    const [some, none] = await Promise.all([
      nnspecAsync(["fmt", "--check", "ugly.nnspec", "pretty.nnspec"], { cwd: DIR }),
      nnspecAsync(["fmt", "--check", "pretty.nnspec"], { cwd: DIR }),
    ]);
    expect([some.status, some.stdout]).toEqual([1, "ugly.nnspec\n"]);
    expect(some.stderr).toContain("1 of 2 files would be reformatted");
    expect(fs.readFileSync(join(DIR, "ugly.nnspec"), "utf8")).toBe(UGLY);
    expect([none.status, none.stdout]).toEqual([0, ""]);
  });

  it("rewrites the files that change, only those, and refuses a file with syntax errors", async () => {
    fs.writeFileSync(join(DIR, "a.nnspec"), UGLY);
    fs.writeFileSync(join(DIR, "b.nnspec"), PRETTY);
    fs.writeFileSync(join(DIR, "bad.nnspec"), "model m {\n    input 4\n");
    const untouched = fs.statSync(join(DIR, "b.nnspec")).mtimeMs;
    const r = await nnspecAsync(["fmt", "a.nnspec", "b.nnspec", "bad.nnspec"], { cwd: DIR });
    expect(r.status).toBe(1);
    expect(fs.readFileSync(join(DIR, "a.nnspec"), "utf8")).toBe(PRETTY);
    expect(fs.statSync(join(DIR, "b.nnspec")).mtimeMs).toBe(untouched);
    expect(fs.readFileSync(join(DIR, "bad.nnspec"), "utf8")).toBe("model m {\n    input 4\n");
    expect(r.stderr).toContain("error[NN1003]");
    expect(r.stderr).toContain("formatted a.nnspec\n");
    expect(r.stderr).not.toContain("formatted b.nnspec");
    expect(fs.readdirSync(DIR).filter((f) => !f.endsWith(".nnspec"))).toEqual([]);
  });

  it("a directory stands for the .nnspec files under it (dot folders and node_modules skipped); an empty one is refused", async () => {
    const tree = join(DIR, "tree");
    for (const d of ["deep", ".hidden", "node_modules/x", "empty"]) fs.mkdirSync(join(tree, d), { recursive: true });
    fs.writeFileSync(join(tree, "deep", "ugly.nnspec"), UGLY);
    fs.writeFileSync(join(tree, "pretty.nnspec"), PRETTY);
    fs.writeFileSync(join(tree, ".hidden", "ugly.nnspec"), UGLY);
    fs.writeFileSync(join(tree, "node_modules", "x", "ugly.nnspec"), UGLY);
    fs.writeFileSync(join(tree, "notes.txt"), UGLY);
    const [listed, empty] = await Promise.all([nnspecAsync(["fmt", "--check", "tree"], { cwd: DIR }), nnspecAsync(["fmt", "--check", join("tree", "empty")], { cwd: DIR })]);
    expect([listed.status, listed.stdout]).toEqual([1, `${join("tree", "deep", "ugly.nnspec")}\n`]);
    expect(listed.stderr).toContain("1 of 2 files would be reformatted");
    expect([empty.status, empty.stderr]).toEqual([2, `nnspec: ${join("tree", "empty")}: a directory with no .nnspec file under it\n`]);
  });
});
