/** Go to definition, find references and rename, for blocks, block parameters and layer labels (see names.ts). */
import { ResponseError, ErrorCodes, type Location, type Position, type Range, type WorkspaceEdit } from "vscode-languageserver";
import { OPTION_WORDS, RESERVED } from "../../compiler/layers/registry.js";
import { toOffset, toRange, type Analysis } from "./analysis.js";
import { nameAt, type NameSymbol } from "./names.js";

function symbolAt(a: Analysis, position: Position): NameSymbol | undefined {
  return a.program ? nameAt(a.program, a.statements, toOffset(a, position)) : undefined;
}

export function definition(a: Analysis, position: Position): Location | null {
  const sym = symbolAt(a, position);
  return sym?.declaration ? { uri: a.uri, range: toRange(a, sym.declaration) } : null;
}

export function references(a: Analysis, position: Position, includeDeclaration: boolean): Location[] {
  const sym = symbolAt(a, position);
  if (!sym) return [];
  return sym.occurrences.filter((s) => includeDeclaration || s !== sym.declaration).map((s) => ({ uri: a.uri, range: toRange(a, s) }));
}

/** The range of the name under the cursor, when it can be renamed. */
export function prepareRename(a: Analysis, position: Position): Range | null {
  const sym = symbolAt(a, position);
  if (!sym) return null;
  const offset = toOffset(a, position);
  const here = sym.occurrences.find((s) => s.start <= offset && offset <= s.end);
  return here ? toRange(a, here) : null;
}

/** A workspace edit renaming every occurrence; a new name that is not a name, or is a word of the language, is refused. */
export function rename(a: Analysis, position: Position, newName: string): WorkspaceEdit | null {
  const sym = symbolAt(a, position);
  if (!sym) return null;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) throw new ResponseError(ErrorCodes.InvalidParams, `'${newName}' is not a name: use letters, digits and _, not starting with a digit`);
  const refused = refusal(a, sym, newName);
  if (refused) throw new ResponseError(ErrorCodes.InvalidParams, refused);
  return { changes: { [a.uri]: sym.occurrences.map((s) => ({ range: toRange(a, s), newText: newName })) } };
}

/** Why `name` cannot be the symbol's new name, or undefined: the words the checker refuses as names (NN2014), and names already taken. */
function refusal(a: Analysis, sym: NameSymbol, name: string): string | undefined {
  if (RESERVED.has(name) || (sym.kind === "parameter" && OPTION_WORDS.has(name))) return `'${name}' is a word of the nnspec language and cannot name ${sym.kind === "parameter" ? "a block parameter" : `a ${sym.kind}`}`;
  if (name === sym.name) return undefined;
  if (sym.kind === "block" && a.program!.blocks.some((b) => b.name.text === name)) return `a block '${name}' already exists`;
  if (sym.kind === "parameter" && sym.block!.params.some((p) => p.text === name)) return `${sym.block!.name.text} already has a parameter '${name}'`;
  return undefined;
}
