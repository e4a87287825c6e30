/** `conv KHxKW xF [stride S] [pad P|same|valid] [floor] [nobias] [init I] [groups G] [dilation D]`: 2-D convolution, weight OIHW (F·(C/G)·KH·KW). */
import type { Span } from "../../diagnostics/source.js";
import { windowGeometry } from "./window-geometry.js";
import { option } from "../args.js";
import { readFilterWindow, requireImage, slideWindow, type WindowAttrs } from "./window-layer.js";
import { defineLayer, lit, type Init } from "./types.js";
import { int, ints } from "./onnx.js";
import { windowAttributes } from "./window-onnx.js";
import { bool, pair, py } from "./pytorch.js";
import { fix, replace } from "../../diagnostics/fix.js";

/** Scratch floats a model keeps for convolutions (2 MiB): room for several small images' im2col columns. */
const CONV_SCRATCH_FLOATS = 1 << 19;

export interface ConvAttrs extends WindowAttrs {
  filters: number;
  padMode: "same" | "valid" | "explicit";
  bias: boolean;
  init: Init;
  /** `groups G`: C and F split into G groups, group g's filters seeing only its channels (G = C = F: depthwise). */
  groups: number;
  dilation: [number, number];
  padSpan?: Span;
  /** The value word of `pad same` (replaced by the number in NN3011's fix). */
  padValueSpan?: Span;
  groupsSpan?: Span;
}

