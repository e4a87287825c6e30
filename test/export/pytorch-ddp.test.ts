/**
 * The round trip of `nnspec export --pytorch`: nnspec train writes weights;
 * train_ddp.py, under torchrun with 2 processes (gloo on localhost), loads
 * them as its starting point (load_state_dict strict=True), trains LeNet-5
 * for one epoch on 512 digits, prints its own evaluation on 256 held-out
 * digits and saves safetensors; `nnspec eval` of those weights counts the same
 * correct digits, without a warning (the spec hash is recorded).
 * Debian's torch 1.13 on Python 3.11 needs torchrun's --redirects and --tee
 * set to 1 or 2, with --log_dir: its Std.from_str looks the value up by
 * iterating the IntFlag Std, and Python 3.11 iterates only single-bit flags,
 * so the default 0 (NONE) and 3 (ALL) become None and torchrun fails with
 * `'NoneType' object has no attribute 'get'`. 1 (stdout) tees each rank's
 * output to the console with a `[default0]:` prefix.
 */
import { createServer } from "node:net";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadMnist, saveNpySync, subset } from "../../runtime/index.js";
import { nnspecAsync, ROOT } from "../helpers/cli.js";
import { python } from "../helpers/python.js";

const DIR = join(ROOT, "test", ".tmp", `pytorch-ddp-${process.pid}`);
rmSync(DIR, { recursive: true, force: true });
mkdirSync(join(DIR, "data"), { recursive: true });
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const TRAIN = 512;
const TEST = 256;

/** A port nothing listens on now (torchrun's rendezvous; other test runs may use the default one). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function writeDigits(): void {
  const { train, test } = loadMnist();
  for (const [split, d, n] of [
    ["train", train, TRAIN],
    ["test", test, TEST],
  ] as const) {
    const s = subset(d, n);
    saveNpySync(join(DIR, "data", `${split}_x.npy`), { dtype: "<f4", shape: [n, 1, 28, 28], data: s.x });
    saveNpySync(join(DIR, "data", `${split}_y.npy`), { dtype: "<i4", shape: [n], data: Int32Array.from(s.y) });
  }
}

describe("train_ddp.py", () => {
  it("2 processes (torchrun, gloo) train LeNet-5 from nnspec train's weights; nnspec eval of the saved weights counts what PyTorch counted", async () => {
    writeDigits();
    const spec = join(ROOT, "specs", "lenet5.nnspec");
    const out = join(DIR, "export");
    const [exported, trained] = await Promise.all([
      nnspecAsync(["export", spec, "--pytorch", out, "--seed", "3"]),
      nnspecAsync(["train", spec, "--data", join(DIR, "data"), "--epochs", "1", "--limit", "64", "--batch", "32", "--seed", "3", "--out", join(DIR, "nnspec.safetensors"), "--quiet"]),
    ]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(trained.status, trained.stderr).toBe(0);

    const port = await freePort();
    const run = await python(
      [
        "-m", "torch.distributed.run", "--redirects", "1", "--tee", "1", "--log_dir", join(DIR, "logs"),
        "--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", String(port),
        join(out, "train_ddp.py"), "--data", join(DIR, "data"), "--out", join(DIR, "ddp.safetensors"),
        "--epochs", "1", "--batch", "32", "--lr", "0.05", "--seed", "5", "--init", join(DIR, "nnspec.safetensors"),
      ],
      { env: { OMP_NUM_THREADS: "1" } },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/epoch 1\/1: train loss [0-9.]+ \(512 examples, 2 processes/);
    const counted = /test accuracy [0-9.]+ \((\d+)\/256\)/.exec(output);
    expect(counted, output).not.toBeNull();
    const correct = Number(counted![1]);
    expect(correct).toBeGreaterThan(256 * 0.25); // one epoch from nnspec's weights learns something (chance: 10%)

    // eval loads weights as predict and export do (cli/weights.ts): no warning means names, shapes and the spec hash all fit.
    const evaluated = await nnspecAsync(["eval", spec, "--weights", join(DIR, "ddp.safetensors"), "--data", join(DIR, "data"), "--format", "json"]);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(evaluated.stderr).not.toMatch(/warning/); // the spec hash is recorded: no "does not record which spec"
    const r = JSON.parse(evaluated.stdout) as { examples: number; accuracy: number };
    expect(r.examples).toBe(TEST);
    expect(Math.round(r.accuracy * TEST)).toBe(correct);
    const meta = readFileSync(join(DIR, "ddp.safetensors")).subarray(8, 400).toString("latin1");
    expect(meta).toMatch(/^\{"__metadata__":\{"format":"pt","nnspec\.model":"lenet5","nnspec\.spec_sha256":"[0-9a-f]{64}","nnspec\.spec_words_sha256":"[0-9a-f]{64}","nnspec\.trained_with":"pytorch [^"]+ ddp x2"\}/);
  }, 180_000);
});

describe("nnspec export --pytorch refuses before writing anything", () => {
  it("no --onnx or --pytorch, a file as DIR, a missing parent, a MODEL.py nnspec did not write (unless --force)", async () => {
    const spec = join(ROOT, "specs", "lenet5.nnspec");
    const file = join(DIR, "a-file");
    writeFileSync(file, "notes");
    const mine = join(DIR, "mine");
    mkdirSync(mine, { recursive: true });
    writeFileSync(join(mine, "lenet5.py"), "print('my own lenet5')\n");
    const [none, notDir, noParent, foreign] = await Promise.all([
      nnspecAsync(["export", spec]),
      nnspecAsync(["export", spec, "--pytorch", file]),
      nnspecAsync(["export", spec, "--pytorch", join(DIR, "missing", "out")]),
      nnspecAsync(["export", spec, "--pytorch", mine]),
    ]);
    for (const r of [none, notDir, noParent, foreign]) {
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^nnspec: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(none.stderr).toContain("export needs --onnx OUT.onnx (the file to write) or --pytorch DIR");
    expect(notDir.stderr).toContain("is not a folder");
    expect(noParent.stderr).toMatch(/cannot be made: the folder .*missing does not exist/);
    expect(foreign.stderr).toMatch(/--pytorch's lenet5\.py .*lenet5\.py exists and is not a Python file generated by nnspec; refusing to overwrite it \(pass --force/);
    expect(readFileSync(join(mine, "lenet5.py"), "utf8")).toBe("print('my own lenet5')\n");
    expect(existsSync(join(mine, "train_ddp.py"))).toBe(false);
    expect(existsSync(join(DIR, "missing"))).toBe(false);
  }, 120_000);
});
