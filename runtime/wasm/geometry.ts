/**
 * The layer geometry the WebAssembly kernels read. Before each conv or pooling
 * call the backend writes these int32 slots, in this order, at a fixed
 * address; the kernels read them by name (`gi(g, Slot.KH)`).
 *
 * This list is the only definition of the layout: scripts/build-wasm.mjs
 * generates the kernels' `Slot` enum (runtime/wasm/src/slots.as.ts) from it,
 * and writeGeometry fills each slot from the layer's field of the same name.
 * A new field (dilation, groups, …) is a new name here, in any position;
 * nothing is numbered by hand. Keep this module free of imports: the build
 * script loads it on its own.
 */
export const GEOMETRY_SLOTS = [
  "C", // input channels
  "H", // input height
  "W", // input width
  "F", // filters (conv; 0 for pooling)
  "KH", // window height
  "KW", // window width
  "SH", // vertical stride
  "SW", // horizontal stride
  "PH", // padding at top and bottom
  "PW", // padding at left and right
  "OH", // output height
  "OW", // output width
  "scratch", // floats of conv scratch the kernels may use (0 for pooling)
  "G", // conv groups (0 for pooling)
  "DH", // conv vertical dilation (0 for pooling)
  "DW", // conv horizontal dilation (0 for pooling)
  "YS", // conv, depthwise, pooling: floats from one example of y to the next when y is a slice of a concat's output (0: packed, F·OH·OW)
  "DYS", // conv, depthwise, pooling: the same for dy in backward (0: packed)
] as const;

export type GeometrySlot = (typeof GEOMETRY_SLOTS)[number];

/** A layer's geometry fields by slot name (Conv2dParams and Pool2dParams are); a missing one is written as 0. */
export type GeometryFields = { readonly [K in Exclude<GeometrySlot, "scratch">]?: number };

/** Fields of a layer's geometry the kernels do not read: the batch (each call passes its range of images). */
export const NOT_IN_SLOTS: readonly string[] = ["B"];

/** Writes p's fields into their slots of g, and `scratch` into the scratch slot. */
export function writeGeometry(g: Int32Array, p: GeometryFields, scratch: number): void {
  for (let i = 0; i < GEOMETRY_SLOTS.length; i++) {
    const name = GEOMETRY_SLOTS[i]!;
    g[i] = name === "scratch" ? scratch : (p[name] ?? 0);
  }
}
