/**
 * The edit-and-test loop is honest: tests run the runtime's sources (not a
 * possibly stale dist/), and what still runs from dist/ is refused, with the
 * file to rebuild, when a source is newer than its build (test/helpers/build.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as aliased from "@nnspec/runtime";
import * as reexported from "nnspec/runtime";
import * as sources from "../runtime/index.js";
import { compiledFrom, runtimePackage, staleness, wasmKernels } from "./helpers/build.js";

it("@nnspec/runtime, as generated models import it (and nnspec/runtime), is the runtime's TypeScript source", () => {
  expect(aliased.Adam).toBe(sources.Adam);
  expect(aliased.conv2dForward).toBe(sources.conv2dForward);
  expect(reexported.Adam).toBe(sources.Adam);
});

describe("a build older than its sources", () => {
  // A miniature repository: dist/cli/main.js imports dist/compiler/a.js, which imports b.js (and b.d.ts imports types.js).
  const root = mkdtempSync(join(tmpdir(), "nnspec-build-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const files: Record<string, string> = {
    "cli/main.ts": "",
    "compiler/a.ts": "",
    "compiler/b.ts": "",
    "compiler/types.ts": "",
    "compiler/unused.ts": "",
    "runtime/wasm/src/kernels.as.ts": "",
    "runtime/wasm/src/gemm.as.ts": "",
    "dist/cli/main.js": 'import { a } from "../compiler/a.js";\nconst later = () => import("../compiler/b.js");\n',
    "dist/compiler/a.js": 'export * from "./b.js";\n',
    "dist/compiler/b.js": "export const b = 1;\n",
    "dist/compiler/b.d.ts": 'import type { T } from "./types.js";\n',
    "dist/compiler/types.js": "export {};\n",
    "dist/runtime/wasm/kernels.wasm": "",
    "dist/runtime/index.js": "",
    "packages/runtime/dist/wasm/kernels.wasm": "",
    "packages/runtime/dist/index.js": "",
    "dist/reexport/runtime.js": "",
    "dist/reexport/runtime.cjs": "",
    "dist/reexport/runtime.d.ts": "",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    // sources at t = 1000 s, builds at t = 2000 s
    const t = path.startsWith("packages/") || path.startsWith("dist/reexport/") ? 2500 : path.startsWith("dist/") ? 2000 : 1000;
    utimesSync(join(root, path), t, t);
  }
  const touch = (path: string, t: number) => utimesSync(join(root, path), t, t);
  const cli = () => compiledFrom(root, "cli/main.js");

  it("follows static, dynamic and declaration imports to every built module and its source", () => {
    const built = cli().map((b) => [b.file.slice(root.length + 1), b.sources.map((s) => s.slice(root.length + 1))]);
    expect(built.sort()).toEqual([
      ["dist/cli/main.js", ["cli/main.ts"]],
      ["dist/compiler/a.js", ["compiler/a.ts"]],
      ["dist/compiler/b.js", ["compiler/b.ts"]],
      ["dist/compiler/types.js", ["compiler/types.ts"]],
    ]);
    expect(wasmKernels(root).sources.map((s) => s.slice(root.length + 1)).sort()).toEqual(["runtime/wasm/src/gemm.as.ts", "runtime/wasm/src/kernels.as.ts"]);
  });

  it("passes a fresh build", () => {
    expect(staleness(root, [...cli(), wasmKernels(root)])).toBeNull();
  });

  it("names the source newer than its build, and the command to run", () => {
    touch("compiler/types.ts", 3000);
    expect(staleness(root, cli())).toBe("dist/ is older than compiler/types.ts (dist/compiler/types.js was built before it changed): run `npm run build`");
    touch("compiler/types.ts", 1000);
    touch("runtime/wasm/src/gemm.as.ts", 3000);
    expect(staleness(root, [wasmKernels(root)])).toBe(
      "dist/ is older than runtime/wasm/src/gemm.as.ts (dist/runtime/wasm/kernels.wasm was built before it changed): run `npm run build`",
    );
    touch("runtime/wasm/src/gemm.as.ts", 1000);
    // a source nothing built imports does not matter
    touch("compiler/unused.ts", 3000);
    expect(staleness(root, [...cli(), wasmKernels(root)])).toBeNull();
  });

  it("the runtime package: a copy of dist/runtime/ older than it, or missing, is stale", () => {
    expect(staleness(root, runtimePackage(root))).toBeNull();
    touch("dist/runtime/wasm/kernels.wasm", 3000);
    expect(staleness(root, runtimePackage(root))).toBe(
      "dist/ is older than dist/runtime/wasm/kernels.wasm (packages/runtime/dist/wasm/kernels.wasm was built before it changed): run `npm run build`",
    );
    touch("dist/runtime/wasm/kernels.wasm", 2000);
    rmSync(join(root, "packages", "runtime", "dist", "index.js"));
    expect(staleness(root, runtimePackage(root))).toBe("packages/runtime/dist/index.js is missing: run `npm run build`");
  });

  it("names a missing build", () => {
    rmSync(join(root, "dist", "compiler", "b.js"));
    expect(staleness(root, cli())).toBe("dist/compiler/b.js is missing: run `npm run build`");
  });
});
