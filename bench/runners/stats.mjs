// Medians and ratios of a group of runners, shared by run.mjs (Node) and
// browser.mjs (Chromium). A row: { label, runner, threads, threadsUsed, rounds: [{ imagesPerSecond, stepMs, coresBusy? }], error? }.

export const median = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** img/s medians, GFLOP/s and per-round ratios nnspec ÷ peer (rounds alternate runners, so round i of each was timed side by side). */
export function summarise(rows, flops) {
  for (const r of rows) {
    if (r.error || r.rounds.length === 0) continue;
    const ips = r.rounds.map((m) => m.imagesPerSecond);
    r.imagesPerSecond = { median: median(ips), min: Math.min(...ips), max: Math.max(...ips), perRound: ips };
    r.stepMs = median(r.rounds.map((m) => m.stepMs));
    if (r.rounds.every((m) => m.coresBusy !== undefined)) r.coresBusy = median(r.rounds.map((m) => m.coresBusy));
    r.gflops = (r.imagesPerSecond.median * flops) / 1e9;
    r.maxRssMiB = r.info?.maxRssMiB;
    r.threadsUsed ??= r.info?.threads;
  }
  const ok = (r) => r.imagesPerSecond && !r.error;
  const ratios = [];
  for (const peer of rows.filter((r) => r.runner !== "nnspec" && ok(r)))
    for (const nn of rows.filter((r) => r.runner === "nnspec" && ok(r))) {
      const n = Math.min(peer.rounds.length, nn.rounds.length);
      const per = Array.from({ length: n }, (_, i) => nn.rounds[i].imagesPerSecond / peer.rounds[i].imagesPerSecond);
      ratios.push({ nnspec: nn.label, peer: peer.label, sameThreads: nn.threads === peer.threadsUsed, min: Math.min(...per), median: median(per), max: Math.max(...per), perRound: per });
    }
  return ratios;
}
