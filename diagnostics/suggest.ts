/** "Did you mean" suggestions from a list of known words. */

/** Optimal string alignment distance (Levenshtein with adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (Math.abs(m - n) > 3) return Math.abs(m - n);
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/** The closest known word, if it is close enough to be a likely typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const dist = k === lower ? 0.5 : editDistance(lower, k.toLowerCase());
    if (dist < bestDist) (best = k), (bestDist = dist);
  }
  const allowed = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  return bestDist <= allowed ? best : undefined;
}

/** Help text: "did you mean `x`?" or the list of what is known. */
export function suggestion(word: string, known: readonly string[], what: string): string {
  const c = closest(word, known);
  if (c !== undefined) return `did you mean \`${c}\`?`;
  if (known.length === 0) return `there are no ${what}`;
  const list = known.slice(0, 24).map((k) => `\`${k}\``).join(", ");
  return `known ${what}: ${list}${known.length > 24 ? ", …" : ""}`;
}

/** Every known word at the smallest distance from `word`, if close enough to be a likely typo (one, usually). */
export function candidates(word: string, known: readonly string[]): string[] {
  const best = closest(word, known);
  if (best === undefined) return [];
  const lower = word.toLowerCase();
  const dist = (k: string) => (k === lower ? 0.5 : editDistance(lower, k.toLowerCase()));
  const d = dist(best);
  return [...new Set(known.filter((k) => dist(k) === d))];
}
