// Markdown tables of browser.mjs: one per workload and mode, the ratios at
// equal threads, and the goals with met / not met.
import { num, sig } from "./report.mjs";

const table = (header, rows) => [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
const ratioText = (r) => `${sig(r.median)}× (${sig(r.min)}–${sig(r.max)})`;

/** One workload and mode: every contender's medians, its agreement with nnspec 1t, and nnspec ÷ peer at equal threads. */
export function groupMarkdown(g) {
  const mflop = num(g.flopsPerImage / 1e6, 2);
  const head = `**Workload ${g.workload} (${g.title}), ${g.mode === "train" ? "training step" : "inference"}, batch ${g.batch}** — ${mflop} MFLOP/image${g.mode === "train" ? " (3 × forward)" : ""}`;
  const rows = g.runners.map((r) => {
    const agree = r.check ? r.check.text : "";
    if (r.error) return [r.label, r.threadsUsed ?? "", "", "", "", "", "", r.error];
    const ips = r.imagesPerSecond;
    return [r.label, r.threadsUsed, r.coresBusy === undefined ? "" : num(r.coresBusy, 2), sig(ips.median), `${sig(ips.min)}–${sig(ips.max)}`, sig(r.stepMs), sig(r.gflops), agree];
  });
  const runners = table(["contender", "threads", "CPU", "img/s (median)", "min–max", "step ms", "GFLOP/s", "output vs nnspec 1t"], rows);
  const same = g.ratios.filter((r) => r.sameThreads);
  const ratios = same.length
    ? table(["nnspec ÷ peer, same threads", "median (min–max over rounds)"], same.map((r) => [`${r.nnspec} ÷ ${r.peer}`, ratioText(r)]))
    : "(no peer ran at nnspec's thread counts)";
  const notes = g.runners
    .filter((r) => r.threadsUsed !== undefined && r.threadsUsed !== r.threads)
    .map((r) => `\n\n${r.label}: asked for ${r.threads} threads, reports ${r.threadsUsed} (${JSON.stringify(r.info)}); compared as a ${r.threadsUsed}-thread contender.`);
  return `${head}\n\n${runners}${notes.join("")}\n\n${ratios}`;
}

const peerKind = (g, label) => g.runners.find((r) => r.label === label)?.runner;

/** The goals of issue 13 against the measured ratios. */
export function goalsMarkdown(groups) {
  const infer = groups.filter((g) => g.mode === "infer");
  const train = groups.filter((g) => g.mode === "train");
  const atEqual = (gs, kind) => gs.flatMap((g) => g.ratios.filter((r) => r.sameThreads && peerKind(g, r.peer) === kind).map((r) => ({ g, r })));
  const bestTrainer = (g) =>
    g.runners.filter((r) => r.runner.startsWith("tfjs") && !r.error && r.imagesPerSecond).sort((a, b) => b.imagesPerSecond.median - a.imagesPerSecond.median)[0];
  const trainPairs = train.flatMap((g) => {
    const best = bestTrainer(g);
    return best ? g.ratios.filter((r) => r.peer === best.label).map((r) => ({ g, r })) : [];
  });
  const goal = (name, pairs, aim, onlyEqual) => {
    const counted = onlyEqual ? pairs.filter(({ r }) => r.sameThreads) : pairs;
    const cells = pairs.map(({ g, r }) => `${g.workload} ${r.nnspec} ÷ ${r.peer}: ${sig(r.median)}×`).join("; ");
    const verdict = counted.length === 0 ? "not measured" : counted.every(({ r }) => r.median >= aim) ? "met" : counted.some(({ r }) => r.median >= aim) ? "partly met" : "not met";
    return [name, cells || "—", verdict];
  };
  return table(
    ["goal (medians of per-round ratios)", "measured", ""],
    [
      goal("inference ≥ 1.5× TF.js WASM at equal threads", atEqual(infer, "tfjs-wasm"), 1.5, true),
      goal("inference ≥ 1× ONNX Runtime Web at equal threads", atEqual(infer, "ort"), 1, true),
      goal("training ≥ 3× the best TF.js setup that trains (judged at equal threads)", trainPairs, 3, true),
    ],
  );
}
