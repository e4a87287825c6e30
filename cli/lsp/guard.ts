/** Request handlers never fail the request: on an exception (a bug in nnspec) the answer is empty and the error goes to stderr, not to the editor on every keystroke. */
export function guard<T>(f: () => T): T | null {
  try {
    return f();
  } catch (e) {
    process.stderr.write(`nnspec lsp: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return null;
  }
}

