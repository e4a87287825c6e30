/**
 * For tests that load kernels.wasm themselves: it must be built from the
 * current runtime/wasm/src (the global setup checks this already; a test file
 * run on its own, or after an edit, gets the same message here).
 */
import { requireBuilt } from "./build.js";

export function ensureWasmBuilt(): void {
  requireBuilt("wasm");
}
