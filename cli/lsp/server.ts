/**
 * `nnspec lsp`: the language server on stdio. Documents are checked on open
 * and, debounced, on change; every request reads the latest check of its
 * document (checking it first if an edit is still pending). Each feature is
 * its own file; this one only wires them to the connection.
 */
import { CodeActionKind, createConnection, ProposedFeatures, TextDocumentSyncKind, type Connection } from "vscode-languageserver/node";
import type { Analysis } from "./analysis.js";
import { guard } from "./guard.js";
import { Workspace } from "./workspace.js";
import { parse } from "../args.js";
import { inlayHints } from "./hints.js";
import { hover } from "./hover.js";
import { completion } from "./completion.js";
import { definition, prepareRename, references, rename } from "./navigation.js";
import { documentSymbols } from "./symbols.js";
import { codeActions } from "./actions.js";
import { LEGEND, semanticTokens } from "./tokens.js";
import { formatDocument } from "./formatting.js";

export function startServer(connection: Connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout)): Connection {
  const workspace = new Workspace(connection);
  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      inlayHintProvider: true,
      completionProvider: { triggerCharacters: [">"] },
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      documentSymbolProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      semanticTokensProvider: { legend: LEGEND, full: true },
      documentFormattingProvider: true,
    },
    serverInfo: { name: "nnspec" },
  }));
  /** Answer a request about a document from its latest check; null for a document that is not open. */
  const on =
    <P extends { textDocument: { uri: string } }, R>(f: (a: Analysis, p: P) => R) =>
    (p: P): R | null => {
      const a = workspace.get(p.textDocument.uri);
      return a ? guard(() => f(a, p)) : null;
    };
  connection.onHover(on((a, p) => hover(a, p.position)));
  connection.languages.inlayHint.on(on((a, p) => inlayHints(a, p.range)));
  connection.onCompletion(on((a, p) => completion(a, p.position)));
  connection.onDefinition(on((a, p) => definition(a, p.position)));
  connection.onReferences(on((a, p) => references(a, p.position, p.context.includeDeclaration)));
  connection.onPrepareRename(on((a, p) => prepareRename(a, p.position)));
  // A refused new name is an error the editor shows (ResponseError), so rename is not guarded.
  connection.onRenameRequest((p) => {
    const a = workspace.get(p.textDocument.uri);
    return a ? rename(a, p.position, p.newName) : null;
  });
  connection.onDocumentSymbol(on((a) => documentSymbols(a)));
  connection.onCodeAction(on((a, p) => codeActions(a, p.range)));
  connection.languages.semanticTokens.on(on((a) => semanticTokens(a)));
  connection.onDocumentFormatting((p) => {
    const a = workspace.get(p.textDocument.uri);
    return a ? guard(() => formatDocument(a)) : null;
  });
  workspace.documents.listen(connection);
  connection.listen();
  return connection;
}

/** `nnspec lsp [--stdio]`: serve on stdin and stdout until the client exits (stdio is the only transport). */
export function lsp(args: string[]): Promise<number> {
  parse("lsp", args, { stdio: { type: "boolean" } }, "none");
  const connection = startServer();
  return new Promise((resolve) => connection.onExit(() => resolve(0)));
}
