/** `nnspec check --fix FILE…`: apply the unambiguous suggestions, rewrite each changed file atomically, say what changed. */
import { checkSource, type CheckOutput } from "../compiler/index.js";
import { fixSource, type AppliedFix } from "../compiler/fix-source.js";
import { displayPath } from "../diagnostics/display.js";
import { writeFileAtomicSync } from "../runtime/io/atomic.js";
import { readSpec, UsageError } from "./io.js";
import { STDIN_ARG } from "./stdin.js";

export interface FixedFile {
  path: string;
  /** The file checked again after its fixes (what remains). */
  result: CheckOutput;
  fixes: (AppliedFix & { line: number; column: number })[];
}

/** Fix every file (all are read first, so an unreadable one stops the run before anything is written). */
export function fixFiles(files: string[]): FixedFile[] {
  if (files.includes(STDIN_ARG)) throw new UsageError(`check --fix rewrites files and cannot fix standard input (${STDIN_ARG}); give the spec's file name`);
  const contents = files.map((f) => readSpec(f));
  return files.map((path, i) => {
    const { bytes, size } = contents[i]!;
    const first = checkSource(path, bytes, size);
    // A file that cannot be decoded (not UTF-8, binary, too large) has nothing to fix.
    if (!first.file) return { path, result: first, fixes: [] };
    const fixed = fixSource(path, first.file.text);
    if (fixed.fixes.length === 0) return { path, result: first, fixes: [] };
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "\ufeff" : "";
    writeFileAtomicSync(path, new TextEncoder().encode(bom + fixed.text));
    const result = checkSource(path, fixed.text);
    const fixes = fixed.fixes.map((f) => ({ ...f, ...result.file!.position(f.offset) }));
    return { path, result, fixes };
  });
}

/** `file:line:col: fixed NN3003: add `flatten` before it`, one line per fix. */
export function fixLines(files: readonly FixedFile[]): string[] {
  return files.flatMap((f) => f.fixes.map((x) => `${displayPath(f.path)}:${x.line}:${x.column}: fixed ${x.code}: ${x.message}`));
}
