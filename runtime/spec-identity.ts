/**
 * Which spec a weights file (or an ONNX or PyTorch export) was made from: two
 * sha256 digests, recorded side by side, and the one comparison of them.
 *
 *   specHash        nnspec.spec_sha256        the spec's text, CRLF as LF (sha256.ts `specHash`)
 *   specWordsHash   nnspec.spec_words_sha256  the spec's words: its tokens without comments
 *                                             and blanks (compiler/spec-words.ts `specWordsHash`)
 *
 * The text hash changes with any edit; the words hash survives `nnspec fmt`
 * and comment edits. Files written before the words hash existed record only
 * the text hash, and are compared by it alone, as they always were.
 */

/** A spec's two hashes; either may be unknown. */
export interface SpecIdentity {
  specHash?: string | undefined;
  specWordsHash?: string | undefined;
}

/** The metadata key each hash is recorded under, in weights files and ONNX metadata. */
export const SPEC_KEYS = { specHash: "nnspec.spec_sha256", specWordsHash: "nnspec.spec_words_sha256" } as const;

/** The identity a file's metadata records. */
export function recordedSpec(metadata: Readonly<Record<string, string>>): SpecIdentity {
  return { specHash: metadata[SPEC_KEYS.specHash], specWordsHash: metadata[SPEC_KEYS.specWordsHash] };
}

/**
 * "same" when a hash known on both sides is equal (either one suffices: the
 * text for files older than the words hash, the words after `nnspec fmt`);
 * "different" when hashes are known on both sides and none is equal;
 * "unknown" when no hash is known on both sides (nothing to compare).
 */
export function compareSpecs(recorded: SpecIdentity, expected: SpecIdentity): "same" | "different" | "unknown" {
  const pairs = (["specHash", "specWordsHash"] as const).filter((k) => recorded[k] !== undefined && expected[k] !== undefined);
  if (pairs.length === 0) return "unknown";
  return pairs.some((k) => recorded[k] === expected[k]) ? "same" : "different";
}
