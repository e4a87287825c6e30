/**
 * The example networks of specs/ (not specs/errors/), and the parameter limit
 * of the ONNX comparison (test/export/onnx.test.ts): the specs up to it run
 * forward there, against ONNX Runtime; test/codegen/specs-run.test.ts runs the rest.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./root.js";

/** Specs with more parameters than this are not exported to ONNX Runtime in the tests. */
export const ONNX_MAX_PARAMS = 10_000_000;

export interface ExampleSpec {
  /** The file name without `.nnspec`: `densenet121`. */
  name: string;
  file: string;
  text: string;
}

/** specs/*.nnspec, sorted by name. */
export function exampleSpecs(): ExampleSpec[] {
  const dir = join(ROOT, "specs");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".nnspec"))
    .sort()
    .map((f) => ({ name: f.replace(/\.nnspec$/, ""), file: join(dir, f), text: readFileSync(join(dir, f), "utf8") }));
}
