#!/usr/bin/env node
/**
 * Builds the WebAssembly kernels with the AssemblyScript compiler installed
 * from the npm registry (devDependency `assemblyscript`): nothing is downloaded.
 *
 *   node scripts/build-wasm.mjs            runtime/wasm/src/kernels.as.ts -> dist/runtime/wasm/kernels.wasm
 *   node scripts/build-wasm.mjs --wat      also writes dist/runtime/wasm/kernels.wat (to read the code)
 *
 * Flags: -O3 (optimizeLevel 3, shrinkLevel 0), --runtime stub (no GC; the
 * kernels never allocate), --enable simd (128-bit WASM SIMD), --noAssert;
 * --importMemory --sharedMemory --enable threads --zeroFilledMemory: the
 * memory is created by the runtime (runtime/wasm/module.ts), zeroed, and shared
 * by the threads of one model.
 * The loader is runtime/wasm/index.ts (compiled by tsc to dist/runtime/wasm/index.js),
 * which reads kernels.wasm next to itself.
 *
 * First it regenerates runtime/wasm/src/slots.as.ts, the kernels' geometry
 * slot numbers, from the TypeScript list (scripts/geometry-slots.mjs).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SLOTS_FILE, writeSlots } from "./geometry-slots.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ASC = join(ROOT, "node_modules", "assemblyscript", "bin", "asc.js");

const KERNELS = [{ src: "runtime/wasm/src/kernels.as.ts", out: "dist/runtime/wasm/kernels.wasm" }];

const args = process.argv.slice(2);
for (const a of args) {
  if (a !== "--wat") {
    process.stderr.write(`build-wasm: unknown argument ${a} (usage: node scripts/build-wasm.mjs [--wat])\n`);
    process.exit(2);
  }
}
const wantWat = args.includes("--wat");

if (!existsSync(ASC)) {
  process.stderr.write("build-wasm: AssemblyScript is not installed (node_modules/assemblyscript); run `npm install`\n");
  process.exit(1);
}

if (await writeSlots(ROOT)) process.stdout.write(`build-wasm: wrote ${SLOTS_FILE}\n`);

for (const { src, out } of KERNELS) {
  const outPath = join(ROOT, out);
  mkdirSync(dirname(outPath), { recursive: true });
  const ascArgs = [
    ASC,
    join(ROOT, src),
    "--outFile", outPath,
    "-O3",
    "--runtime", "stub",
    "--enable", "simd",
    "--noAssert",
    // The memory is the model's: imported, shared between threads, zeroed when created.
    "--importMemory",
    "--sharedMemory",
    "--enable", "threads",
    "--zeroFilledMemory",
    "--maximumMemory", "65536",
  ];
  if (wantWat) ascArgs.push("--textFile", outPath.replace(/\.wasm$/, ".wat"));
  const r = spawnSync(process.execPath, ascArgs, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  if (r.error) {
    process.stderr.write(`build-wasm: cannot run asc: ${r.error.message}\n`);
    process.exit(1);
  }
  if (r.status !== 0) {
    process.stderr.write(`build-wasm: asc failed on ${src} (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`build-wasm: ${src} -> ${relative(ROOT, outPath)} (${statSync(outPath).size} bytes)\n`);
}
