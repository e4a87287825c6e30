// Bundles the extension client (extension.js and vscode-languageclient) into one file,
// dist/extension.js, the manifest's `main`: the .vsix then ships one script instead of
// node_modules. `vscode` is provided by the editor. Used by `npm run bundle` here and by
// the repository's test of the bundle (test/editors/vscode.test.ts), which passes its own outfile.
import { fileURLToPath } from "node:url";

export const options = {
  entryPoints: [fileURLToPath(new URL("./extension.js", import.meta.url))],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  minify: true,
  sourcemap: false,
  logLevel: "warning",
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { build } = await import("esbuild");
  await build({ ...options, outfile: fileURLToPath(new URL("./dist/extension.js", import.meta.url)) });
}
