/**
 * A checked model → a PyTorch module (MODEL.py) and a DistributedDataParallel
 * training script (train_ddp.py), as Python text.
 *
 * MODEL.py defines `Model(nn.Module)`: one attribute per layer, nested by the
 * layer's dotted name (`basic1.residual1.conv1` is `self.basic1.residual1.conv1`,
 * the containers plain `nn.Module`s), so `state_dict()` keys are exactly
 * nnspec's tensor names (`conv1.weight`, `batchnorm1.mean`); `forward` follows
 * the spec's structure (residual sums, concat, gates), with a comment naming
 * each layer's statement, line and output shape. Each layer's module comes
 * from its kind's own `pytorch` mapping. The same model always gives the
 * same text. Spec text reaches the file only through `commentText` (no line
 * breaks) in comments and as names, which are identifiers; a name Python
 * cannot use as an attribute (a keyword, `forward`, `training`, a leading
 * underscore) is reached through `_modules["name"]` instead.
 */
import { allLayers, statementText, type CheckedModel, type LayerNode, type Node } from "../model.js";
import { formatShape } from "../shape.js";
import { commentText } from "../names.js";
import type { PreludeClass } from "../layers/pytorch.js";
import { PRELUDE_CLASSES, PRELUDE_FUNCTIONS } from "./pytorch-prelude.js";
import { trainDdpScript } from "./pytorch-train.js";
import { ExportError } from "./onnx.js";

export interface PytorchExportOptions {
  /** sha256 of the spec text (runtime `specHash`), recorded as SPEC_SHA256 and in saved weights. */
  specHash: string;
  /** sha256 of the spec's words (compiler/spec-words.ts), recorded as SPEC_WORDS_SHA256 (None without it) and in saved weights. */
  specWordsHash?: string;
  /** The spec's path as the user gave it, for the header comment. */
  specPath?: string;
  producerVersion?: string;
}

export interface PytorchExport {
  /** The module's file name, `MODEL.py`. */
  moduleFile: string;
  files: { name: string; text: string }[];
}

const PYTHON_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(" "),
);

/**
 * Attributes of torch.nn.Module (torch 1.13 and 2.x): a layer named like one
 * would be shadowed by it (`self.eval` is the method), so it is reached through
 * `_modules` instead.
 */
const MODULE_ATTRIBUTES = new Set(
  (
    "T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double dump_patches eval extra_repr float forward " +
    "get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules mtia named_buffers named_children named_modules " +
    "named_parameters parameters register_backward_hook register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook " +
    "register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module register_parameter " +
    "register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory smart_apply state_dict " +
    "to to_empty train training type xpu zero_grad"
  ).split(" "),
);

/** Python modules the generated files import: a model named like one would shadow it as MODEL.py. */
const SHADOWED_MODULES = new Set(["torch", "numpy", "json", "os", "sys", "argparse", "math", "time", "random", "importlib", "train_ddp", "typing", "types", "abc", "io", "copy", "functools"]);

/** `.name` when Python can spell it as an attribute, else `._modules["name"]` (names are identifiers, so the literal needs no escaping). */
function member(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`internal: ${JSON.stringify(name)} is not an identifier`);
  return name.startsWith("_") || PYTHON_KEYWORDS.has(name) || MODULE_ATTRIBUTES.has(name) ? `._modules["${name}"]` : `.${name}`;
}

/** `self.a.b.c` for the dotted name `a.b.c`. */
const path = (dotted: string): string => `self${dotted.split(".").map(member).join("")}`;

/** A Python list of identifier-like names, as string literals. */
const strings = (names: readonly string[]): string => (names.length ? `(\n${names.map((n) => `    "${n}",`).join("\n")}\n)` : "()");

/** The PyTorch module (MODEL.py) and train_ddp.py for `model`. Throws ExportError for a layer without a mapping or a name Python cannot take. */
export function exportPytorch(model: CheckedModel, options: PytorchExportOptions): PytorchExport {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(model.name) || PYTHON_KEYWORDS.has(model.name) || SHADOWED_MODULES.has(model.name))
    throw new ExportError(`model ${model.name} cannot be exported to PyTorch: ${model.name}.py would not be importable (a Python keyword or a module the scripts import); rename the model`);
  for (const hash of [options.specHash, options.specWordsHash ?? "0".repeat(64)]) if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error("internal: spec hashes must be sha256 hex digests");
  const moduleFile = `${model.name}.py`;
  return { moduleFile, files: [{ name: moduleFile, text: moduleText(model, options) }, { name: "train_ddp.py", text: trainDdpScript(model.name) }] };
}

