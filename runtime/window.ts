/**
 * A window sliding over the rows and columns of CxHxW images, the geometry
 * convolution and pooling share: the one output-size rule and the named
 * geometry generated code passes to conv2dParams and pool2dParams.
 *
 * This module imports nothing: the compiler's shape checker
 * (compiler/window.ts) uses the same rule, and the runtime must not import
 * the compiler.
 */

/**
 * Output extent along one axis: floor((size + 2·pad − kernel) / stride) + 1,
 * or ceil(…) + 1 in ceil mode, where (as in PyTorch and ONNX) a last window
 * that would start inside the right padding is dropped. ≤ 0 when the window
 * does not fit the padded input.
 */
export function windowOutSize(size: number, kernel: number, stride: number, pad: number, ceil = false): number {
  const span = size + 2 * pad - kernel;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && out > 1 && (out - 1) * stride >= size + pad) out--;
  if (span < 0) out = Math.min(out, 0);
  return out;
}

/**
 * The named geometry of a window layer over a batch of images, as generated
 * code writes it (conv and pooling add their own fields after these, e.g.
 * `filters`, `ceil`). Pairs are [rows, columns]. Later kinds of window
 * (dilation, groups, transposed convolution, adaptive pooling) are new
 * optional fields of ConvSpec or PoolSpec, plus a slot each in
 * runtime/wasm/geometry.ts when the wasm kernels need them.
 */
export interface WindowSpec {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernel: readonly [number, number];
  /** Default: [1, 1] for a convolution, the window size for pooling. */
  stride?: readonly [number, number];
  /** Zero padding per side; default [0, 0]. */
  pad?: readonly [number, number];
}

/** The fields of WindowSpec, in the order generated code writes them. */
export const WINDOW_FIELDS = ["batch", "channels", "height", "width", "kernel", "stride", "pad"] as const;

/** The resolved window the kernels read (short names, as in their loops). */
export interface Window2dParams {
  B: number; // batch size (generated code sets it to each call's batch)
  C: number; // input channels
  H: number; // input height
  W: number; // input width
  KH: number; // window height
  KW: number; // window width
  SH: number; // vertical stride
  SW: number; // horizontal stride
  PH: number; // padding at top and bottom
  PW: number; // padding at left and right
  OH: number; // output height
  OW: number; // output width
}

/**
 * Checks a spec (only the fields in `known`, sizes positive, padding ≥ 0)
 * and resolves it; throws a RangeError naming `what` otherwise. A field the
 * runtime does not know must not be ignored: it would change the result.
 */
export function resolveWindow(what: string, spec: WindowSpec, known: readonly string[], defaultStride: readonly [number, number], ceil: boolean): Window2dParams {
  for (const key of Object.keys(spec)) {
    if (!known.includes(key)) throw new RangeError(`${what}: unknown geometry field \`${key}\` (known: ${known.join(", ")})`);
  }
  const { batch: B, channels: C, height: H, width: W, kernel, stride = defaultStride, pad = [0, 0] } = spec;
  const [KH, KW] = kernel;
  const [SH, SW] = stride;
  const [PH, PW] = pad;
  if (!(B >= 0 && C > 0 && H > 0 && W > 0 && KH > 0 && KW > 0 && SH > 0 && SW > 0 && PH >= 0 && PW >= 0)) {
    throw new RangeError(`${what}: invalid dimensions ${JSON.stringify(spec)}`);
  }
  const OH = windowOutSize(H, KH, SH, PH, ceil);
  const OW = windowOutSize(W, KW, SW, PW, ceil);
  if (OH <= 0 || OW <= 0) throw new RangeError(`${what}: window ${KH}x${KW} larger than padded input ${H}x${W}`);
  return { B, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW };
}

/** The first output o of an axis whose input position o*S - P + tap is ≥ 0 (at most out). */
export function insideLo(tap: number, P: number, S: number, out: number): number {
  const lo = Math.ceil((P - tap) / S);
  return lo < 0 ? 0 : lo > out ? out : lo;
}

/** The end (exclusive) of the outputs o whose input position o*S - P + tap is < size (at least lo, at most out). */
export function insideHi(tap: number, P: number, S: number, size: number, out: number, lo: number): number {
  let hi = Math.floor((size - 1 + P - tap) / S) + 1;
  if (hi > out) hi = out;
  return hi < lo ? lo : hi;
}

/**
 * Per-example strides of a layer that writes its output (outStride) and reads
 * its output gradient (gradStride) as a slice of a larger tensor, a concat's
 * output: example b starts at b·stride instead of b·`count` (one example's
 * output). Each must be a whole number ≥ count; absent means packed. Throws a
 * RangeError naming `what` otherwise.
 */
export function sliceStrides(what: string, count: number, outStride: number | undefined, gradStride: number | undefined): { YS?: number; DYS?: number } {
  const strides: { YS?: number; DYS?: number } = {};
  for (const [name, stride, slot] of [["outStride", outStride, "YS"], ["gradStride", gradStride, "DYS"]] as const) {
    if (stride === undefined) continue;
    if (!(Number.isInteger(stride) && stride >= count)) throw new RangeError(`${what}: ${name} ${stride} must be a whole number ≥ one example's output, ${count}`);
    strides[slot] = stride;
  }
  return strides;
}
