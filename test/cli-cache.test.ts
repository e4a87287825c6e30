/** cli/cache.ts: where compiled models are cached and when a cached one may be imported. */
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { privateCacheDir, readCachedModule, sealModule, writeCachedModule } from "../cli/cache.js";

const base = fs.mkdtempSync(join(os.tmpdir(), "nnspec-cache-test-"));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe("privateCacheDir", () => {
  it("is $XDG_CACHE_HOME/nnspec, created mode 0700; ~/.cache/nnspec when XDG_CACHE_HOME is unset or relative", () => {
    const c = privateCacheDir({ XDG_CACHE_HOME: join(base, "xdg") });
    expect(c).toEqual({ dir: join(base, "xdg", "nnspec") });
    expect(fs.statSync(c.dir).mode & 0o777).toBe(0o700);
    expect(privateCacheDir({ XDG_CACHE_HOME: "relative" }).dir).toBe(join(os.homedir(), ".cache", "nnspec"));
  });

  it("is refused when others can write it, or when it is a link", () => {
    const open = join(base, "open");
    fs.mkdirSync(join(open, "nnspec"), { recursive: true });
    fs.chmodSync(join(open, "nnspec"), 0o777);
    expect(privateCacheDir({ XDG_CACHE_HOME: open }).problem).toMatch(/mode 777/);
    const linked = join(base, "linked");
    fs.mkdirSync(linked);
    fs.mkdirSync(join(base, "elsewhere"), { mode: 0o700 });
    fs.symlinkSync(join(base, "elsewhere"), join(linked, "nnspec"));
    expect(privateCacheDir({ XDG_CACHE_HOME: linked }).problem).toMatch(/not a folder/);
  });
});

describe("cached modules", () => {
  it("are read back only when their content matches the recorded hash", () => {
    const dir = privateCacheDir({ XDG_CACHE_HOME: join(base, "mods") }).dir;
    const path = writeCachedModule(dir, "k", "export const x = 1;\n");
    expect(fs.statSync(path).mode & 0o777).toBe(0o600);
    expect(readCachedModule(dir, "k")).toBe(sealModule("export const x = 1;\n"));
    fs.writeFileSync(path, fs.readFileSync(path, "utf8").replace("1", "2"));
    expect(readCachedModule(dir, "k")).toBeUndefined();
    fs.writeFileSync(path, "export const x = 1;\n");
    expect(readCachedModule(dir, "k")).toBeUndefined();
    expect(readCachedModule(dir, "missing")).toBeUndefined();
  });
});