export const conv = defineLayer<ConvAttrs>({
  kind: "conv",
  words: "KHxKW xF",
  options: { stride: option.pair("S"), pad: option.pad, floor: option.flag, nobias: option.flag, init: option.init, groups: option.int("G"), dilation: option.pair("D") },
  keywords: ["x"],
  doc: "2-D convolution over a CxHxW input with F filters of size (C/G)·KH·KW (weight layout OIHW); `groups G` splits channels and filters into G groups (G = C = F: depthwise), `dilation D` spaces the taps D apart.",
  read(r) {
    const read = readFilterWindow(r, "3x3");
    if (!read) return undefined;
    const { kernel, filters, o, spans } = read;
    const pad = o.pad ?? [0, 0];
    const a: ConvAttrs = {
      kernel,
      filters,
      stride: (o.stride as [number, number]) ?? [1, 1],
      pad: typeof pad === "string" ? [0, 0] : (pad as [number, number]),
      padMode: pad === "same" ? "same" : pad === "valid" ? "valid" : "explicit",
      ceil: false,
      floor: o.floor === true,
      bias: !o.nobias,
      init: (o.init as Init) ?? { kind: "he" },
      groups: (o.groups as number) ?? 1,
      dilation: (o.dilation as [number, number]) ?? [1, 1],
    };
    if (spans.pad) a.padSpan = spans.pad;
    const valueSpans = (o.__valueSpans ?? {}) as Record<string, Span>;
    if (valueSpans.pad) a.padValueSpan = valueSpans.pad;
    if (spans.groups) a.groupsSpan = spans.groups;
    return a;
  },
  infer(a, input, ctx) {
    if (!requireImage("conv", input, ctx)) return undefined;
    const c = input[0]!;
    if (c % a.groups !== 0 || a.filters % a.groups !== 0) {
      ctx.report("NN3025", { groups: a.groups, channels: c, filters: a.filters, hint: groupsHint(a.groups, c, a.filters) }, a.groupsSpan);
      return undefined;
    }
    if (a.padMode === "same") {
      const odd = a.kernel[0] % 2 === 1 && a.kernel[1] % 2 === 1;
      if (!odd || a.stride[0] !== 1 || a.stride[1] !== 1) {
        const detail = `stride ${a.stride.join("x")} and kernel ${a.kernel.join("x")}`;
        const half = a.kernel.map((k, i) => Math.max(1, Math.floor((a.dilation[i]! * (k - 1)) / 2)));
        const pad = half[0] === half[1] ? `${half[0]}` : half.join("x");
        // `same` is written after `pad` (a.padSpan is the option's word): the value is the next word.
        ctx.report("NN3011", { detail, pad }, a.padSpan, { suggestions: a.padValueSpan ? [fix(`write \`pad ${pad}\``, [replace(ctx.file, a.padValueSpan, pad)], true)] : [] });
        return undefined;
      }
      a.pad = [(a.dilation[0] * (a.kernel[0] - 1)) / 2, (a.dilation[1] * (a.kernel[1] - 1)) / 2];
    }
    const out = slideWindow("conv", a, input, ctx);
    return out ? [a.filters, out[0], out[1]] : undefined;
  },
  params(a, input) {
    const c = input[0]! / a.groups;
    const fanIn = c * a.kernel[0] * a.kernel[1];
    const fanOut = (a.filters / a.groups) * a.kernel[0] * a.kernel[1];
    const w = { name: "weight" as const, shape: [a.filters, c, a.kernel[0], a.kernel[1]], init: a.init, decay: true, fanIn, fanOut };
    return a.bias ? [w, { name: "bias" as const, shape: [a.filters], init: { kind: "zeros" as const }, decay: false, fanIn, fanOut }] : [w];
  },
  flops(a, input, output) {
    const outs = output[0]! * output[1]! * output[2]!;
    return 2 * outs * (input[0]! / a.groups) * a.kernel[0] * a.kernel[1] + (a.bias ? outs : 0);
  },
  emit: {
    backwardReads: ["x"],
    nullableDx: true,
    fusesRelu: true,
    foldsBatchnorm: true,
    // Every conv kernel (GEMM paths, grouped, depthwise) honours outStride and gradStride.
    writesSlices: () => true,
    forward(a, e) {
      const [c] = e.input as [number, number, number];
      const [, oh, ow] = e.output as [number, number, number];
      const own: Record<string, string> = { filters: lit(a.filters) };
      if (a.groups !== 1) own.groups = lit(a.groups);
      if (a.dilation[0] !== 1 || a.dilation[1] !== 1) own.dilation = `[${lit(a.dilation[0])}, ${lit(a.dilation[1])}]`;
      if (e.yStride !== null) own.outStride = lit(e.yStride);
      if (e.dyStride !== null) own.gradStride = lit(e.dyStride);
      const geom = windowGeometry("conv2dParams", a, e, own);
      // One image's im2col matrix at least; the WebAssembly kernels put several small images in one GEMM when the scratch holds them.
      const perImage = ((c / a.groups) * a.kernel[0] * a.kernel[1] + a.filters) * oh * ow;
      const scratch = e.scratch(Math.max(perImage, CONV_SCRATCH_FLOATS));
      if (e.epilogue) {
        const { scale, shift, act } = e.epilogue;
        return [`${geom}.B = ${e.n};`, `k.conv2dForward(${e.x}, ${e.param("weight")}, ${shift}, ${e.y}, ${scratch}, ${geom}, ${act ?? "rt.ACT_NONE"}, ${scale});`];
      }
      return [`${geom}.B = ${e.n};`, `k.conv2dForward(${e.x}, ${e.param("weight")}, ${a.bias ? e.param("bias") : "null"}, ${e.y}, ${scratch}, ${geom}${e.fusedRelu ? ", rt.ACT_RELU" : ""});`];
    },
    backward(a, e) {
      const geom = e.constant("geom", "");
      const scratch = e.scratch(0);
      return [`${geom}.B = ${e.n};`, `k.conv2dBackward(${e.x}, ${e.param("weight")}, ${e.dy}, ${e.dx ?? "null"}, ${e.grad("weight")}, ${a.bias ? e.grad("bias") : "null"}, ${scratch}, ${geom});`];
    },
  },
  // Conv with weight OIHW (I = C/G), pads [ph, pw, ph, pw], dilations and group; the bias is optional.
  onnx(a, c) {
    c.op("Conv", [c.x, c.required("weight"), c.tensor("bias")], [...windowAttributes(a), ints("dilations", a.dilation), int("group", a.groups)]);
  },
  // Conv2d with weight OIHW (I = C/G) as nnspec's; `pad same` is resolved to numbers by the shape rule.
  pytorch: (a, c) => ({
    module: `nn.Conv2d(${py(c.input[0]!)}, ${py(a.filters)}, ${pair(a.kernel)}, stride=${pair(a.stride)}, padding=${pair(a.pad)}, dilation=${pair(a.dilation)}, groups=${py(a.groups)}, bias=${bool(a.bias)})`,
  }),
});


/** The group counts nearest to g that divide both C and F (and depthwise, when F = C). */
function groupsHint(g: number, c: number, f: number): string {
  const fits = (k: number) => c % k === 0 && f % k === 0;
  let below = g - 1;
  while (below > 1 && !fits(below)) below--;
  let above = g + 1;
  while (above <= Math.min(c, f) && !fits(above)) above++;
  const options = [below >= 1 ? `\`groups ${below}\`` : "", above <= Math.min(c, f) ? `\`groups ${above}\`` : ""].filter(Boolean).join(" or ");
  const depthwise = c === f && above !== c ? `; \`groups ${c}\` makes it depthwise` : c === f ? " (depthwise)" : "";
  return `the nearest that divide both: ${options}${depthwise}`;
}
