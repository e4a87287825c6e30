/**
 * A character as a message shows it: a visible one in quotes (`"@"`); one that
 * shows as nothing or as a blank (controls, format characters, line and
 * paragraph separators, spaces other than ` `) by its code point and name,
 * `U+2028 LINE SEPARATOR`, so the user can find it.
 */
const NAMES: Readonly<Record<number, string>> = {
  0x00: "NULL",
  0x09: "CHARACTER TABULATION",
  0x0b: "LINE TABULATION",
  0x0c: "FORM FEED",
  0x1b: "ESCAPE",
  0x7f: "DELETE",
  0x85: "NEXT LINE",
  0xa0: "NO-BREAK SPACE",
  0xad: "SOFT HYPHEN",
  0x180e: "MONGOLIAN VOWEL SEPARATOR",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x2028: "LINE SEPARATOR",
  0x2029: "PARAGRAPH SEPARATOR",
  0x202a: "LEFT-TO-RIGHT EMBEDDING",
  0x202b: "RIGHT-TO-LEFT EMBEDDING",
  0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE",
  0x202e: "RIGHT-TO-LEFT OVERRIDE",
  0x202f: "NARROW NO-BREAK SPACE",
  0x205f: "MEDIUM MATHEMATICAL SPACE",
  0x2060: "WORD JOINER",
  0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE",
  0x2069: "POP DIRECTIONAL ISOLATE",
  0x3000: "IDEOGRAPHIC SPACE",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE (byte order mark)",
  0xfffd: "REPLACEMENT CHARACTER",
};

/** Invisible or blank: other (Cc, Cf, Cs, Co, Cn) and separators (Zs, Zl, Zp), except the plain space. */
const INVISIBLE = /^[\p{C}\p{Z}]$/u;

export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0xfffd;
  if (ch !== " " && (INVISIBLE.test(ch) || cp === 0xfffd)) {
    const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
    const name = NAMES[cp];
    return name ? `${code} ${name}` : code;
  }
  return JSON.stringify(ch);
}
