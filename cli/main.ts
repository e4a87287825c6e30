/**
 * The `nnspec` command line: dispatches to one module per command and turns
 * errors into exit codes (errors.ts, the one error boundary). `check` and `summary` load only the front end
 * (grammar + checker); heavier commands load their code on demand.
 */
import { check } from "./check.js";
import { closest } from "../diagnostics/suggest.js";
import { COMMAND_HELP, HELP } from "./help.js";
import { wantsHelp } from "./args.js";
import { UsageError } from "./io.js";
import { reportError } from "./errors.js";
import { summary } from "./summary.js";
import { nnspecVersion } from "../compiler/emit/version.js";


export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (e) {
    return reportError(e);
  }
}

const COMMANDS = ["check", "summary", "compile", "typegen", "train", "eval", "predict", "export", "fmt", "lsp"] as const;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") {
    process.stdout.write(HELP + "\n");
    return command === undefined ? 2 : 0;
  }
  if (command === "help") return help(rest);
  if (command === "--version" || command === "-v") {
    process.stdout.write(`nnspec ${nnspecVersion()}\n`);
    return 0;
  }
  if ((COMMANDS as readonly string[]).includes(command) && wantsHelp(rest)) {
    process.stdout.write(COMMAND_HELP[command] + "\n");
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
    case "lsp":
      return (await import("./lsp/server.js")).lsp(rest);
    case "fmt":
      return (await import("./fmt.js")).fmt(rest);
    default:
      if (command.startsWith("-") && command !== "-") {
        const near = closest(command.replace(/^-+/, ""), ["help", "version"]);
        throw new UsageError(`unknown option ${command} before the command${near !== undefined ? `; did you mean --${near}?` : ""} (usage: nnspec COMMAND [options] FILE; try: nnspec --help)`);
      }
      throw new UsageError(`unknown command '${command}'; ${commandHint(command)} (try: nnspec --help)`);
  }
}

/** `nnspec help [COMMAND]`: the overview, or that command's help. */
function help(args: string[]): number {
  if (args.length === 0 || (args.length === 1 && (args[0] === "--help" || args[0] === "-h"))) {
    process.stdout.write(HELP + "\n");
    return 0;
  }
  if (args.length > 1) throw new UsageError(`help takes one COMMAND, got ${args.length} words (try: nnspec help ${args[0]})`);
  const text = Object.prototype.hasOwnProperty.call(COMMAND_HELP, args[0]!) ? COMMAND_HELP[args[0]!] : undefined;
  if (text === undefined) throw new UsageError(`no command '${args[0]}'; ${commandHint(args[0]!)}`);
  process.stdout.write(text + "\n");
  return 0;
}

/** "did you mean 'compile'?" or the list of commands. */
function commandHint(word: string): string {
  const near = closest(word, COMMANDS);
  return near !== undefined ? `did you mean '${near}'?` : `the commands are ${COMMANDS.join(", ")}`;
}
