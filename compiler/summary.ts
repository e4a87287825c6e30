/** Keras/torchinfo-like summaries of checked models, as data, text and JSON. */
import type { CheckedModel, Node } from "./model.js";
import { formatBytes } from "./format.js";
import { formatShape, numel } from "./shape.js";

export interface LayerRow {
  name: string;
  kind: string;
  outputShape: number[];
  params: number;
  flops: number;
}

export interface ModelSummary {
  name: string;
  inputShape: number[];
  outputShape: number[];
  params: number;
  flops: number;
  activationBytes: number;
  layers: LayerRow[];
  /** With `--batch`: the compiled model's memory plan for that batch size. */
  batch?: number;
  planBytes?: number;
}

export function summarize(m: CheckedModel): ModelSummary {
  const layers: LayerRow[] = [];
  const walk = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      if (n.type === "residual") {
        walk(n.body);
        if (n.shortcut) walk(n.shortcut);
        layers.push({ name: n.name, kind: n.shortcut ? "residual (add shortcut)" : "residual (add input)", outputShape: [...n.output], params: 0, flops: n.flops });
      } else if (n.type === "concat") {
        n.branches.forEach(walk);
        layers.push({ name: n.name, kind: `concat (${n.branches.length} branches)`, outputShape: [...n.output], params: 0, flops: n.flops });
      } else if (n.type === "gate") {
        walk(n.body);
        layers.push({ name: n.name, kind: "gate (multiply input)", outputShape: [...n.output], params: 0, flops: n.flops });
      } else {
        layers.push({ name: n.name, kind: n.kind, outputShape: [...n.output], params: n.params.reduce((s, p) => s + numel(p.shape), 0), flops: n.flops });
      }
    }
  };
  walk(m.nodes);
  return {
    name: m.name,
    inputShape: [...m.inputShape],
    outputShape: [...m.outputShape],
    params: m.params,
    flops: m.flops,
    activationBytes: m.activationBytes,
    layers,
  };
}

const group = (n: number) => n.toLocaleString("en-US");

export function formatFlops(f: number): string {
  if (f >= 1e9) return `${(f / 1e9).toFixed(2)} GFLOPs`;
  if (f >= 1e6) return `${(f / 1e6).toFixed(2)} MFLOPs`;
  if (f >= 1e3) return `${(f / 1e3).toFixed(2)} KFLOPs`;
  return `${f} FLOPs`;
}

export function renderSummaryText(s: ModelSummary, loss: string | null): string {
  const header = ["Layer", "Kind", "Output shape", "Params", "FLOPs"];
  const rows = [["input", "input", formatShape(s.inputShape), "0", "0"], ...s.layers.map((l) => [l.name, l.kind, formatShape(l.outputShape), group(l.params), group(l.flops)])];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const rule = "─".repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const out = [`Model: ${s.name}${loss ? `  (loss ${loss})` : "  (inference only)"}`, rule, line(header), rule, ...rows.map(line), rule];
  out.push(`Parameters:           ${group(s.params)} (${formatBytes(s.params * 4)} as float32)`);
  out.push(`Forward FLOPs:        ${group(s.flops)} per example (${formatFlops(s.flops)})`);
  out.push(`Activation memory:    ${formatBytes(s.activationBytes)} per example`);
  if (s.batch !== undefined && s.planBytes !== undefined)
    out.push(`Memory plan:          ${formatBytes(s.planBytes)} for batches of ${s.batch} (parameters, gradients, activations and their gradients, scratch)`);
  return out.join("\n");
}
