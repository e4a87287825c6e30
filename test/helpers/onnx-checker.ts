/**
 * onnx.checker as a second, independent validator beside ONNX Runtime: a test
 * file hands every ONNX model it exports to `onnxChecker()`'s `add`, and
 * after its tests one Python process (Debian's python3-onnx) runs
 * `onnx.checker.check_model(path, full_check=True)` (the structure, then
 * strict shape and type inference) on all of them; a model it refuses fails
 * the file with the model's label and the checker's message. A model newer
 * than the installed onnx knows (Debian's onnx 1.12 checks IR versions up
 * to 8; exports at opsets 19 to 21 write IR 9 and 10) cannot be checked by it: those are listed in the log, not checked, and at
 * least one model of every file must be checked. The models are
 * copied (with their external data beside them) into a folder of the
 * checker's own, so the test may delete its files meanwhile.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll } from "vitest";
import { ROOT } from "./root.js";
import { python } from "./python.js";

const CHECK = `
import json, sys
import onnx
for path in sys.argv[1:]:
    try:
        ir = onnx.load(path, load_external_data=False).ir_version
        if ir > onnx.IR_VERSION:
            print(json.dumps({"path": path, "newer": f"IR version {ir}, onnx {onnx.__version__} checks up to {onnx.IR_VERSION}"}), flush=True)
            continue
        onnx.checker.check_model(path, full_check=True)
        print(json.dumps({"path": path}), flush=True)
    except Exception as e:
        print(json.dumps({"path": path, "error": f"{type(e).__name__}: {e}"}), flush=True)
`;

export interface OnnxChecker {
  /** A model's bytes (and its external data, written beside it as `data.location`). */
  add(label: string, model: Uint8Array, data?: { location: string; pieces: readonly Uint8Array[] }): void;
  /** A model file the test wrote (an external data file `PATH.data` beside it is copied too). */
  addFile(label: string, path: string): void;
  /** How many models were added. */
  readonly count: number;
}

/** The checker of one test file; its afterAll runs onnx.checker on everything added. */
export function onnxChecker(name: string): OnnxChecker {
  const dir = join(ROOT, "test", ".tmp", `onnx-checker-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const labels = new Map<string, string>();
  const slot = (label: string, file: string): string => {
    const folder = join(dir, String(labels.size));
    mkdirSync(folder, { recursive: true });
    const path = join(folder, file);
    labels.set(path, label);
    return path;
  };
  afterAll(async () => {
    try {
      if (labels.size === 0) return;
      const run = await python(["-c", CHECK, ...labels.keys()]);
      const results = run.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { path: string; error?: string; newer?: string });
      if (run.status !== 0 || results.length !== labels.size) throw new Error(`onnx.checker did not check every model (exit ${run.status}):\n${run.stderr}`);
      const refused = results.filter((r) => r.error !== undefined).map((r) => `${labels.get(r.path)} (${r.path}): ${r.error}`);
      if (refused.length) throw new Error(`onnx.checker.check_model(full_check=True) refuses ${refused.length} of ${labels.size} exported models:\n${refused.join("\n")}`);
      const newer = results.filter((r) => r.newer !== undefined);
      if (newer.length === results.length) throw new Error(`onnx.checker could check none of the ${labels.size} exported models: ${newer[0]!.newer}`);
      console.log(
        `onnx.checker.check_model(full_check=True): ${results.length - newer.length} of ${labels.size} exported models checked${newer.length ? `; newer than the installed onnx, not checked: ${newer.map((r) => `${labels.get(r.path)} (${r.newer})`).join(", ")}` : ""}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
  return {
    add(label, model, data) {
      const path = slot(label, "model.onnx");
      writeFileSync(path, model);
      if (data) writeFileSync(join(path, "..", data.location), Buffer.concat(data.pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
    },
    addFile(label, file) {
      const path = slot(label, basename(file));
      copyFileSync(file, path);
      if (existsSync(`${file}.data`)) copyFileSync(`${file}.data`, `${path}.data`);
    },
    get count() {
      return labels.size;
    },
  };
}
