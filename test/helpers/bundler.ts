/** The bundler plugins' tests: the fixture app, fresh output folders, and running a bundle in Node. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { requireBuilt } from "./build.js";
import { nnspec } from "./cli.js";
import { ROOT } from "./root.js";

export const APP = join(ROOT, "test", "fixtures", "bundler-app");

/** A new folder under test/.tmp/ (inside the package, so `@nnspec/runtime` resolves to this checkout's packages/runtime/dist/). */
export function freshDir(label: string): string {
  const base = join(ROOT, "test", ".tmp");
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${label}-`));
}

export interface RunOutput {
  info: { name: string; outputShape: number[] };
  wideInfo?: { name: string };
  describe?: string;
  probabilities: number[];
}

/** Run a module in a plain Node process (test/helpers/run-model.mjs) and return what it printed. */
export function runModule(file: string): RunOutput {
  requireBuilt("runtime");
  const r = spawnSync(process.execPath, [join(ROOT, "test", "helpers", "run-model.mjs"), file], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node ${file} exited ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as RunOutput;
}

let reference: RunOutput | undefined;

/** The fixture's LeNet-5 compiled by `nnspec compile --js`, run the same way: what a bundle must predict. */
export function cliReference(): RunOutput {
  if (!reference) {
    const out = freshDir("cli-ref");
    const r = nnspec(["compile", join(APP, "lenet5.nnspec"), "--js", "-o", out]);
    if (r.status !== 0) throw new Error(`nnspec compile failed:\n${r.stderr}`);
    reference = runModule(join(out, "lenet5.js"));
  }
  return reference;
}

/** What each plugin's error must show: the code, file:line:col (1-based column, as the CLI prints), the source line and the help. */
export const BROKEN = {
  code: "error[NN3001]",
  file: "broken/broken.nnspec",
  line: 4,
  column: 3,
  source: "conv 5x5 x8",
  help: "the windows of model `broken` need an input of at least 5x5 (it is 4x4)",
};