function moduleText(model: CheckedModel, options: PytorchExportOptions): string {
  const layers = [...allLayers(model.nodes)];
  const built = layers.map((n) => ({ n, m: construct(n) }));
  const uses = new Set<PreludeClass>(built.flatMap(({ m }) => m.uses ?? []));
  // A layer or block named `training` clashes with nn.Module's own flag: the model and its containers are then Scopes.
  const scope = layers.some((n) => n.name.split(".").includes("training")) ? "Scope" : "nn.Module";
  if (scope === "Scope") uses.add("Scope");
  const classes = (Object.keys(PRELUDE_CLASSES) as PreludeClass[]).filter((c) => uses.has(c)).map((c) => PRELUDE_CLASSES[c]);
  const decayed = layers.flatMap((n) => n.params.filter((p) => p.decay).map((p) => `${n.name}.${p.name}`));
  const loss = model.loss;
  const where = commentText(options.specPath ?? `${model.name}.nnspec`);

  const init: string[] = [];
  const containers = new Set<string>();
  for (const { n, m } of built) {
    const parts = n.name.split(".");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join(".");
      if (containers.has(prefix)) continue;
      containers.add(prefix);
      init.push(`${path(prefix)} = ${scope}()`);
    }
    if (containers.has(n.name)) throw new ExportError(`layer ${n.name} (${n.kind}, line ${n.line}) cannot be exported to PyTorch: its name is also a block's`, n.name);
    init.push(`${path(n.name)} = ${m.module}  # ${header(n)}`);
  }

  const forward = new Forward();
  const out = forward.chain(model.nodes, "x");
  forward.lines.push(`return ${out}`);

  const lines = [
    `# Generated by nnspec${options.producerVersion ? ` ${commentText(options.producerVersion, 40)}` : ""} from ${where} (nnspec export --pytorch); do not edit, export again.`,
    `# Model ${model.name}: ${formatShape(model.inputShape)} -> ${formatShape(model.outputShape)}; ${model.params.toLocaleString("en-US")} parameters; ${loss ? `loss ${loss.kind}${loss.l2 ? ` + l2 ${loss.l2}` : ""}` : "no loss (inference only)"}.`,
    "# state_dict() keys are nnspec's tensor names: load_weights / save_weights read and write nnspec's safetensors files.",
    "import json",
    "import os",
    "",
    "import numpy as np",
    "import torch",
    "import torch.nn.functional as F",
    "from torch import nn",
    "",
    `MODEL_NAME = "${model.name}"`,
    `SPEC_SHA256 = "${options.specHash}"`,
    `SPEC_WORDS_SHA256 = ${options.specWordsHash === undefined ? "None" : `"${options.specWordsHash}"`}`,
    `INPUT_SHAPE = (${model.inputShape.join(", ")}${model.inputShape.length === 1 ? "," : ""})`,
    `OUTPUT_SHAPE = (${model.outputShape.join(", ")}${model.outputShape.length === 1 ? "," : ""})`,
    `LOSS = ${loss ? `"${loss.kind}"` : "None"}`,
    `L2 = ${loss?.l2 ?? 0}`,
    "# The tensors nnspec's L2 decays: conv, deconv and fc weights (not biases or batchnorm).",
    `DECAYED = ${strings(decayed)}`,
    "",
    ...classes.flatMap((c) => ["", c, ""]),
    "",
    `class Model(${scope}):`,
    `    """${model.name} as nnspec runs it (train() and eval() as nnspec's training and inference modes)."""`,
    "",
    "    def __init__(self):",
    "        super().__init__()",
    ...init.map((l) => `        ${l}`),
    "",
    "    def forward(self, x):",
    ...forward.lines.map((l) => (l === "" ? "" : `        ${l}`)),
    "",
    "",
    PRELUDE_FUNCTIONS,
    "",
  ];
  return lines.join("\n");
}

function construct(n: LayerNode) {
  const mapping = n.def.pytorch;
  if (!mapping) throw new ExportError(`layer ${n.name} (${n.kind}, line ${n.line}) cannot be exported to PyTorch: no PyTorch module is defined for \`${n.kind}\``, n.name);
  return mapping(n.attrs, { input: n.input, output: n.output });
}

/** `conv1: conv 5x5 x6 pad 2, line 12 -> 6x28x28` (the statement's text without line breaks). */
function header(n: Node): string {
  return `${n.name}: ${commentText(statementText(n))}, line ${n.line} -> ${formatShape(n.output)}`;
}

/** The forward method's lines: values in `x` and fresh locals `x1`, `x2`, … for the inputs that structure keeps. */
class Forward {
  readonly lines: string[] = [];
  private count = 0;

  private fresh(): string {
    return `x${++this.count}`;
  }

  /** Apply `nodes` to the value in `v` (updated in place); returns `v`. */
  chain(nodes: readonly Node[], v: string): string {
    for (const n of nodes) {
      if (n.type === "layer") {
        this.lines.push(`${v} = ${path(n.name)}(${v})  # ${header(n)}`);
        continue;
      }
      this.lines.push(`# ${header(n)}`);
      const kept = this.fresh();
      this.lines.push(`${kept} = ${v}`);
      if (n.type === "residual") {
        this.chain(n.body, v);
        if (n.shortcut) this.chain(n.shortcut, kept);
        this.lines.push(`${v} = ${v} + ${kept}  # ${n.name}: the sum`);
      } else if (n.type === "concat") {
        const parts = n.branches.map((b) => {
          if (!b.length) return kept;
          const part = this.fresh();
          this.lines.push(`${part} = ${kept}`);
          return this.chain(b, part);
        });
        this.lines.push(`${v} = torch.cat([${parts.join(", ")}], dim=1)  # ${n.name}: joined along dim 1`);
      } else {
        this.chain(n.body, kept);
        const perChannel = n.input.length === 3 && n.body.length > 0 && n.body[n.body.length - 1]!.output.length === 1;
        this.lines.push(`${v} = ${v} * ${kept}${perChannel ? "[:, :, None, None]" : ""}  # ${n.name}: the gate`);
      }
      this.lines.push("");
    }
    return v;
  }
}
