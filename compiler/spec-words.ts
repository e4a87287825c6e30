/**
 * A spec's words hash: the identity of a spec that `nnspec fmt` and comment
 * edits leave unchanged (runtime/spec-identity.ts records it beside the text
 * hash). Computed here, at compile time: the runtime has no lexer.
 *
 * The definition (docs/interop.md, "Which spec a weights file belongs to"):
 *   1. the tokens of grammar/lexer.ts, without its skipped ones (comments and
 *      blanks, a byte order mark included);
 *   2. each line break (`\n`, `\r\n` or `\r`) written `\n`, a run of them
 *      (blank lines, comment lines) as one, none at the start or the end: the
 *      line breaks that separate statements, which carry meaning;
 *   3. the token images joined by one space (U+0020, which no token contains),
 *      UTF-8 encoded, sha256 as 64 lowercase hex digits.
 * So blanks, indentation, blank lines, comments and line endings do not
 * count; any other change of a word, a number, a symbol or a statement
 * break does. Defined for specs that lex without errors (the only ones
 * nnspec compiles); characters the lexer refuses are not words.
 */
import { tokenize } from "../grammar/lexer.js";
import { Newline } from "../grammar/tokens.js";
import { sha256Hex, specHash } from "../runtime/sha256.js";

/** The words of step 2, before they are joined. */
export function specWords(text: string): string[] {
  const words: string[] = [];
  for (const t of tokenize(text).tokens) {
    if (t.tokenType !== Newline) words.push(t.image);
    else if (words.length > 0 && words[words.length - 1] !== "\n") words.push("\n");
  }
  if (words[words.length - 1] === "\n") words.pop();
  return words;
}

/** sha256 (hex) of a spec's words: recorded as `nnspec.spec_words_sha256` and `info.specWordsHash`. */
export function specWordsHash(text: string): string {
  return sha256Hex(new TextEncoder().encode(specWords(text).join(" ")));
}

/** Both hashes of a spec's text, as weights files, generated modules and exports record them. */
export function specIdentity(text: string): { specHash: string; specWordsHash: string } {
  return { specHash: specHash(text), specWordsHash: specWordsHash(text) };
}
