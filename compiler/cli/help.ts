/** Help texts of the CLI. */
export const HELP = `nnspec — define, check and train neural networks

Usage:
  nnspec check [--format text|json] FILE...      check specs; report every mistake
  nnspec summary [--format text|json] [--model NAME] [--batch N] FILE
                                                  layers, shapes, parameters, FLOPs, memory
  nnspec compile FILE [--model NAME] [-o DIR] [--dtype f32|f64] [--js] [--runtime SPECIFIER]
                                                  write a TypeScript module per model
  nnspec --help | --version

Exit status: 0 no errors (warnings allowed), 1 errors in a spec, 2 usage or file problems.
Run \`nnspec COMMAND --help\` for a command's options.`;

export const COMMAND_HELP: Record<string, string> = {
  check: `Usage: nnspec check [--format text|json] FILE...

Parses and shape-checks each file and reports every error and warning with
its place, the arithmetic where it helps, and a fix.

Options:
  --format text|json   text (default) on stderr, or one JSON document on stdout:
                       {"diagnostics":[{"severity","code","message","help","span","related"}]}
  -h, --help           this help`,
  compile: `Usage: nnspec compile FILE [--model NAME] [-o DIR] [--dtype f32|f64] [--js] [--runtime SPECIFIER]

Checks FILE and writes one <model>.ts per model (all models unless --model),
with createModel(), forward, backward, loss and trainStep specialised to the
model's shapes. A spec with errors writes nothing.

Options:
  --model NAME         only this model
  -o, --out DIR        output folder (default: the current folder)
  --dtype f32|f64      float32 (default) or float64 arithmetic
  --js                 also write <model>.js and <model>.d.ts, for plain Node
  --runtime SPECIFIER  how the module imports the runtime (default: nnspec/runtime)
  -h, --help           this help`,
  summary: `Usage: nnspec summary [--format text|json] [--model NAME] [--batch N] FILE

Prints a table per model: each layer's name, kind, output shape, parameters and
FLOPs, then the totals: parameters (and bytes), forward FLOPs, activation
memory per example.

Options:
  --format text|json   text table (default) or JSON:
                       {"models":[{"name","inputShape","outputShape","params","flops",
                       "activationBytes","layers":[…]}],"diagnostics":[…]}
  --model NAME         only this model
  --batch N            also report the bytes of the compiled model's memory plan
                       (parameters, gradients, activations, scratch) for batches of N
  -h, --help           this help`,
};

