/** The open documents and their latest checks: checked on open and, debounced, on change; requests check a pending edit first. */
import type { Connection } from "vscode-languageserver";
import { TextDocuments } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { analyze, type Analysis } from "./analysis.js";
import { lspDiagnostics } from "./diagnostics.js";

/** Quiet time after an edit before the document is checked again. */
export const DEBOUNCE_MS = 15;

export class Workspace {
  readonly documents = new TextDocuments(TextDocument);
  private readonly cache = new Map<string, { version: number; analysis: Analysis }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly connection: Connection) {
    this.documents.onDidOpen((e) => this.publish(e.document.uri));
    this.documents.onDidChangeContent((e) => this.schedule(e.document.uri));
    this.documents.onDidClose((e) => {
      clearTimeout(this.timers.get(e.document.uri));
      this.timers.delete(e.document.uri);
      this.cache.delete(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
  }

  /** The check of a document's current text (undefined for a document that is not open). */
  get(uri: string): Analysis | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const hit = this.cache.get(uri);
    if (hit?.version === doc.version) return hit.analysis;
    let analysis: Analysis;
    try {
      analysis = analyze(uri, doc.getText());
    } catch (e) {
      // A bug in the checker: say so in the log, keep serving the document as unchecked.
      this.connection.console.error(e instanceof Error ? e.message : String(e));
      analysis = analyze(uri, "");
    }
    this.cache.set(uri, { version: doc.version, analysis });
    return analysis;
  }

  private schedule(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(uri, setTimeout(() => this.publish(uri), DEBOUNCE_MS));
  }

  private publish(uri: string): void {
    this.timers.delete(uri);
    const doc = this.documents.get(uri);
    const a = this.get(uri);
    if (!doc || !a) return;
    void this.connection.sendDiagnostics({ uri, version: doc.version, diagnostics: lspDiagnostics(a) });
  }
}

