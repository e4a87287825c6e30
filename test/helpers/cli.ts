import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { requireBuilt } from "./build.js";
import { ROOT } from "./root.js";

export { ROOT };

/** The CLI; a test that runs it without nnspec()/nnspecAsync() calls requireBuilt("cli") first. */
export const BIN = fileURLToPath(new URL("../../bin/nnspec.js", import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the built CLI as a user would: bin/nnspec.js loads dist/ (`npm test`
 * builds it first; a dist/ older than its sources throws, see build.ts).
 */
export function nnspec(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  requireBuilt("cli");
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...opts.env },
    input: opts.input,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like `nnspec`, but asynchronous, so independent runs overlap; `node` adds flags for Node itself. */
export function nnspecAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; node?: string[] } = {}): Promise<CliResult> {
  requireBuilt("cli");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.node ?? []), BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Many runs of the built CLI that end in its argument parser, in one Node
 * process (helpers/cli-many.mjs calls main() for each, as bin/nnspec.js does):
 * a process per run costs ~0.3 s of CPU. For runs that read no stdin.
 */
export function nnspecMany(runs: string[][], opts: { cwd?: string } = {}): CliResult[] {
  requireBuilt("cli");
  const r = spawnSync(process.execPath, [fileURLToPath(new URL("./cli-many.mjs", import.meta.url))], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
    input: JSON.stringify(runs),
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`cli-many.mjs exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as CliResult[];
}
