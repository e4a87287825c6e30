/**
 * What a generated module imports the runtime from unless told otherwise
 * (`--runtime`, `compile(…, { runtime })`, the plugins' `runtime` option):
 * the dependency-free runtime package, the one thing an app that only runs
 * compiled models installs. (`nnspec/runtime` re-exports it.)
 */
export const DEFAULT_RUNTIME = "@nnspec/runtime";
