/**
 * How a parameter tensor starts. Apart from layers/types.ts because the
 * argument reader (args.ts) reads `init …` options and layers/types.ts names
 * the reader: both import this instead of each other.
 */
export const INIT_KINDS = ["he", "xavier", "normal", "zeros", "ones"] as const;
export type InitKind = (typeof INIT_KINDS)[number];
/** A weight initialiser, `init he` … `init normal σ`. */
export interface Init {
  kind: InitKind;
  /** σ for `normal`. */
  sigma?: number;
}
