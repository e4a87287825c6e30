/** Quantities as people read them; a leaf module, so the checker, summaries and commands print them alike. */

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * Bytes in binary units. `table` (summaries): whole bytes below 1 KiB, then
 * three figures up to TiB (`160 B`, `78.1 KiB`, `3.67 MiB`). `limit` (the
 * checker's too-large messages, which can reach absurd sizes): three
 * significant figures in every unit up to EiB (`4.00 GiB`).
 */
export function formatBytes(bytes: number, style: "table" | "limit" = "table"): string {
  const top = style === "table" ? 4 : BYTE_UNITS.length - 1;
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < top) (v /= 1024), i++;
  if (style === "limit") return `${v.toPrecision(3)} ${BYTE_UNITS[i]}`;
  if (i === 0) return `${bytes} B`;
  return `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${BYTE_UNITS[i]}`;
}
