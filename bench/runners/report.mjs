// Text tables of run.mjs (the --json output has the same numbers, unrounded).

export const num = (x, digits = 0) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** About three significant digits: 12,345 / 1,234 / 123 / 12.3 / 1.23 / 0.123. */
export const sig = (x) => (x >= 100 ? num(x) : x >= 10 ? num(x, 1) : x >= 1 ? num(x, 2) : num(x, 3));

function table(header, rows, right) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)));
  const line = (cells) =>
    cells
      .map((c, i) => (right[i] ? String(c ?? "").padStart(widths[i]) : String(c ?? "").padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((n) => "─".repeat(n)).join("──"), ...rows.map(line)].join("\n");
}

export function printGroup(g, rounds) {
  const mflop = g.flopsPerImage / 1e6;
  console.log();
  console.log(`Workload ${g.workload} (${g.title}, ${g.spec}), ${g.mode === "train" ? "training step" : "inference"}, batch ${g.batch}, ${num(mflop, 2)} MFLOP/image${g.mode === "train" ? " (3 × forward)" : ""}`);
  const rows = g.runners.filter((r) => !r.error).map((r) => {
    const ips = r.imagesPerSecond;
    return [r.label, r.threadsUsed, num(r.coresBusy, 2), sig(ips.median), `${sig(ips.min)}–${sig(ips.max)}`, sig(r.stepMs), sig(r.gflops), num(r.maxRssMiB)];
  });
  const header = ["runner", "threads", "CPU", "img/s (median)", "min–max", "step ms", "GFLOP/s", "peak RSS MiB"];
  console.log(table(header, rows, header.map((_, i) => i > 0)));
  for (const r of g.runners.filter((x) => x.error)) console.log(`${r.label}: ${r.error}`);
  const nn = [...new Set(g.ratios.map((r) => r.nnspec))];
  const peers = [...new Set(g.ratios.map((r) => r.peer))];
  if (peers.length) {
    console.log(`nnspec ÷ peer, img/s ratio per round: median (min–max over ${rounds} rounds); * = same thread count`);
    const cell = (p, n) => {
      const r = g.ratios.find((x) => x.peer === p && x.nnspec === n);
      return r ? `${sig(r.median)}× (${sig(r.min)}–${sig(r.max)})${r.sameThreads ? "*" : ""}` : "";
    };
    console.log(table(["peer", ...nn.map((n) => `vs ${n}`)], peers.map((p) => [p, ...nn.map((n) => cell(p, n))]), [false, ...nn.map(() => true)]));
  }
  const ignored = g.runners.find((r) => r.runner === "nnspec" && r.info && r.info.threadsOptionSupported === false);
  if (ignored) console.log("note: this nnspec build has no threads/kernels options yet (no model.dispose): every nnspec row ran the same single-threaded code");
}

export function printScaling(groups, rounds) {
  console.log();
  console.log(`Step time by batch size — nnspec, wasm kernels, default threads (median of ${rounds} round${rounds > 1 ? "s" : ""}); ×N = step time relative to batch 1`);
  const batches = groups[0].runners.map((r) => r.batch);
  const rows = groups.map((g) => {
    const base = g.runners[0].stepMs;
    return [
      `${g.workload} ${g.mode}`,
      ...g.runners.map((r) => (r.error ? r.error : `${sig(r.stepMs)} ms ×${sig(r.stepMs / base)}, ${num(r.imagesPerSecond.median)} img/s`)),
    ];
  });
  console.log(table(["workload", ...batches.map((b) => `batch ${b}`)], rows, [false, ...batches.map(() => true)]));
}
