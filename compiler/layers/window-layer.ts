/** Shape rule shared by conv and the pools: a window sliding over H and W. */
import { formatShape, type Shape } from "../shape.js";
import { windowOutput } from "../window.js";
import type { Span } from "../../diagnostics/source.js";
import type { ArgReader } from "../args.js";
import type { InferContext } from "./types.js";
import { addOption } from "./layer-fixes.js";

export interface WindowAttrs {
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
  ceil: boolean;
  /** `floor`: rows and columns no window reads are dropped on purpose (the same computation, no NN3002). */
  floor?: boolean;
  /** `dilation DHxDW` (conv): taps D apart, so the window spans D·(K−1)+1; default [1, 1]. */
  dilation?: [number, number];
}

/** The extent a window covers on each axis: D·(K−1)+1 (K without dilation). */
export function effectiveKernel(a: WindowAttrs): [number, number] {
  const d = a.dilation ?? [1, 1];
  return [d[0] * (a.kernel[0] - 1) + 1, d[1] * (a.kernel[1] - 1) + 1];
}

/** [OH, OW], or undefined after reporting a window that does not fit. */
export function slideWindow(kind: string, a: WindowAttrs, input: Shape, ctx: InferContext): [number, number] | undefined {
  const [, h, w] = input as [number, number, number];
  const [kh, kw] = effectiveKernel(a);
  const rows = windowOutput({ size: h, kernel: kh, stride: a.stride[0], pad: a.pad[0], ceil: a.ceil });
  const cols = windowOutput({ size: w, kernel: kw, stride: a.stride[1], pad: a.pad[1], ceil: a.ceil });
  const dilated = kh !== a.kernel[0] || kw !== a.kernel[1];
  const window = `${a.kernel[0]}x${a.kernel[1]}${dilated ? ` (dilated to ${kh}x${kw})` : ""}`;
  const where = `${h}x${w}`;
  if (rows.out <= 0 || cols.out <= 0) {
    const arithmetic = [rows.out <= 0 ? `height ${rows.arithmetic}` : "", cols.out <= 0 && (cols.arithmetic !== rows.arithmetic || rows.out > 0) ? `width ${cols.arithmetic}` : ""]
      .filter(Boolean)
      .join("; ");
    const hint = ctx.channelsFirstInput
      ? `the input is read as channels first (CxHxW); if it holds images with their channels last, write \`${ctx.channelsFirstInput}\` (see the warning at \`input\`)`
      : kind === "conv"
        ? `pad the input (\`pad ${Math.ceil((Math.max(kh, kw) - 1) / 2)}\`) or use a smaller kernel; ${formatShape(input)} may have been pooled too often`
        : `use a smaller window; ${formatShape(input)} may have been pooled too often`;
    // Padding is one way of several (a smaller kernel, a larger input): offered, not applied.
    const pad = kind === "conv" && !ctx.channelsFirstInput ? addOption(ctx, "pad", `pad ${Math.ceil((Math.max(kh, kw) - 1) / 2)}`, false) : undefined;
    ctx.report("NN3001", { window, input: `${formatShape(input)}`, arithmetic, hint }, undefined, { suggestions: pad ? [pad] : [] });
    return undefined;
  }
  // Input rows no window reads, only where windows otherwise cover everything (stride ≤ kernel).
  const skipsRows = rows.unread > 0 && a.stride[0] <= kh;
  const skipsCols = cols.unread > 0 && a.stride[1] <= kw;
  if ((skipsRows || skipsCols) && !a.floor) {
    const count = (k: number, one: string, many: string) => (k === 1 ? one : `${k} ${many}`);
    const parts = [skipsRows ? count(rows.unread, "row", "rows") : "", skipsCols ? count(cols.unread, "column", "columns") : ""].filter(Boolean);
    const what = parts.join(" and ");
    const n = parts.length === 1 && (skipsRows ? rows.unread : cols.unread) === 1 ? 1 : 2;
    const arithmetic = skipsRows && skipsCols && rows.arithmetic !== cols.arithmetic ? `height ${rows.arithmetic}; width ${cols.arithmetic}` : skipsRows ? rows.arithmetic : cols.arithmetic;
    const hint =
      kind === "conv"
        ? "change the padding, kernel or stride so that (H + 2·P − K) is a multiple of S, or crop the input; or, if they are dropped on purpose, add `floor`"
        : "add `ceil` to keep a last, partial window, or pad the input; or, if they are dropped on purpose, add `floor`";
    // Dropping them on purpose (`floor`) or keeping a partial window (`ceil`, pools) is the writer's choice: offered, not applied.
    const suggestions = [kind === "conv" ? undefined : addOption(ctx, "ceil", "ceil", false), addOption(ctx, "floor", "floor", false)].filter((x) => x !== undefined);
    ctx.report("NN3002", { what, input: where, are: n === 1 && !(skipsRows && skipsCols) ? "is" : "are", arithmetic, hint }, undefined, { suggestions });
  }
  return [rows.out, cols.out];
}

/**
 * The padding (half the window, as `pad same` would give) with which a
 * window over `input` gives `target` (same channels), when it does and the
 * window has none now; undefined otherwise.
 */
export function padReaching(a: WindowAttrs, input: Shape, target: Shape): [number, number] | undefined {
  if (input.length !== 3 || target.length !== 3 || a.pad[0] !== 0 || a.pad[1] !== 0) return undefined;
  const [kh, kw] = effectiveKernel(a);
  const pad: [number, number] = [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2)];
  if (pad[0] === 0 && pad[1] === 0) return undefined;
  const rows = windowOutput({ size: input[1]!, kernel: kh, stride: a.stride[0], pad: pad[0], ceil: a.ceil }).out;
  const cols = windowOutput({ size: input[2]!, kernel: kw, stride: a.stride[1], pad: pad[1], ceil: a.ceil }).out;
  return rows === target[1] && cols === target[2] ? pad : undefined;
}

export function requireImage(kind: string, input: Shape, ctx: InferContext): boolean {
  if (input.length === 3) return true;
  const hint = input.length === 1 ? `\`${kind}\` works on feature maps; it cannot follow \`flatten\` or \`fc\`` : "";
  ctx.report("NN3010", { layer: kind, shape: formatShape(input), hint }, ctx.kindSpan);
  return false;
}

/**
 * The words a filter layer (conv, deconv) is written with — `KHxKW xF`, then
 * its options — read to the end of the statement; undefined when any part
 * failed (the reader has reported it). `example` is the kernel size the
 * message suggests.
 */
export function readFilterWindow(r: ArgReader, example: string): { kernel: [number, number]; filters: number; o: Record<string, unknown>; spans: Record<string, Span> } | undefined {
  const kernel = r.window(`a kernel size like \`${example}\``, true);
  if (!kernel) return undefined;
  const filters = r.filters();
  if (filters === undefined) return undefined;
  const o = r.options();
  r.end();
  if (r.failed) return undefined;
  return { kernel, filters, o, spans: (o.__spans ?? {}) as Record<string, Span> };
}
