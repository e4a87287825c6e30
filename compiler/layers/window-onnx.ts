/** ONNX window attributes of conv and the pools (kernel_shape, strides, pads, ceil_mode). */
import { int, ints, type OnnxAttribute } from "./onnx.js";
import type { WindowAttrs } from "./window-layer.js";

/** kernel_shape, strides and symmetric pads [ph, pw, ph, pw]. */
export function windowAttributes(a: WindowAttrs): OnnxAttribute[] {
  return [ints("kernel_shape", a.kernel), ints("strides", a.stride), ints("pads", [a.pad[0], a.pad[1], a.pad[0], a.pad[1]])];
}

/**
 * A pool's window attributes, giving nnspec's output size in every engine.
 *
 * In `ceil` mode nnspec (like PyTorch) drops a last window that would start
 * in the right padding. Engines disagree there: ONNX Runtime 1.30's kernels
 * drop it, but its shape inference keeps it at every opset from 13 to 21 (a
 * 3x3 input, window 2, stride 2, pad 1: inferred 3x3, computed 2x2), so a
 * later layer's shapes no longer fit and the model does not load. So
 * `ceil_mode = 1` is written only where ONNX's plain ceil formula,
 * ceil((H + 2·P − K) / S) + 1, gives nnspec's size on both axes. Otherwise
 * the same windows are described in floor mode, with the extra bottom/right
 * padding the last window needs (the last window starts inside the input, so
 * that padding stays below K). Padding is excluded from averages
 * (count_include_pad = 0) and never wins a max, so the values are the same.
 */
export function poolWindow(a: WindowAttrs, input: readonly number[], output: readonly number[]): OnnxAttribute[] {
  const axes = [0, 1].map((i) => {
    const span = input[i + 1]! + 2 * a.pad[i]! - a.kernel[i]!;
    const out = output[i + 1]!;
    const extra = Math.max(0, (out - 1) * a.stride[i]! + a.kernel[i]! - (input[i + 1]! + 2 * a.pad[i]!));
    return { ceilAgrees: Math.ceil(span / a.stride[i]!) + 1 === out, extra };
  });
  if (a.ceil && axes.every((x) => x.ceilAgrees)) return [...windowAttributes(a), int("ceil_mode", 1)];
  return [
    ints("kernel_shape", a.kernel),
    ints("strides", a.stride),
    ints("pads", [a.pad[0], a.pad[1], a.pad[0] + axes[0]!.extra, a.pad[1] + axes[1]!.extra]),
    int("ceil_mode", 0),
  ];
}
