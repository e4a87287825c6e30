/**
 * `deconv KHxKW xF [stride S] [pad P] [outpad P] [nobias] [init I]`: transposed
 * 2-D convolution (PyTorch ConvTranspose2d, ONNX ConvTranspose), weight IOHW
 * [C][F][KH][KW]. H' = (H − 1)·S − 2·P + KH + outpad.
 *
 * It is the adjoint of the convolution from F×H'×W' to C×H×W with the same
 * weight (read as that convolution's OIHW): the generated code hands the
 * runtime that convolution's geometry, and reuses conv's kernels — forward is
 * conv's input gradient (col2im), backward conv's forward (dx) and weight
 * gradient (dw).
 */
import { formatShape } from "../shape.js";
import { option } from "../args.js";
import { readFilterWindow, requireImage, type WindowAttrs } from "./window-layer.js";
import { windowGeometry } from "./window-geometry.js";
import { defineLayer, lit, type EmitLayer, type Init } from "./types.js";
import { int, ints } from "./onnx.js";
import { windowAttributes } from "./window-onnx.js";
import { bool, pair, py } from "./pytorch.js";

/** Scratch floats kept for the col2im columns (as conv's). */
const DECONV_SCRATCH_FLOATS = 1 << 19;

export interface DeconvAttrs extends WindowAttrs {
  filters: number;
  outpad: [number, number];
  bias: boolean;
  init: Init;
}

/** Output extent along one axis, with its arithmetic for messages. */
export function deconvOutput(size: number, kernel: number, stride: number, pad: number, outpad: number): { out: number; arithmetic: string } {
  const out = (size - 1) * stride - 2 * pad + kernel + outpad;
  return { out, arithmetic: `(${size} − 1)·${stride} − 2·${pad} + ${kernel} + ${outpad} = ${out}` };
}

