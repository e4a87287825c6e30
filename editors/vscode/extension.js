// The nnspec extension: starts the installed `nnspec lsp` (setting nnspec.path) and connects VS Code to it.
// Diagnostics, hints, hover, completion, navigation, fixes and formatting all come from the server.
"use strict";
const path = require("node:path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

/** The command from the setting; a relative path (./node_modules/.bin/nnspec) is taken from the first workspace folder. */
function serverCommand() {
  const configured = vscode.workspace.getConfiguration("nnspec").get("path") || "nnspec";
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const relative = configured.startsWith("./") || configured.startsWith("../");
  return relative && folder ? path.resolve(folder, configured) : configured;
}

async function start() {
  const command = serverCommand();
  // TransportKind.stdio adds --stdio, which `nnspec lsp` accepts. On Windows, npm's shims are .cmd files: run through the shell.
  const run = { command, args: ["lsp"], transport: TransportKind.stdio, options: { shell: process.platform === "win32" } };
  try {
    client = new LanguageClient("nnspec", "nnspec", { run, debug: run }, { documentSelector: [{ language: "nnspec" }] });
    await client.start();
  } catch (e) {
    client = undefined;
    vscode.window.showErrorMessage(`nnspec: could not start \`${command} lsp\` (${e instanceof Error ? e.message : e}). Install nnspec (npm install -g nnspec) or set nnspec.path.`);
  }
}

async function activate(context) {
  await start();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("nnspec.path")) return;
      await client?.stop();
      await start();
    }),
  );
}

function deactivate() {
  return client?.stop();
}

module.exports = { activate, deactivate };
