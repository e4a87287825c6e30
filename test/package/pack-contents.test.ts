/**
 * What `npm pack` puts in each published package: everything package.json
 * points at (exports, imports, bin), the README and LICENSE, and nothing
 * else — no tests, no TypeScript sources (declarations only), no kernels.wat.
 * And the metadata npm shows: license, repository, and the runtime version
 * the compiler depends on.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireBuilt } from "../helpers/build.js";
import { packedFiles, RUNTIME_PACKAGE } from "../helpers/pack.js";
import { ROOT } from "../helpers/root.js";

interface Manifest {
  name: string;
  version: string;
  license?: string;
  repository?: { type: string; url: string; directory?: string };
  files?: string[];
  bin?: Record<string, string>;
  exports?: unknown;
  imports?: unknown;
  dependencies?: Record<string, string>;
}

const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Every "./file" a package.json field points at, without the "./". */
function targets(value: unknown): string[] {
  if (typeof value === "string") return value.startsWith("./") ? [value.slice(2)] : [];
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(targets);
  return [];
}

const PACKAGES = [
  { dir: ROOT, name: "nnspec", allowed: /^(LICENSE|README\.md|package\.json|bin\/nnspec\.js|dist\/.+\.(js|cjs|d\.ts|wasm))$/ },
  { dir: RUNTIME_PACKAGE, name: "@nnspec/runtime", allowed: /^(LICENSE|README\.md|package\.json|dist\/.+\.(js|cjs|d\.ts|wasm))$/ },
];

describe.each(PACKAGES)("npm pack of $name", ({ dir, name, allowed }) => {
  requireBuilt("runtime");
  const m = manifest(dir);
  const files = packedFiles(dir);

  it("has the package.json fields npm shows", () => {
    expect(m.name).toBe(name);
    expect(m.license).toBe("MIT");
    expect(m.repository?.url).toBe("git+https://github.com/nnspec/nnspec.git");
    expect(m.files?.length).toBeGreaterThan(0);
  });

  it("holds every file package.json points at, a README and the MIT LICENSE", () => {
    const wanted = [...targets(m.exports), ...targets(m.imports), ...targets(m.bin), "README.md", "LICENSE", "package.json"];
    expect(wanted.filter((f) => !files.includes(f))).toEqual([]);
    expect(readFileSync(join(dir, "LICENSE"), "utf8")).toBe(readFileSync(join(ROOT, "LICENSE"), "utf8"));
  });

  it("holds nothing else: built JavaScript, declarations and the wasm kernels only", () => {
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|packages)\//.test(f))).toEqual([]);
  });
});

describe("the two packages together", () => {
  it("nnspec depends on exactly the runtime's version, and the runtime on nothing", () => {
    const runtime = manifest(RUNTIME_PACKAGE);
    expect(manifest(ROOT).dependencies?.["@nnspec/runtime"]).toBe(runtime.version);
    expect(runtime.dependencies).toBeUndefined();
  });

  it("the runtime package holds the runtime (ESM, CommonJS, declarations, wasm, worker, both platforms)", () => {
    const files = packedFiles(RUNTIME_PACKAGE);
    for (const f of ["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/portable.js", "dist/portable.d.ts", "dist/wasm/kernels.wasm", "dist/wasm/worker.js", "dist/platform/node.js", "dist/platform/browser.js"]) {
      expect(files).toContain(f);
    }
  });

  it("LICENSE is MIT, copyright the nnspec authors", () => {
    const license = readFileSync(join(ROOT, "LICENSE"), "utf8");
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the nnspec authors\n/);
  });
});
