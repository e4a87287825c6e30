import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Generated models (and tests) import `@nnspec/runtime` (or `nnspec/runtime`, which re-exports it):
    // run its TypeScript sources, not dist/ (or packages/runtime/dist/), so an edit is tested without a build. What still runs from dist/ is checked in test/helpers/build.ts.
    // The runtime's `#platform` (package.json `imports`) is its Node implementation, from source too.
    alias: [
      { find: /^(@nnspec|nnspec)\/runtime$/, replacement: fileURLToPath(new URL("./runtime/index.ts", import.meta.url)) },
      { find: /^#platform$/, replacement: fileURLToPath(new URL("./runtime/platform/node.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // vitest's default leaves a core free (cores − 1): on a 2-core machine that ran the files one
    // at a time, while most of them wait on a CLI child process. Two at once: the suite took 1.7×
    // less than the sum of its files' times (measured on 2 cores).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The CLI caches compiled models in $XDG_CACHE_HOME/nnspec: keep the test runs' out of the user's ~/.cache.
    env: { XDG_CACHE_HOME: fileURLToPath(new URL("./test/.tmp/xdg-cache", import.meta.url)) },
  },
});
