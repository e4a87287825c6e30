/** Suggestions the layers' shape rules share (the edits come from diagnostics/fix.ts). */
import type { Suggestion } from "../../diagnostics/diagnostic.js";
import { fix, insert, insertStatementBefore } from "../../diagnostics/fix.js";
import type { InferContext } from "./types.js";

/** `flatten` before this statement: a layer that needs a vector after a feature map (NN3003). */
export function addFlatten(ctx: InferContext): Suggestion {
  return fix("add `flatten` before it", [insertStatementBefore(ctx.file, ctx.span, "flatten")], true);
}

/** An option (`pad 1`, `floor`) added after the statement's words, before its assertion; undefined when the statement already names it. */
export function addOption(ctx: InferContext, name: string, words: string, applicable: boolean): Suggestion | undefined {
  if (ctx.written.has(name)) return undefined;
  return fix(`add \`${words}\``, [insert(ctx.file, ctx.wordsEnd, ` ${words}`)], applicable);
}
