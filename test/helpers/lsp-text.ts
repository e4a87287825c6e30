/** The 0-based line and UTF-16 character (an LSP position) of the first occurrence of `needle` in `text` (ASCII lines). */
export function at(text: string, needle: string): { line: number; character: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`no ${JSON.stringify(needle)} in the text`);
  const before = text.slice(0, offset).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}
