/**
 * How a parameter tensor starts. Apart from layers/types.ts because the
 * argument reader (args.ts) reads `init …` options and layers/types.ts names
 * the reader: both import this instead of each other.
 */
export type InitKind = "he" | "xavier" | "normal" | "zeros" | "ones";
export interface Init {
  kind: InitKind;
  /** σ for `normal`. */
  sigma?: number;
}
