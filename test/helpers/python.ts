/**
 * The system Python with Debian's torch and onnx (`/usr/bin/python3`, never
 * another python on PATH), for the tests that use PyTorch and onnx.checker as
 * independent oracles. Missing, it is a failing test naming the install
 * command, never a skip. One process per test file: importing torch takes
 * about two seconds.
 */
import { spawn } from "node:child_process";

export const PYTHON = "/usr/bin/python3";
export const INSTALL = "apt-get update && apt-get install -y python3-torch python3-onnx";

export interface PythonRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface PythonProcess {
  /** Write a line to its stdin. */
  send(line: string): void;
  /** Close its stdin and wait for it to end; rejects with the install command when python3 or a module is missing. */
  finish(): Promise<PythonRun>;
}

/**
 * Start `python3 args…` now (so that importing torch overlaps the test's own
 * preparation) with one thread per library (the machine's cores are shared).
 */
export function startPython(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): PythonProcess {
  const child = spawn(PYTHON, args, { cwd: opts.cwd, env: { ...process.env, OMP_NUM_THREADS: "1", ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.on("error", () => {}); // a process that died early: reported by finish()
  const done = new Promise<PythonRun>((resolve, reject) => {
    child.on("error", (e) => reject(new Error(`${PYTHON} cannot run (${e.message}); install it with: ${INSTALL}`)));
    child.on("close", (status) => {
      const missing = /ModuleNotFoundError: No module named '(torch|onnx|numpy)'/.exec(stderr);
      if (missing) reject(new Error(`${PYTHON} has no ${missing[1]}; install it with: ${INSTALL}\n${stderr}`));
      else resolve({ status, stdout, stderr });
    });
  });
  return {
    send: (line) => void child.stdin.write(`${line}\n`),
    finish() {
      child.stdin.end();
      return done;
    },
  };
}

/** Run `python3 args…` to its end. */
export function python(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PythonRun> {
  return startPython(args, opts).finish();
}
