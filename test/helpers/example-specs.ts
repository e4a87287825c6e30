/**
 * The example networks of specs/ (not specs/errors/), and the parameter limit
 * of the ONNX comparison (test/export/onnx.test.ts): the specs up to it run
 * forward there, against ONNX Runtime; test/codegen/specs-run.test.ts runs the rest.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkSource, type CheckedModel } from "../../compiler/index.js";
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

/** The one model of a spec that must check clean (a test's premise, so anything else throws). */
export function checkedSpec(label: string, text: string): CheckedModel {
  const r = checkSource(`${label}.nnspec`, text);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length || r.models.length !== 1) throw new Error(`${label}: expected one clean model, got ${r.models.length} and ${errors.map((d) => d.code).join(", ")}`);
  return r.models[0]!;
}
