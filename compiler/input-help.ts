/**
 * Help about the model's input: whether it looks channels-last (NN3014), and
 * the smallest input at which every window fits (NN3001's help), found by
 * re-checking the model with other inputs.
 */
import type { Shape } from "./shape.js";

/** Errors that a larger input can cure: windows that do not fit, residuals whose sides then differ. */
export const WINDOW_CODES: ReadonlySet<string> = new Set(["NN3001", "NN3006", "NN3007"]);
/** The expansion steps of each probe of the search (about 32 probes): a larger model gets no smallest input. */
export const SEARCH_STEPS = 20_000;
/** The largest height or width tried. */
const SEARCH_MAX = 1 << 15;

/**
 * The smallest CxHxW input at which `fits` holds, searching height and width
 * each by bisection (window arithmetic is monotonic in the input size and the
 * axes are independent), the other axis held large; undefined when even the
 * largest tried does not fit, or the two together do not.
 */
export function smallestFittingInput(input: Shape, fits: (probe: Shape) => boolean | undefined): Shape | undefined {
  const [c, h, w] = input as [number, number, number];
  if (fits([c, SEARCH_MAX, SEARCH_MAX]) !== true) return undefined;
  const least = (from: number, probe: (n: number) => Shape): number | undefined => {
    let lo = from;
    let hi = SEARCH_MAX;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const ok = fits(probe(mid));
      if (ok === undefined) return undefined;
      if (ok) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const minH = least(Math.min(h, SEARCH_MAX), (n) => [c, n, SEARCH_MAX]);
  const minW = minH === undefined ? undefined : least(Math.min(w, SEARCH_MAX), (n) => [c, SEARCH_MAX, n]);
  if (minH === undefined || minW === undefined) return undefined;
  const found: Shape = [c, Math.max(minH, h), Math.max(minW, w)];
  return fits(found) === true ? found : undefined;
}

/** `input 28x28x1`, `150x150x3`: last dimension 1, 3 or 4, and much smaller than the two before it. */
export function looksChannelsLast(shape: Shape): boolean {
  if (shape.length !== 3) return false;
  const [h, w, c] = shape as [number, number, number];
  return (c === 1 || c === 3 || c === 4) && h >= 8 && w >= 8 && h >= 4 * c && w >= 4 * c;
}
