/**
 * Text from the user's world (file names above all) made safe to print on a
 * terminal: control characters (ANSI escapes, newlines, carriage returns,
 * C1 controls), line and paragraph separators and bidirectional overrides are
 * shown as escapes instead of acting on the terminal.
 */

/** What must not reach a terminal raw. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "gu");

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every unsafe character replaced by its escape (`\x1b`, `\n`, `\u2028`…); unchanged when there is none. */
export function escapeControl(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escapeOne) : text;
}

/**
 * A path as every message prints it: as it is when it is safe, otherwise in
 * double quotes with the unsafe characters (and `"` and `\`) escaped, so
 * `a\x1b[2Jb.nnspec` prints as `"a\x1b[2Jb.nnspec"` and never clears the screen.
 */
export function displayPath(path: string): string {
  if (!UNSAFE.test(path)) return path;
  return `"${path.replace(/["\\]/g, (c) => `\\${c}`).replace(UNSAFE_ALL, escapeOne)}"`;
}
