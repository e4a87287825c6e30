/** Bytes of a file → source text, refusing what is not a text file before any parsing. */
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { SourceFile } from "../diagnostics/source.js";

/** Larger files are refused unread (real specs are a few kilobytes). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export function decodeSource(path: string, bytes: Uint8Array, bag: DiagnosticBag, size = bytes.length): SourceFile | undefined {
  if (size > MAX_FILE_BYTES) {
    const file = new SourceFile(path, "");
    bag.report("NN1008", file, { start: 0, end: 0 }, { size: size === MAX_FILE_BYTES + 1 ? `more than ${MAX_FILE_BYTES} bytes` : `${size} bytes`, limit: MAX_FILE_BYTES });
    return undefined;
  }
  let text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(bytes);
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const file = new SourceFile(path, text);
    bag.report("NN1005", file, { start: nul, end: nul + 1 }, {});
    return undefined;
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const prefix = new TextDecoder("utf-8").decode(bytes.subarray(0, bad));
    const file = new SourceFile(path, text);
    const at = prefix.length + (prefix.charCodeAt(0) === 0xfeff ? -1 : 0);
    bag.report("NN1004", file, { start: Math.max(0, at), end: Math.max(0, at) + 1 }, { offset: bad });
    return undefined;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return new SourceFile(path, text);
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) (need = 1), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (need = 2), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
