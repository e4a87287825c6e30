#!/usr/bin/env node
// Installs the benchmark's own dependencies (bench/package-lock.json) when
// bench/node_modules is missing or older than the lock file. The peers are
// heavy (TF.js, ONNX Runtime), so they live here and never in the main npm ci.
// ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's install script would try to
// download CUDA binaries; the CPU binaries ship inside the package.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const bench = dirname(fileURLToPath(import.meta.url));
const lock = join(bench, "package-lock.json");
// npm ci writes node_modules/.package-lock.json last: its age is the install's age.
const installed = join(bench, "node_modules", ".package-lock.json");

if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) process.exit(0);
process.stderr.write("bench: installing the benchmark's dependencies (npm ci in bench/)\n");
const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
  cwd: bench,
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" },
  stdio: ["ignore", 2, 2], // keep stdout clean for `npm run bench -- --json`
  shell: process.platform === "win32",
});
if (r.status !== 0) {
  process.stderr.write(`bench: npm ci in bench/ failed (${r.error?.message ?? `exit ${r.status}`})\n`);
  process.exit(1);
}
