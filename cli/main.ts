/**
 * The `nnspec` command line: dispatches to one module per command and turns
 * errors into exit codes. `check` and `summary` load only the front end
 * (grammar + checker); heavier commands load their code on demand.
 */
import { InternalError } from "../compiler/index.js";
import { check } from "./check.js";
import { HELP } from "./help.js";
import { UsageError } from "./io.js";
import { summary } from "./summary.js";
import { nnspecVersion } from "../compiler/emit/version.js";


export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`nnspec: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && e.constructor.name === "SpecError") return 1; // diagnostics already printed
    if (e instanceof InternalError) {
      process.stderr.write(`nnspec: internal error: ${e.message}\n`);
      return 3;
    }
    throw e;
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(HELP + "\n");
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`nnspec ${nnspecVersion()}\n`);
    return 0;
  }
  switch (command) {
    case "check":
      return check(rest);
    case "summary":
      return summary(rest);
    case "compile":
      return (await import("./compile.js")).compile(rest);
    case "typegen":
      return (await import("./typegen.js")).typegen(rest);
    case "train":
      return (await import("./train.js")).train(rest);
    case "eval":
      return (await import("./evaluate.js")).evalCommand(rest);
    case "predict":
      return (await import("./evaluate.js")).predictCommand(rest);
    case "export":
      return (await import("./export.js")).exportCommand(rest);
    default:
      throw new UsageError(`unknown command '${command}' (try: nnspec --help)`);
  }
}
