/** Help texts of the CLI. */
import { KERNEL_HELP } from "./kernels.js";
import { DEFAULT_RUNTIME } from "../compiler/emit/runtime-specifier.js";
export const HELP = `nnspec — define, check and train neural networks

Usage:
  nnspec check [--format text|json] FILE...      check specs (- reads one from stdin); report every mistake
  nnspec check --fix FILE...                     apply the unambiguous fixes, then report what remains
  nnspec fmt [--check] FILE|DIR...               rewrite specs in the canonical layout (--check: list, exit 1)
  nnspec summary [--format text|json] [--model NAME] [--batch N] FILE|-
                                                  layers, shapes, parameters, FLOPs, memory
  nnspec compile FILE [--model NAME] [-o DIR] [--dtype f32|f64] [--js] [--runtime SPECIFIER] [--force]
                                                  write a TypeScript module per model
  nnspec typegen FILE...                         write FILE.d.ts beside each spec, for bundler imports
  nnspec train FILE --data mnist|DIR [--epochs N] [--batch N] [--optimizer sgd|momentum|adam]
               [--lr X] [--seed N] [--out W.safetensors] [--metrics M.json] [--resume W.safetensors]
               [--threads N] [--kernels wasm|js]
                                                  train, evaluate every epoch, save weights
  nnspec eval FILE --weights W.safetensors --data mnist|DIR
                                                  loss, accuracy and confusion matrix, or MSE
  nnspec predict FILE --weights W.safetensors --input X.npy [--output Y.npy]
                                                  predictions for new inputs
  nnspec export FILE --onnx OUT.onnx [--weights W.safetensors] [--opset N] [--seed N]
  nnspec export FILE --pytorch DIR [--weights W.safetensors] [--seed N]
               [--external-data]                  the model and its weights as ONNX
  nnspec lsp                                      the language server an editor starts (stdio)
  nnspec help COMMAND                             a command's options (also: nnspec COMMAND --help)
  nnspec --help | --version

Options take two dashes (--out DIR or --out=DIR); the few one-letter forms
(-o DIR, -q, -h) take their value as the next argument. -- ends the options.
Exit status: 0 no errors (warnings allowed), 1 errors in a spec, 2 usage or file problems.`;

