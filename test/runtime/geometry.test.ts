// The named layer geometry and its one slot layout for the WebAssembly kernels: the TypeScript list
// (runtime/wasm/geometry.ts) is the only definition; a field or slot added on one side only must fail here.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { conv2dParams, pool2dParams, WINDOW_FIELDS, type ConvSpec, type PoolSpec } from "../../runtime/index.js";
import { GEOMETRY_SLOTS, NOT_IN_SLOTS, writeGeometry } from "../../runtime/wasm/geometry.js";
import { instantiateKernels, newSharedMemory } from "../../runtime/wasm/module.js";
import { LIST_FILE, readSlotList, renderSlots, SLOTS_FILE } from "../../scripts/geometry-slots.mjs";
import { ROOT } from "../helpers/cli.js";
import { ensureWasmBuilt } from "../helpers/wasm.js";

beforeAll(ensureWasmBuilt);

const convSpec: ConvSpec = { batch: 3, channels: 5, height: 17, width: 19, kernel: [3, 4], stride: [2, 3], pad: [1, 2], filters: 7 };
const poolSpec: PoolSpec = { batch: 3, channels: 5, height: 17, width: 19, kernel: [3, 4], stride: [2, 3], pad: [1, 2], ceil: true };

describe("named geometry", () => {
  it("resolves conv and pooling specs field by field", () => {
    expect(conv2dParams(convSpec)).toEqual({ B: 3, C: 5, H: 17, W: 19, F: 7, G: 1, DH: 1, DW: 1, KH: 3, KW: 4, SH: 2, SW: 3, PH: 1, PW: 2, OH: 9, OW: 7 });
    // ceil: (17 + 2 − 3) / 2 + 1 = 9; (19 + 4 − 4) / 3 + 1 = 7.33 → 8, but the 8th window would start in the right padding → 7
    expect(pool2dParams(poolSpec)).toEqual({ B: 3, C: 5, H: 17, W: 19, KH: 3, KW: 4, SH: 2, SW: 3, PH: 1, PW: 2, OH: 9, OW: 7 });
    // Defaults: conv stride 1 and pooling stride = window, no padding, floor mode.
    const c = conv2dParams({ batch: 1, channels: 1, height: 6, width: 6, kernel: [3, 2], filters: 1 });
    expect([c.SH, c.SW, c.PH, c.PW, c.OH, c.OW]).toEqual([1, 1, 0, 0, 4, 5]);
    const p = pool2dParams({ batch: 1, channels: 1, height: 6, width: 7, kernel: [3, 2] });
    expect([p.SH, p.SW, p.PH, p.PW, p.OH, p.OW]).toEqual([3, 2, 0, 0, 2, 3]);
  });

  it("conv and pooling share the window's field names, in one order", () => {
    expect(Object.keys(convSpec)).toEqual([...WINDOW_FIELDS, "filters"]);
    expect(Object.keys(poolSpec)).toEqual([...WINDOW_FIELDS, "ceil"]);
  });

  it("rejects a field it does not know rather than ignoring it", () => {
    expect(() => conv2dParams({ ...convSpec, ceil: true } as ConvSpec)).toThrow(/conv2dParams: unknown geometry field `ceil`/);
    expect(() => pool2dParams({ ...poolSpec, filters: 3 } as PoolSpec)).toThrow(/pool2dParams: unknown geometry field `filters`/);
    expect(() => conv2dParams({ ...convSpec, filters: 0 })).toThrow(RangeError);
    expect(() => pool2dParams({ ...poolSpec, stride: [0, 1] })).toThrow(RangeError);
    expect(() => pool2dParams({ ...poolSpec, height: 2, pad: [0, 0] })).toThrow(/window 3x4 larger than padded input 2x19/);
  });
});

describe("wasm geometry slots", () => {
  it(`${SLOTS_FILE} is what the build generates from ${LIST_FILE}`, async () => {
    expect(await readSlotList(ROOT)).toEqual([...GEOMETRY_SLOTS]);
    const committed = readFileSync(join(ROOT, SLOTS_FILE), "utf8");
    expect(committed, `${SLOTS_FILE} is stale or edited by hand; run \`npm run build\``).toBe(renderSlots([...GEOMETRY_SLOTS]));
  });

  it("every field of the conv and pooling geometry has a slot, and every slot is a field", () => {
    // A concat branch's conv adds the per-example strides of its output slice (YS, DYS).
    const sliced = conv2dParams({ ...convSpec, outStride: 500, gradStride: 600 });
    const fields = new Set([...Object.keys(conv2dParams(convSpec)), ...Object.keys(sliced), ...Object.keys(pool2dParams(poolSpec))]);
    const slots = new Set<string>(GEOMETRY_SLOTS);
    const sent = [...fields].filter((f) => !NOT_IN_SLOTS.includes(f));
    expect(sent.filter((f) => !slots.has(f)), "geometry fields the wasm kernels would never see").toEqual([]);
    expect(GEOMETRY_SLOTS.filter((s) => s !== "scratch" && !fields.has(s)), "slots no geometry field fills").toEqual([]);
  });

  it("writeGeometry puts each field's value in its own slot", () => {
    const p = conv2dParams(convSpec);
    const g = new Int32Array(GEOMETRY_SLOTS.length).fill(-1);
    writeGeometry(g, p, 12345);
    const byName = Object.fromEntries(GEOMETRY_SLOTS.map((s, i) => [s, g[i]]));
    expect(byName).toEqual({ C: 5, H: 17, W: 19, F: 7, KH: 3, KW: 4, SH: 2, SW: 3, PH: 1, PW: 2, OH: 9, OW: 7, scratch: 12345, G: 1, DH: 1, DW: 1, YS: 0, DYS: 0 });
    writeGeometry(g, conv2dParams({ ...convSpec, outStride: 500, gradStride: 600 }), 0);
    expect([g[GEOMETRY_SLOTS.indexOf("YS")], g[GEOMETRY_SLOTS.indexOf("DYS")]]).toEqual([500, 600]);
    writeGeometry(g, pool2dParams(poolSpec), 0);
    expect(g[GEOMETRY_SLOTS.indexOf("F")]).toBe(0); // pooling has no filters; nothing stale is left behind
  });

  it("the built kernels read as many slots as the list has", () => {
    expect(instantiateKernels(newSharedMemory(4 << 20)).geometrySlots()).toBe(GEOMETRY_SLOTS.length);
  });

  it("the kernels read slots by name, never by number", () => {
    const dir = join(ROOT, "runtime", "wasm", "src");
    const byNumber: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".as.ts"))) {
      readFileSync(join(dir, f), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/\b[gs]i\(\s*\w+\s*,\s*[-\d(]/.test(line)) byNumber.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(byNumber).toEqual([]);
  });
});
