/**
 * Output size of a sliding window (conv, pooling) along one axis, with the
 * arithmetic spelled out for messages: H' = floor((H + 2·P − K) / S) + 1,
 * or ceil(…) in `ceil` mode (where, as in PyTorch and ONNX, a last window that
 * would start inside the right padding is dropped). The rule itself is the
 * runtime's (runtime/window.ts, a leaf module), so the shapes the checker
 * proves are the ones the kernels compute.
 */
import { windowOutSize } from "../runtime/window.js";

export interface WindowAxis {
  size: number;
  kernel: number;
  stride: number;
  pad: number;
  ceil: boolean;
}

export interface WindowResult {
  /** Output size; ≤ 0 when the window does not fit. */
  out: number;
  /** `(28 + 2·0 − 5) / 2 + 1 = 12.5, rounded down to 12` */
  arithmetic: string;
  /** Input rows (or columns) at the end that no window reads. */
  unread: number;
}

export function windowOutput(a: WindowAxis): WindowResult {
  const span = a.size + 2 * a.pad - a.kernel;
  const exact = span / a.stride + 1;
  const out = windowOutSize(a.size, a.kernel, a.stride, a.pad, a.ceil);
  const expr = `(${a.size} + 2·${a.pad} − ${a.kernel}) / ${a.stride} + 1 = ${fmt(exact)}`;
  const arithmetic = Number.isInteger(exact)
    ? expr
    : span < 0 && a.ceil
      ? `${expr}, but the padded input (${a.size + 2 * a.pad}) is smaller than the window (${a.kernel})`
      : `${expr}, rounded ${a.ceil ? "up" : "down"} to ${out}`;
  const covered = out > 0 ? (out - 1) * a.stride + a.kernel : 0;
  const unread = out > 0 && !a.ceil ? Math.max(0, a.pad + a.size - covered) : 0;
  return { out, arithmetic, unread };
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Math.round(x * 1000) / 1000);
}
