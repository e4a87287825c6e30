// Shared by profile.mjs, roofline.mjs and ab-model.mjs: a compiled module with every kernel
// call of its forward pass timed, each call filed under its layer (name and kind).
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** The layer kind of a generated statement's comment ("conv 1x1 x t nobias" → "1x1 conv (GEMM)"). */
function kindOf(comment) {
  const text = comment.replace(/^\s*\/\/ [^:]+: /, "");
  const word = text.split(/[\s({]/)[0];
  if (word === "conv") return / groups /.test(text) ? "depthwise conv" : /^conv 1x1\b/.test(text) ? "1x1 conv (GEMM)" : "other conv";
  if (word === "residual") return "residual add";
  return word;
}

/** The layer name of a generated statement's comment ("// bottleneck1.conv1: conv 1x1 …" → "bottleneck1.conv1"). */
const nameOf = (comment) => /^\s*\/\/ ([^:]+):/.exec(comment)?.[1] ?? "?";

/**
 * The module's source with each call statement in forward() (or in `layers()`,
 * where some batchnorm folds) wrapped as
 * `__profile.add(key, ms)`, key "kind\tname" (the folded kernel: its conv's),
 * and timed with `__profile.now()` (milliseconds).
 */
function instrument(source, file) {
  const lines = source.split("\n");
  let start = lines.findIndex((l) => /^\s*function layers\(/.test(l));
  if (start < 0) start = lines.findIndex((l) => /^\s*function forward\(/.test(l));
  if (start < 0) throw new Error(`${file}: no function forward`);
  let key = "input\tinput";
  let conv = "";
  for (let i = start + 1; i < lines.length && !/^ {4}}/.test(lines[i]); i++) {
    const l = lines[i];
    if (/^\s*\/\/ inference: /.test(l)) key = conv; // the folded kernel: its conv's
    else if (/^\s*\/\/ /.test(l)) {
      key = `${kindOf(l)}\t${nameOf(l)}`;
      if (/conv/.test(key)) conv = key;
    } else if (/^\s*(k|rt)\.\w+\(.*\);$/.test(l) || /^\s*n = rt\.loadInput/.test(l))
      lines[i] = `{ const __t = globalThis.__profile.now(); ${l.trim()} globalThis.__profile.add(${JSON.stringify(key)}, globalThis.__profile.now() - __t); }`;
  }
  return lines.join("\n");
}

/** Writes the instrumented copy of the compiled module next to it and imports it. */
export async function importInstrumented(modulePath) {
  const profiled = modulePath.replace(/\.js$/, ".profile.js");
  writeFileSync(profiled, instrument(readFileSync(modulePath, "utf8"), modulePath));
  return import(pathToFileURL(profiled).href);
}

/** This process's CPU time (all its threads) in milliseconds. */
export function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Wall-clock milliseconds. */
export const wallMs = () => performance.now();

/** The clock a measurement on `threads` threads reads: CPU time of the process on one thread (a shared core's other work does not count), wall time on more. */
export const clockFor = (threads) => (threads === 1 ? cpuMs : wallMs);

/**
 * Runs `fn` until it has used ≥ seconds of `clock` (a clock in ms: cpuMs, or
 * performance.now), after one untimed call; ms of that clock per call.
 */
export function timeCalls(fn, seconds, clock = cpuMs) {
  fn();
  let n = 0;
  const t0 = clock();
  while (clock() - t0 < seconds * 1000 || n === 0) {
    fn();
    n++;
  }
  return (clock() - t0) / n;
}

/**
 * Per-layer times of `forward` over ≥ seconds: [{ kind, name, ms }] per
 * forward, in the order the layers ran.
 */
export function layerTimes(forward, seconds, clock) {
  const totals = new Map();
  globalThis.__profile = { now: clock, add: (k, ms) => totals.set(k, (totals.get(k) ?? 0) + ms) };
  forward();
  totals.clear();
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || calls === 0) {
    forward();
    calls++;
  }
  return [...totals].map(([key, ms]) => {
    const [kind, name] = key.split("\t");
    return { kind, name, ms: ms / calls };
  });
}
