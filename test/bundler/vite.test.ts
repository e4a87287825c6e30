/**
 * nnspec/vite: the fixture app built by Vite (an SSR build, so the bundle runs
 * in Node), and by Rollup alone, predicts as the CLI-compiled module; a spec error fails the build
 * and, in the dev server, reaches the error overlay with `loc` and `frame`;
 * editing a spec invalidates its module (Vite's module graph: the module id is
 * the spec's path).
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rollup } from "rollup";
import { build, createServer } from "vite";
import { describe, expect, it } from "vitest";
import nnspec from "../../plugins/vite.js";
import { APP, BROKEN, cliReference, freshDir, runModule } from "../helpers/bundler.js";

function viteBuild(root: string, entry: string, outDir: string) {
  return build({
    root,
    configFile: false,
    logLevel: "silent",
    plugins: [nnspec()],
    build: { ssr: entry, outDir, emptyOutDir: true, rollupOptions: { external: [/^nnspec\/runtime$/] } },
  });
}

describe("nnspec/vite", () => {
  it("builds an app importing a .nnspec (and one model of a two-model file with ?model=); the bundle predicts as the CLI's module", async () => {
    const out = freshDir("vite-app");
    await viteBuild(APP, "main.ts", out);
    const run = runModule(join(out, "main.js"));
    expect(run.info.name).toBe("lenet5");
    expect(run.wideInfo?.name).toBe("wide");
    expect(run.describe).toBe("lenet5: 1x28x28 -> 10, 61706 parameters");
    expect(run.probabilities).toEqual(cliReference().probabilities);
  });

  it("works as a Rollup plugin without Vite: its resolveId resolves the ?model= query, which Rollup alone would not", async () => {
    const dir = freshDir("rollup-app");
    cpSync(APP, dir, { recursive: true });
    // Rollup reads no TypeScript: a JavaScript entry with the same imports.
    writeFileSync(join(dir, "entry.js"), 'export { createModel, info } from "./lenet5.nnspec";\nexport { info as wideInfo } from "./pair.nnspec?model=wide";\n');
    const bundle = await rollup({ input: join(dir, "entry.js"), external: [/^nnspec\/runtime$/], plugins: [nnspec()], logLevel: "silent" });
    await bundle.write({ file: join(dir, "out", "main.js"), format: "esm" });
    const run = runModule(join(dir, "out", "main.js"));
    expect(run.wideInfo?.name).toBe("wide");
    expect(run.probabilities).toEqual(cliReference().probabilities);
  });

  it("a spec error fails the build with the rendered diagnostic: code, file:line:col, source line, help", async () => {
    const error = (await viteBuild(APP, "broken/main.ts", freshDir("vite-broken")).then(
      () => expect.fail("the build succeeded"),
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toContain(BROKEN.code);
    expect(error.message).toContain(`${BROKEN.file}:${BROKEN.line}:${BROKEN.column}`);
    expect(error.message).toContain(BROKEN.source);
    expect(error.message).toContain(`help: ${BROKEN.help}`);
  });

  it("dev server: a spec error carries loc and frame for the overlay; an edit of the spec invalidates its module", async () => {
    const root = freshDir("vite-dev");
    cpSync(APP, root, { recursive: true });
    const server = await createServer({ root, configFile: false, logLevel: "silent", appType: "custom", server: { middlewareMode: true, ws: false }, optimizeDeps: { noDiscovery: true }, plugins: [nnspec()] });
    try {
      const env = server.environments.client;
      const error = (await env.transformRequest("/broken/broken.nnspec").then(
        () => expect.fail("the broken spec compiled"),
        (e: unknown) => e,
      )) as { message: string; plugin?: string; loc?: { file?: string; line: number; column: number }; frame?: string };
      expect(error.plugin).toBe("nnspec");
      expect(error.message).toMatch(new RegExp(`^${BROKEN.code.replace(/[[\]]/g, "\\$&")}: the 5x5 window`));
      expect(error.loc).toEqual({ file: join(root, BROKEN.file), line: BROKEN.line, column: BROKEN.column - 1 });
      expect(error.frame).toContain(`--> ${BROKEN.file}:${BROKEN.line}:${BROKEN.column}`);
      expect(error.frame).toContain(BROKEN.source);
      expect(error.frame).toContain(`help: ${BROKEN.help}`);

      const spec = join(root, "lenet5.nnspec");
      const before = await env.transformRequest("/lenet5.nnspec");
      expect(before?.code).toContain('outputShape: [10]');
      writeFileSync(spec, readFileSync(spec, "utf8").replace("fc 10", "fc 7"));
      // The watcher's change event invalidates the module; the next request compiles the edited spec.
      let after = before;
      for (let i = 0; i < 100 && after?.code === before?.code; i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = await env.transformRequest("/lenet5.nnspec");
      }
      expect(after?.code).toContain('outputShape: [7]');
    } finally {
      await server.close();
    }
  });
});
