/**
 * `nnspec lsp`: the language server on stdio. Documents are checked on open
 * and, debounced, on change; every request reads the latest check of its
 * document (checking it first if an edit is still pending). Each feature is
 * its own file; this one only wires them to the connection.
 */
import { createConnection, ProposedFeatures, TextDocumentSyncKind, type Connection } from "vscode-languageserver/node";
import type { Analysis } from "./analysis.js";
import { guard } from "./guard.js";
import { Workspace } from "./workspace.js";
import { UsageError } from "../io.js";
import { inlayHints } from "./hints.js";
import { hover } from "./hover.js";

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const workspace = new Workspace(connection);
  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      inlayHintProvider: true,
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
  workspace.documents.listen(connection);
  connection.listen();
  return connection;
}

/** `nnspec lsp [--stdio]`: serve on stdin and stdout until the client exits (stdio is the only transport). */
export function lsp(args: string[]): Promise<number> {
  const unknown = args.find((x) => x !== "--stdio");
  if (unknown !== undefined) throw new UsageError(`nnspec lsp takes no arguments besides --stdio, got '${unknown}' (it is started by an editor; see docs/editors.md)`);
  const connection = startServer();
  return new Promise((resolve) => connection.onExit(() => resolve(0)));
}
