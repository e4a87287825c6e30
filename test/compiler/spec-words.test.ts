/**
 * A spec's words hash (compiler/spec-words.ts) and the one comparison of spec
 * hashes (runtime/spec-identity.ts): blanks, indentation, blank lines,
 * comments, line endings and `nnspec fmt` leave the words hash as it was;
 * removing or changing any token changes it (that `nnspec fmt` keeps it is
 * checked with fmt's own properties, test/compiler/fmt.test.ts); a file matches when either
 * hash does, and a file recording only the text hash is compared by it alone.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { specIdentity, specWords, specWordsHash } from "../../compiler/spec-words.js";
import { tokenize } from "../../grammar/lexer.js";
import { compareSpecs, recordedSpec } from "../../runtime/spec-identity.js";
import { specHash } from "../../runtime/sha256.js";

const SPEC = "model tiny {\n  input 6\n  fc 4, relu\n  hidden: fc 3 -> 3\n  loss softmax + l2 5e-4\n}\n";

describe("specWordsHash", () => {
  it("is the sha256 of the tokens joined by one blank, a run of line breaks as one \\n, none at either end", () => {
    const words = ["model", "tiny", "{", "\n", "input", "6", "\n", "fc", "4", ",", "relu", "\n", "hidden", ":", "fc", "3", "->", "3", "\n", "loss", "softmax", "+", "l2", "5e-4", "\n", "}"];
    expect(specWords(SPEC)).toEqual(words);
    expect(specWordsHash(SPEC)).toBe(createHash("sha256").update(words.join(" "), "utf8").digest("hex"));
    expect(specIdentity(SPEC)).toEqual({ specHash: specHash(SPEC), specWordsHash: specWordsHash(SPEC) });
  });

  it("does not change with blanks, indentation, blank lines, comments, line endings or a byte order mark", () => {
    const same = [
      "model tiny{\n\tinput 6\n  fc 4,relu\n    hidden :fc 3->3\n  loss softmax+l2 5e-4\n}",
      "\n\n# a comment before\nmodel  tiny {   # and after\n\n\n  input 6\n  # an own line\n  fc 4 , relu\n  hidden: fc 3 -> 3\n  loss softmax + l2 5e-4\n}\n\n# the end\n",
      SPEC.replace(/\n/g, "\r\n"),
      SPEC.replace(/\n/g, "\r"),
      `\ufeff${SPEC}`,
      SPEC.replace(/ {2}/g, "\u00a0\t"),
    ];
    for (const text of same) expect(specWordsHash(text), JSON.stringify(text)).toBe(specWordsHash(SPEC));
    // The text hash sees every one of those edits but CRLF line endings (specHash reads \r\n as \n).
    expect(new Set([SPEC, ...same.slice(0, 2), ...same.slice(3)].map(specHash)).size).toBe(same.length);
  });

  it("changes when any token is removed or changed, or a statement break moves", () => {
    const hash = specWordsHash(SPEC);
    // Every token but the file's last line break (trailing line breaks are not words).
    const tokens = tokenize(SPEC).tokens.slice(0, -1);
    expect(tokens.length).toBe(26);
    for (const t of tokens) {
      const removed = SPEC.slice(0, t.startOffset) + " " + SPEC.slice(t.endOffset! + 1);
      expect(specWordsHash(removed), `without ${JSON.stringify(t.image)} at ${t.startOffset}`).not.toBe(hash);
    }
    const changes = [
      SPEC.replace("fc 4", "fc 5"), // a width
      SPEC.replace("hidden:", "out:"), // a label
      SPEC.replace("relu", "tanh"), // a layer kind
      SPEC.replace("5e-4", "0.0005"), // a number as written
      SPEC.replace("fc 4, relu", "fc 4\n  relu"), // a statement on its own line
      SPEC.replace("input 6\n", "input 6 "), // two statements joined
    ];
    for (const text of changes) expect(specWordsHash(text), text).not.toBe(hash);
    expect(new Set(changes.map(specWordsHash)).size).toBe(changes.length);
  });
});

describe("compareSpecs", () => {
  const a = { specHash: "t1", specWordsHash: "w1" };
  it("is the same spec when either hash known on both sides is equal", () => {
    expect(compareSpecs(a, a)).toBe("same");
    expect(compareSpecs({ specHash: "t0", specWordsHash: "w1" }, a), "formatted: the text differs, the words do not").toBe("same");
    expect(compareSpecs({ specHash: "t1", specWordsHash: "w0" }, a), "the words defined anew, the text the same").toBe("same");
    expect(compareSpecs({ specHash: "t0", specWordsHash: "w0" }, a)).toBe("different");
  });

  it("compares a file older than the words hash by its text hash alone, as before", () => {
    expect(compareSpecs({ specHash: "t1" }, a)).toBe("same");
    expect(compareSpecs({ specHash: "t0" }, a)).toBe("different");
    expect(compareSpecs({ specHash: "t0", specWordsHash: "w1" }, { specHash: "t1" }), "a caller that knows only the text hash").toBe("different");
  });

  it("is unknown when no hash is known on both sides", () => {
    expect(compareSpecs({}, a)).toBe("unknown");
    expect(compareSpecs(a, {})).toBe("unknown");
    expect(compareSpecs({ specWordsHash: "w0" }, { specHash: "t1" })).toBe("unknown");
  });

  it("reads both hashes from a file's metadata", () => {
    expect(recordedSpec({ format: "pt", "nnspec.spec_sha256": "t", "nnspec.spec_words_sha256": "w" })).toEqual({ specHash: "t", specWordsHash: "w" });
    expect(recordedSpec({ "nnspec.spec_sha256": "t" })).toEqual({ specHash: "t", specWordsHash: undefined });
  });
});