export const COMMAND_HELP: Record<string, string> = {
  check: `Usage: nnspec check [--fix] [--format text|json] FILE...

Parses and shape-checks each file and reports every error and warning with
its place, the arithmetic where it helps, and a fix. A FILE of - is the spec
on standard input (shown as <stdin>; at most 16 MiB, like a file).

Options:
  --fix                apply the fixes that are unambiguous (a misspelt name
                       with one candidate, a missing flatten, …), rewriting each
                       changed file atomically; print each change
                       (file:line:col: fixed CODE: what), then what remains.
                       The exit status is that of what remains. Not for stdin.
  --format text|json   text (default) on stderr, or one JSON document on stdout:
                       {"diagnostics":[{"severity","code","message","help","span","related","suggestions"}]}
                       (with --fix, also "fixed":[{"file","line","column","code","message"}])
  -h, --help           this help`,
  fmt: `Usage: nnspec fmt [--check] FILE|DIR...

Rewrites each spec in the canonical layout (docs/language.md, "Formatting"):
two-space indentation, one blank between words, shape assertions (-> …)
aligned within each model and block, end-of-line comments aligned, at most
one blank line in a row. Only blanks change: the words, comments, line
breaks and the comma style (conv 3x3 x6, relu) stay as written, so the
meaning never changes, and weights trained before still load (they record
the spec's words hash, which formatting keeps). A file is written
(atomically) only when it changes; each one is named on stderr. A file with
syntax errors is left alone and its errors are printed (exit 1). A FILE
of - is standard input, written formatted to standard output. A DIR stands
for the .nnspec files under it (node_modules, dist and dot folders
skipped): nnspec fmt --check specs/

Options:
  --check              change nothing: list the files that would change on
                       stdout and exit 1 if there are any (for CI), else 0
  -h, --help           this help`,
  compile: `Usage: nnspec compile FILE [--model NAME] [-o DIR] [--dtype f32|f64] [--js] [--runtime SPECIFIER] [--force]

Checks FILE and writes one <model>.ts per model (all models unless --model),
with createModel(), forward, backward, loss and trainStep specialised to the
model's shapes. A spec with errors writes nothing.

Options:
  --model NAME         only this model
  -o, --out DIR        output folder (default: the current folder)
  --dtype f32|f64      float32 (default) or float64 arithmetic
  --js                 also write <model>.js and <model>.d.ts, for plain Node
  --runtime SPECIFIER  how the module imports the runtime (default: ${DEFAULT_RUNTIME})
  --force              overwrite existing files in DIR that nnspec did not generate
  -h, --help           this help`,
  typegen: `Usage: nnspec typegen [--runtime SPECIFIER] [--force] FILE...

Writes FILE.d.ts beside each spec: the types of the module the nnspec Vite
and esbuild plugins generate when an app imports FILE, with the model's
literal shapes. TypeScript picks them up under "moduleResolution": "bundler".
For a file with several models, one declaration per model matches the
imports that pick one (FILE?model=NAME). See docs/api.md. A spec with errors
writes nothing.

Options:
  --runtime SPECIFIER  the runtime the declarations import (default: ${DEFAULT_RUNTIME})
  --force              overwrite an existing FILE.d.ts that nnspec did not generate
  -h, --help           this help`,
  train: `Usage: nnspec train FILE --data mnist|DIR [options]

Compiles the model in memory, trains it, evaluates it on the held-out split
after every epoch, and saves its weights (safetensors, written atomically
after every epoch). Ctrl-C (or SIGTERM) stops after the step in progress,
saves it and exits 130; continue with --resume. A second Ctrl-C quits at once
without saving (the last checkpoint stays whole). A NaN or infinite loss stops
the run (exit 1) with the last good weights saved. The same seed gives the
same run, bit for bit.

Data:
  --data mnist         the 10,000 real MNIST digits of the mnist package, split
                       into 8,000 for training and 2,000 held out
  --data DIR           DIR/train_x.npy, train_y.npy, test_x.npy, test_y.npy: inputs
                       [N, …input shape] as float32 (or uint8, scaled by 1/255);
                       class labels [N] (softmax models) or float targets [N, outputs]

Options:
  --model NAME         the model to train, when the file has several
  --epochs N           epochs to train (default 10; with --resume, the total)
  --batch N            batch size (default 32; at most 65,536)
  --optimizer NAME     sgd, momentum (default; 0.9) or adam
  --lr X               learning rate (default: sgd 0.01, momentum 0.01, adam 0.001)
  --schedule NAME      constant (default) or cosine (the rate falls from X to 0 over
                       --epochs, step by step)
  --seed N             seed of initialisation, shuffling and dropout (default 0)
  --augment N          shift each training image by up to N pixels (random, seeded)
  -o, --out FILE       weights file (default MODEL.safetensors); the optimizer state
                       goes beside it in FILE.optim.safetensors, for --resume
  --metrics FILE       write per-epoch loss and accuracy as JSON after every epoch
                       (trainLoss is the objective with the L2 term; testLoss the
                       data loss alone); with --resume, the list is continued
  --resume FILE        continue from a checkpoint written by train, with its settings
                       (optimizer, lr, seed, batch, schedule, augment, threads,
                       kernels) unless given
  --force              load weights even if they were trained for another spec, and
                       overwrite an existing --out/--metrics nnspec did not write
  --limit N            use only the first N training examples (and N/4 held out)
  -q, --quiet          one line per epoch, no progress bar (also when not a TTY)
${KERNEL_HELP}
  -h, --help           this help`,
  eval: `Usage: nnspec eval FILE --weights W.safetensors --data mnist|DIR [options]

Loss, accuracy and the confusion matrix (classification) or the MSE
(regression) of trained weights on the held-out split.

Options:
  --weights FILE       weights saved by nnspec train (required)
  --data mnist|DIR     the data, as for train (required)
  --model NAME         the model, when the file has several
  --split test|train   which split to evaluate (default test)
  --batch N            batch size (default 256)
  --format text|json   text (default) or JSON
  --force              load weights even if they were trained for another spec
  --limit N            use only the first N examples (N/4 held out)
${KERNEL_HELP}
  -h, --help           this help`,
  predict: `Usage: nnspec predict FILE --weights W.safetensors --input X.npy [--output Y.npy]

Runs the model in inference mode on the inputs in X.npy ([N, …input shape] or
flat [N, features], float32 or uint8 scaled by 1/255) and prints the predicted class and its
probability (softmax models) or the outputs, or writes them to Y.npy.

Options:
  --weights FILE       weights saved by nnspec train (required)
  --input FILE         the inputs, a .npy file (required)
  --output FILE        write the predictions to this .npy file instead of printing them
  --model NAME         the model, when the file has several
  --format text|json   text (default) or JSON
  --force              load weights even if they were trained for another spec, and
                       overwrite an existing --output that is not a .npy file
${KERNEL_HELP}
  -h, --help           this help`,
  export: `Usage: nnspec export FILE --onnx OUT.onnx [--weights W.safetensors] [options]
       nnspec export FILE --pytorch DIR [--weights W.safetensors] [options]

Writes the model as an ONNX file (written atomically) that ONNX Runtime and
other engines can run: input \`input\` [batch, …input shape] with a symbolic
batch dimension, outputs \`logits\` and \`probabilities\` (softmax loss) or
\`output\`; node names are the spec's layer names, the weights float32
initializers under their nnspec names (conv1.weight, …). Inference only:
dropout is an Identity, batchnorm uses its running statistics. The same spec
and weights give the same bytes. See docs/interop.md.

An ONNX file holds at most 2 GiB: a model whose weights take more (over
1.875 GiB, leaving room for the graph) is written as OUT.onnx plus its weights
in OUT.onnx.data beside it (ONNX external data; keep the two files together).
The data file is written first, then the model file.

--pytorch DIR writes DIR/MODEL.py, a torch.nn.Module whose state_dict keys are
nnspec's tensor names (batchnorm: gamma, beta, mean, var), with the loss and
safetensors load_weights/save_weights; DIR/train_ddp.py, which trains it with
DistributedDataParallel under torchrun on the .npy data of train --data DIR and
saves weights nnspec eval, predict and export take; and DIR/init.safetensors,
the weights to start from. See docs/interop.md, "Scaling out with PyTorch".

Options:
  --onnx FILE          the ONNX file to write
  --pytorch DIR        the folder for MODEL.py, train_ddp.py and init.safetensors
                       (made if missing); --onnx, --pytorch or both
  --external-data      put the weights in OUT.onnx.data for any model
  --weights FILE       weights saved by nnspec train (default: fresh initialisation)
  --model NAME         the model, when the file has several
  --opset N            ONNX opset, 13 (default) to 21
  --seed N             seed of the fresh initialisation without --weights (default 0)
  --force              load weights even if they were trained for another spec, and
                       overwrite an existing --onnx (or its .data) file nnspec did not write
  -h, --help           this help`,
  lsp: `Usage: nnspec lsp [--stdio]

The nnspec language server, for editors: it speaks the Language Server
Protocol on standard input and output (--stdio is accepted and changes
nothing). It checks each open .nnspec file as you type and gives diagnostics
with their fixes as code actions, shape and parameter hints at the end of
layer lines, hover (shapes, parameters, FLOPs, output-size arithmetic),
completion, go to definition, references, rename, the outline, formatting
and semantic highlighting. See docs/editors.md for VS Code, Neovim and Helix.

Options:
  --stdio              talk over stdin and stdout (the default and only transport)
  -h, --help           this help`,
  summary: `Usage: nnspec summary [--format text|json] [--model NAME] [--batch N] FILE|-

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

