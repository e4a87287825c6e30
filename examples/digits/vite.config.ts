import nnspec from "nnspec/vite";
import { defineConfig } from "vite";

/** The headers that make the page cross-origin isolated, so the kernels get SharedArrayBuffer and threads. */
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  base: "./",
  // typegen: writes src/lenet5.nnspec.d.ts (the module's types) whenever the spec compiles.
  plugins: [nnspec({ typegen: true })],
  // The training worker imports the spec too: worker bundles have their own plugins.
  worker: { format: "es", plugins: () => [nnspec()] },
  // nnspec is linked from this repository ("file:../.."): the dev server may serve its files (kernels.wasm, the kernel worker).
  server: { headers: isolation, fs: { allow: [".", "../.."] } },
  preview: { headers: isolation },
  // Keep nnspec out of the dev server's pre-bundling, so its kernels.wasm and worker are found beside it.
  optimizeDeps: { exclude: ["nnspec"] },
});
