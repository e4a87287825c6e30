/**
 * Runs once before any test file (vitest.config.ts): almost every model test
 * runs the wasm kernels, whose module and worker threads come from dist/, so
 * a stale build stops the whole run here, with the file to rebuild.
 * (The CLI and tsc's view of the runtime are checked where they are used.)
 */
import { requireBuilt } from "./build.js";

export default function setup(): void {
  requireBuilt("wasm");
}
