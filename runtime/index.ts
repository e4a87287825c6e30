/**
 * `nnspec/runtime` on Node (package.json's `node` condition; `require` gets the
 * CommonJS build of this file, dist/runtime/index.cjs): the portable runtime
 * (portable.ts, what browsers get) and the helpers that need Node's file system.
 */
export * from "./portable.js";
export * from "./io/index.js";
export * from "./data.js";
export * from "./weights.js";