export const deconv = defineLayer<DeconvAttrs>({
  kind: "deconv",
  words: "KHxKW xF",
  options: { stride: option.pair("S"), pad: option.pair("P", 0), outpad: option.pair("P", 0), nobias: option.flag, init: option.init },
  keywords: ["x"],
  doc: "Transposed 2-D convolution over a CxHxW input with F filters (weight layout IOHW: C·F·KH·KW); H' = (H − 1)·S − 2·P + KH + outpad.",
  read(r) {
    const read = readFilterWindow(r, "2x2");
    if (!read) return undefined;
    const { kernel, filters, o, spans } = read;
    const stride = (o.stride as [number, number]) ?? [1, 1];
    const outpad = (o.outpad as [number, number]) ?? [0, 0];
    if (outpad[0] >= stride[0] || outpad[1] >= stride[1]) {
      const s = stride[0] === stride[1] ? `${stride[0]}` : stride.join("x");
      const value = outpad[0] === outpad[1] ? `${outpad[0]}` : outpad.join("x");
      return r.error("NN2013", { what: "outpad", rule: `less than the stride (${s})`, value, hint: "`outpad` adds rows and columns a stride leaves undetermined; it must be smaller than the stride, as in PyTorch" }, spans.outpad!);
    }
    return {
      kernel,
      filters,
      stride,
      pad: (o.pad as [number, number]) ?? [0, 0],
      outpad,
      ceil: false,
      bias: !o.nobias,
      init: (o.init as Init) ?? { kind: "he" },
    };
  },
  infer(a, input, ctx) {
    if (!requireImage("deconv", input, ctx)) return undefined;
    const [, h, w] = input as [number, number, number];
    const rows = deconvOutput(h, a.kernel[0], a.stride[0], a.pad[0], a.outpad[0]);
    const cols = deconvOutput(w, a.kernel[1], a.stride[1], a.pad[1], a.outpad[1]);
    if (rows.out <= 0 || cols.out <= 0) {
      const arithmetic = [rows.out <= 0 ? `height ${rows.arithmetic}` : "", cols.out <= 0 ? `width ${cols.arithmetic}` : ""].filter(Boolean).join("; ");
      ctx.report("NN3001", { window: `${a.kernel[0]}x${a.kernel[1]}`, input: formatShape(input), arithmetic, hint: "a transposed convolution's padding removes rows and columns from its output: use less padding or a larger kernel" });
      return undefined;
    }
    return [a.filters, rows.out, cols.out];
  },
  params(a, input) {
    const c = input[0]!;
    // As PyTorch: fan-in is the weight's dim 1 times the kernel (F·KH·KW), fan-out C·KH·KW.
    const fanIn = a.filters * a.kernel[0] * a.kernel[1];
    const fanOut = c * a.kernel[0] * a.kernel[1];
    const w = { name: "weight" as const, shape: [c, a.filters, a.kernel[0], a.kernel[1]], init: a.init, decay: true, fanIn, fanOut };
    return a.bias ? [w, { name: "bias" as const, shape: [a.filters], init: { kind: "zeros" as const }, decay: false, fanIn, fanOut }] : [w];
  },
  flops(a, input, output) {
    const ins = input[0]! * input[1]! * input[2]!;
    return 2 * ins * a.filters * a.kernel[0] * a.kernel[1] + (a.bias ? output[0]! * output[1]! * output[2]! : 0);
  },
  emit: {
    backwardReads: ["x"],
    nullableDx: true,
    forward(a, e) {
      const [c, h, w] = e.input as [number, number, number];
      // The geometry of the adjoint convolution: from the output (F×H'×W') to the input (C×H×W).
      // (A view of e with the output as input; a spread would call e's getters, `training` among them.)
      const adjoint = Object.create(e, { input: { value: e.output } }) as EmitLayer;
      const geom = windowGeometry("conv2dParams", a, adjoint, { filters: lit(c) });
      const perImage = (a.filters * a.kernel[0] * a.kernel[1] + c) * h * w;
      const scratch = e.scratch(Math.max(perImage, DECONV_SCRATCH_FLOATS));
      return [`${geom}.B = ${e.n};`, `k.deconv2dForward(${e.x}, ${e.param("weight")}, ${a.bias ? e.param("bias") : "null"}, ${e.y}, ${scratch}, ${geom});`];
    },
    backward(a, e) {
      const geom = e.constant("geom", "");
      const scratch = e.scratch(0);
      const lines = [`${geom}.B = ${e.n};`];
      // dw: the weight gradient of the adjoint convolution, whose input is dy and whose output gradient is x.
      lines.push(`k.conv2dBackward(${e.dy}, ${e.param("weight")}, ${e.x}, null, ${e.grad("weight")}, null, ${scratch}, ${geom});`);
      if (a.bias) lines.push(`k.channelSums(${e.dy}, ${e.grad("bias")}, ${e.n}, ${lit(a.filters)}, ${lit(e.output[1]! * e.output[2]!)});`);
      if (e.dx !== null) lines.push(`k.conv2dForward(${e.dy}, ${e.param("weight")}, null, ${e.dx}, ${scratch}, ${geom});`);
      return lines;
    },
  },
  // ConvTranspose with weight IOHW (as nnspec's), explicit output_padding; the bias is optional.
  onnx(a, c) {
    c.op("ConvTranspose", [c.x, c.required("weight"), c.tensor("bias")], [...windowAttributes(a), ints("output_padding", a.outpad), ints("dilations", [1, 1]), int("group", 1)]);
  },
  // ConvTranspose2d with weight IOHW as nnspec's.
  pytorch: (a, c) => ({
    module: `nn.ConvTranspose2d(${py(c.input[0]!)}, ${py(a.filters)}, ${pair(a.kernel)}, stride=${pair(a.stride)}, padding=${pair(a.pad)}, output_padding=${pair(a.outpad)}, bias=${bool(a.bias)})`,
  }),
});
