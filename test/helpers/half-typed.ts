/**
 * The edits of someone typing a spec, at each cursor position outside comments
 * (inside a comment every position reads as the comment's start): the spec typed
 * up to the cursor, and the line under the cursor typed up to it with the
 * rest of the file in place. `every` takes one position in that many.
 */
export function* halfTypedEdits(spec: string, every = 1): Generator<{ text: string; cursor: number }> {
  const cursors = [...cursorsOutsideComments(spec)];
  for (let i = 0; i < cursors.length; i += every) {
    const cursor = cursors[i]!;
    yield { text: spec.slice(0, cursor), cursor };
    const lineEnd = spec.indexOf("\n", cursor);
    yield { text: spec.slice(0, cursor) + (lineEnd < 0 ? "" : spec.slice(lineEnd)), cursor };
  }
}

/** 0 … spec.length, less the positions after a comment's `#` on its line (the `#` itself and the line end are kept). */
function* cursorsOutsideComments(spec: string): Generator<number> {
  let inComment = false;
  for (let i = 0; i <= spec.length; i++) {
    if (spec[i - 1] === "#") inComment = true;
    if (spec[i] === "\n" || i === spec.length) {
      inComment = false;
    }
    if (!inComment || spec[i] === "\n" || i === spec.length) yield i;
  }
}
