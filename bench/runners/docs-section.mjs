// Writes browser.mjs's tables into docs/performance.md, between two markers in
// its "In the browser" section (the text around them is written by hand).
import { readFileSync, writeFileSync } from "node:fs";

const BEGIN = "<!-- bench:browser begin (written by node bench/browser.mjs --write-docs) -->";
const END = "<!-- bench:browser end -->";

export function writeDocsSection(file, markdown) {
  const text = readFileSync(file, "utf8");
  const i = text.indexOf(BEGIN);
  const j = text.indexOf(END);
  if (i < 0 || j < i) throw new Error(`${file}: no "${BEGIN}" … "${END}" markers to write the browser tables between`);
  writeFileSync(file, `${text.slice(0, i + BEGIN.length)}\n\n${markdown}\n\n${text.slice(j)}`);
  process.stderr.write(`wrote the tables into ${file}\n`);
}
