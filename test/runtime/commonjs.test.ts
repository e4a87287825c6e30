/**
 * `require("nnspec/runtime")` from CommonJS on Node 20, which cannot require
 * ES modules: it re-exports `require("@nnspec/runtime")`, whose `require`
 * condition loads packages/runtime/dist/index.cjs (scripts/build-cjs.mjs, copied
 * by scripts/build-runtime-package.mjs). (Node 20.19 and later could require the ES module
 * itself; 20.0–20.18, which package.json's engines allow, cannot, so the test
 * checks that the CommonJS build is what loads.) A .cjs script run by node requires it, runs the
 * wasm kernels on two threads and round-trips weights through bytes.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { requireBuilt } from "../helpers/build.js";
import { TMP } from "../helpers/compile.js";
import { ROOT } from "../helpers/root.js";

beforeAll(() => requireBuilt("cjs"));

const SCRIPT = String.raw`
"use strict";
const rt = require("nnspec/runtime");
const out = { keys: Object.keys(rt).sort(), resolved: require.resolve("@nnspec/runtime"), same: rt === require("@nnspec/runtime") };
// The wasm kernels, split across 2 threads (an add of 2^17 values is split).
const n = 1 << 17;
const e = rt.createEngine(Float32Array, { floats: 3 * n, ints: 0, scratch: 0, convParams: 0 }, { threads: 2 }, "cjs");
const [a, b, c] = [e.floats.take(n), e.floats.take(n), e.floats.take(n)];
a.fill(1.5); b.fill(2);
e.kernels.ready().then(() => {
  e.kernels.add(a, b, c, n);
  out.kind = e.kernels.kind;
  out.threads = e.kernels.threads;
  out.sum = c[0] + c[n - 1];
  // Weights through bytes.
  const info = { name: "w", dtype: "f32", params: [{ name: "w", shape: [2] }], buffers: [] };
  const bytes = rt.encodeWeights({ params: { w: new Float32Array([1, 2]) }, buffers: {} }, info);
  const into = { params: { w: new Float32Array(2) }, buffers: {} };
  rt.loadWeights(bytes, into, info);
  out.weights = Array.from(into.params.w);
  out.hash = rt.specHash("abc");
  e.kernels.dispose();
  console.log(JSON.stringify(out));
});
`;

it("require(\"nnspec/runtime\") works from a .cjs file, with the ES module's exports", async () => {
  const dir = join(TMP, "commonjs");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "use-runtime.cjs");
  writeFileSync(file, SCRIPT);
  const r = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  const esm = Object.keys(await import(join(ROOT, "packages", "runtime", "dist", "index.js"))).sort();
  expect(out.keys).toEqual(esm);
  expect(out.resolved).toBe(join(ROOT, "packages", "runtime", "dist", "index.cjs"));
  expect(out).toMatchObject({ same: true, kind: "wasm", threads: 2, sum: 7, weights: [1, 2], hash: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" });
});
