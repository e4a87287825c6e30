/**
 * The geometry a conv or pooling layer hands the runtime, built once per
 * model: `rt.conv2dParams({ batch, channels, height, width, kernel, stride,
 * pad, filters })`. The window's fields come first, named and ordered by the
 * runtime's WINDOW_FIELDS, so conv and pooling spell them alike; the kind's
 * own fields (`filters`, `ceil`) follow.
 */
import { WINDOW_FIELDS } from "../../runtime/window.js";
import type { WindowAttrs } from "./window-layer.js";
import { lit, type EmitLayer } from "./types.js";

type WindowField = (typeof WINDOW_FIELDS)[number];

/** The geometry constant's name; `own` holds the kind's fields as code. */
export function windowGeometry(call: "conv2dParams" | "pool2dParams", a: WindowAttrs, e: EmitLayer, own: Record<string, string>): string {
  const [c, h, w] = e.input as [number, number, number];
  const pair = (p: readonly [number, number]): string => `[${lit(p[0])}, ${lit(p[1])}]`;
  // A Record over WINDOW_FIELDS: a field the runtime adds must be given a value here.
  const window: Record<WindowField, string> = {
    batch: e.batchSize,
    channels: lit(c),
    height: lit(h),
    width: lit(w),
    kernel: pair(a.kernel),
    stride: pair(a.stride),
    pad: pair(a.pad),
  };
  const fields = [...WINDOW_FIELDS.map((k): [string, string] => [k, window[k]]), ...Object.entries(own)];
  return e.constant("geom", `rt.${call}({ ${fields.map(([k, v]) => `${k}: ${v}`).join(", ")} })`);
}
