/** nnspec/esbuild: a fixture app imports .nnspec files; the bundle runs in Node and predicts as the CLI-compiled module does. */
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build, formatMessages, type BuildFailure } from "esbuild";
import { describe, expect, it } from "vitest";
import nnspec from "../../plugins/esbuild.js";
import { APP, BROKEN, cliReference, freshDir, runModule } from "../helpers/bundler.js";
import { nnspec as cli } from "../helpers/cli.js";

function bundle(entry: string, outfile: string, root = APP, typegen = false) {
  return build({ entryPoints: [entry], outfile, bundle: true, format: "esm", platform: "node", external: ["@nnspec/runtime"], absWorkingDir: root, logLevel: "silent", plugins: [nnspec({ typegen })] });
}

describe("nnspec/esbuild", () => {
  it("bundles an app importing a .nnspec (and one model of a two-model file with ?model=); the bundle predicts as the CLI's module", async () => {
    const out = join(freshDir("esbuild-app"), "main.js");
    await bundle(join(APP, "main.ts"), out);
    const run = runModule(out);
    expect(run.info.name).toBe("lenet5");
    expect(run.wideInfo?.name).toBe("wide");
    expect(run.describe).toBe("lenet5: 1x28x28 -> 10, 61706 parameters");
    expect(run.probabilities).toHaveLength(10);
    expect(run.probabilities).toEqual(cliReference().probabilities);
  });

  it("with typegen: true, each imported spec gets the FILE.d.ts nnspec typegen writes", async () => {
    const dir = freshDir("esbuild-typegen");
    cpSync(APP, dir, { recursive: true, filter: (src) => !src.includes("broken") });
    await bundle(join(dir, "main.ts"), join(dir, "out", "main.js"), dir, true);
    const written = ["lenet5", "pair"].map((n) => readFileSync(join(dir, `${n}.nnspec.d.ts`), "utf8"));
    expect(cli(["typegen", "lenet5.nnspec", "pair.nnspec"], { cwd: dir }).status).toBe(0);
    expect(written).toEqual(["lenet5", "pair"].map((n) => readFileSync(join(dir, `${n}.nnspec.d.ts`), "utf8")));
    expect(written[1]).toContain('declare module "*/pair.nnspec?model=wide"');
  });

  it("a spec error fails the build with the diagnostic: code, file:line:col, source line underlined, help", async () => {
    const failure = (await bundle(join(APP, "broken", "main.ts"), join(freshDir("esbuild-broken"), "main.js")).then(
      () => expect.fail("the build succeeded"),
      (e: unknown) => e,
    )) as BuildFailure;
    expect(failure.errors).toHaveLength(1);
    const [text] = await formatMessages(failure.errors, { kind: "error", color: false });
    expect(text).toContain(BROKEN.code);
    // esbuild prints its 0-based columns, as for its own errors
    expect(text).toContain(`${BROKEN.file}:${BROKEN.line}:${BROKEN.column - 1}`);
    expect(text).toContain(BROKEN.source);
    expect(text).toContain(BROKEN.help);
  });

  it("a file with two models imported without ?model= fails naming them; a spec's warnings become build warnings", async () => {
    const entry = (contents: string) => ({ stdin: { contents, resolveDir: APP, loader: "ts" as const }, write: false, bundle: true, format: "esm" as const, platform: "node" as const, external: ["@nnspec/runtime"], absWorkingDir: APP, logLevel: "silent" as const, plugins: [nnspec()] });
    const failure = (await build(entry('export { info } from "./pair.nnspec";')).catch((e: unknown) => e)) as BuildFailure;
    expect(failure.errors.map((e) => e.text)).toEqual(['pair.nnspec defines 2 models (narrow, wide); pick one with a query: import … from "./pair.nnspec?model=NAME"']);
    const warned = await build(entry('export { info } from "./warned.nnspec";'));
    expect(warned.warnings.map((w) => [w.text.slice(0, 18), w.location?.file, w.location?.line])).toEqual([["warning[NN2024]: t", "warned.nnspec", 6]]);
  });
});
