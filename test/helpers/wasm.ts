/** `npm test` builds first; when vitest runs alone, (re)build a missing or stale kernels.wasm. */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./cli.js";

const WASM = join(ROOT, "dist", "runtime", "wasm", "kernels.wasm");
const SRC = join(ROOT, "runtime", "wasm", "src");

export function ensureWasmBuilt(): void {
  const newest = Math.max(...readdirSync(SRC).map((f) => statSync(join(SRC, f)).mtimeMs));
  if (existsSync(WASM) && statSync(WASM).mtimeMs >= newest) return;
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build-wasm.mjs")], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`scripts/build-wasm.mjs failed:\n${r.stdout}\n${r.stderr}`);
}
