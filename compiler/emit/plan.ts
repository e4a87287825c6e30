/**
 * The static memory plan of a generated model: every buffer it needs, sized
 * at compile time as `fixed + perExample × batchSize` values. Parameters,
 * gradients, state, activations and scratch all live in one arena (int32
 * indices in a second one), allocated once when the model is created.
 */
export interface PlannedBuffer {
  id: string;
  /** Values independent of the batch size. */
  fixed: number;
  /** Values per example (multiplied by batchSize). */
  perExample: number;
  kind: "float" | "int";
  /** Shape comment, e.g. `[6][1][5][5]` or `(B, 6, 28, 28)`. */
  comment: string;
  section: "params" | "grads" | "state" | "activations" | "layer" | "scratch";
  /**
   * A view, no memory of its own (fixed and perExample 0): buffer `of` from
   * value `offset` on. A concat branch that writes straight into its slice
   * has its output (and gradient) as such a view, examples the concat's
   * outSize apart; the kernels are told that stride.
   */
  view?: { of: string; offset: number };
}

export interface MemoryPlan {
  buffers: PlannedBuffer[];
  /** Scratch shared by all layers (values, fixed). */
  scratch: number;
}

export function planTotals(plan: MemoryPlan): { fixed: number; perExample: number; intPerExample: number; intFixed: number } {
  let fixed = plan.scratch;
  let perExample = 0;
  let intFixed = 0;
  let intPerExample = 0;
  for (const b of plan.buffers) {
    if (b.kind === "int") (intFixed += b.fixed), (intPerExample += b.perExample);
    else (fixed += b.fixed), (perExample += b.perExample);
  }
  return { fixed, perExample, intFixed, intPerExample };
}

/** Bytes the plan takes for a batch size. */
export function planBytes(plan: MemoryPlan, batchSize: number, bytesPerValue: number): number {
  const t = planTotals(plan);
  return (t.fixed + t.perExample * batchSize) * bytesPerValue + (t.intFixed + t.intPerExample * batchSize) * 4;
}
