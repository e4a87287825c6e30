/**
 * An LSP client over the stdio of a real `nnspec lsp` (bin/nnspec.js, built):
 * one server process per test file. Opens and edits documents and waits for
 * the diagnostics the server publishes for a given version.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import type { PublishDiagnosticsParams } from "vscode-languageserver-protocol";
import { afterAll, beforeAll, expect } from "vitest";
import { BIN, ROOT } from "./cli.js";
import { requireBuilt } from "./build.js";

export class LspClient {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  /** Everything the server wrote to stderr (a crash's stack trace lands here). */
  stderr = "";
  private readonly versions = new Map<string, number>();
  private readonly published = new Map<string, PublishDiagnosticsParams>();
  private readonly waiters: { uri: string; version: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];

  constructor(args: string[] = ["lsp"]) {
    requireBuilt("cli");
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      this.published.set(p.uri, p);
      for (const w of [...this.waiters]) {
        if (w.uri === p.uri && (p.version ?? -1) >= w.version) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    this.connection.listen();
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async initialize(): Promise<Record<string, unknown>> {
    const r = await this.request<{ capabilities: Record<string, unknown> }>("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
    await this.connection.sendNotification("initialized", {});
    return r.capabilities;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  /** Open a document; resolves with the diagnostics published for it. */
  open(uri: string, text: string): Promise<PublishDiagnosticsParams> {
    this.versions.set(uri, 1);
    const done = this.diagnostics(uri, 1);
    void this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "nnspec", version: 1, text } });
    return done;
  }

  /** Replace a document's whole text; resolves with the diagnostics published for the new version. */
  change(uri: string, text: string): Promise<PublishDiagnosticsParams> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const done = this.diagnostics(uri, version);
    void this.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
    return done;
  }

  close(uri: string): void {
    void this.connection.sendNotification("textDocument/didClose", { textDocument: { uri } });
  }

  /** The diagnostics published for `version` (or a later one) of a document. */
  diagnostics(uri: string, version: number): Promise<PublishDiagnosticsParams> {
    const have = this.published.get(uri);
    if (have && (have.version ?? -1) >= version) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  async shutdown(): Promise<void> {
    if (!this.exited) {
      await this.request("shutdown", null);
      await this.connection.sendNotification("exit");
      await new Promise((resolve) => (this.exited ? resolve(null) : this.child.once("exit", resolve)));
    }
    this.connection.dispose();
  }
}

/**
 * One server for a test file: started and initialised before its tests,
 * shut down after them, and it must not have exited early nor written to
 * stderr. `use` receives the client (the file keeps it in its own variable).
 */
export function serverForFile(use: (client: LspClient) => void): void {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient();
    await client.initialize();
    use(client);
  });
  afterAll(async () => {
    expect(client.exited).toBe(false);
    await client.shutdown();
    expect(client.stderr).toBe("");
  });
}
