/** cli/paths.ts (the output check) and cli/lock.ts, called directly. */
import * as fs from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { checkOutputs, identity, looksLike } from "../cli/paths.js";
import { lockOutput, lockPath } from "../cli/lock.js";
import { encodeSafetensors, saveNpySync } from "../runtime/index.js";

const dir = fs.mkdtempSync(join(os.tmpdir(), "nnspec-paths-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

describe("identity", () => {
  it("is the same for every name of one file and differs between files", () => {
    fs.writeFileSync(at("a"), "x");
    fs.writeFileSync(at("b"), "x");
    fs.symlinkSync(at("a"), at("sym"));
    fs.linkSync(at("a"), at("hard"));
    const a = identity(at("a"));
    for (const p of [at("sym"), at("hard"), join(dir, ".", "a"), join(dir, "..", dir.split("/").pop()!, "a")]) expect(identity(p)).toBe(a);
    expect(identity(at("b"))).not.toBe(a);
    expect(identity(at("new"))).toBe(identity(join(dir, ".", "new")));
  });
});

describe("looksLike", () => {
  it("recognises what nnspec writes, and nothing else", () => {
    fs.writeFileSync(at("w.safetensors"), encodeSafetensors({ t: { dtype: "F32", shape: [1], data: new Float32Array(1) } }, { "nnspec.model": "m" }));
    fs.writeFileSync(at("other.safetensors"), encodeSafetensors({ t: { dtype: "F32", shape: [1], data: new Float32Array(1) } }, { format: "pt" }));
    saveNpySync(at("x.npy"), { dtype: "<f4", shape: [1], data: new Float32Array(1) });
    fs.writeFileSync(at("m.json"), JSON.stringify({ model: "m", epochs: [] }, null, 2));
    fs.writeFileSync(at("text"), "hello\n");
    expect(looksLike(at("w.safetensors"), "safetensors")).toBe(true);
    expect(looksLike(at("other.safetensors"), "safetensors")).toBe(false);
    expect(looksLike(at("x.npy"), "npy")).toBe(true);
    expect(looksLike(at("m.json"), "metrics")).toBe(true);
    for (const kind of ["safetensors", "npy", "onnx", "metrics", "module"] as const) expect(looksLike(at("text"), kind)).toBe(false);
  });
});

describe("checkOutputs", () => {
  it("accepts fresh outputs and empty files, refuses clashes and foreign files (unless forced)", () => {
    fs.writeFileSync(at("empty"), "");
    expect(() => checkOutputs([{ role: "the spec", path: at("b") }], [{ role: "--out", path: at("fresh"), kind: "npy" }, { role: "--metrics", path: at("empty"), kind: "metrics" }], false)).not.toThrow();
    expect(() => checkOutputs([], [{ role: "--out", path: at("fresh"), kind: "npy" }, { role: "--metrics", path: join(dir, ".", "fresh"), kind: "metrics" }], false)).toThrow(/same file as --out/);
    expect(() => checkOutputs([], [{ role: "--out", path: at("text"), kind: "npy" }], false)).toThrow(/not a \.npy file.*--force/);
    expect(() => checkOutputs([], [{ role: "--out", path: at("text"), kind: "npy" }], true)).not.toThrow();
    expect(() => checkOutputs([{ role: "--input", path: at("text") }], [{ role: "--out", path: at("text"), kind: "npy" }], true), "--force never lets an output overwrite an input").toThrow(/same file as --input/);
  });
});

describe("lockOutput", () => {
  it("refuses a lock held by a live process, and takes over one whose process is gone", () => {
    const out = at("locked.safetensors");
    fs.writeFileSync(lockPath(out), `${process.ppid}\n${os.hostname()}\n`);
    expect(() => lockOutput(out)).toThrow(new RegExp(`in use by another nnspec run \\(pid ${process.ppid}\\)`));
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    fs.writeFileSync(lockPath(out), `${dead}\n${os.hostname()}\n`);
    lockOutput(out);
    expect(fs.readFileSync(lockPath(out), "utf8")).toBe(`${process.pid}\n${os.hostname()}\n`);
  });
});
