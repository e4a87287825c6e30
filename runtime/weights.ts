/**
 * Saving and loading a compiled model's weights as safetensors.
 *
 * File contents: every parameter and buffer (batchnorm running statistics)
 * under its exact name (`LAYER.weight`, `LAYER.mean`, ...), dtype F32 or F64
 * per the model's dtype, and `__metadata__` with
 *   format               "pt" (so PyTorch's `safetensors.torch.load_file` accepts it)
 *   nnspec.model         the model's name
 *   nnspec.spec_sha256        `specHash` of the spec source it was trained from
 *   nnspec.spec_words_sha256  `specWordsHash` of that source: the sha256 of its words
 *                             (tokens without comments and blanks; compiler/spec-words.ts),
 *                             which `nnspec fmt` and comment edits leave unchanged
 * plus any extra string entries passed in `meta` (stored under their own keys).
 * Files are written atomically (temporary file + rename), so an interrupted
 * save never leaves a half-written file in place.
 *
 * `loadWeights` validates everything before it writes a single value into
 * the model, so a failed load leaves the previous weights untouched:
 *   - the file must exist and be a valid safetensors file;
 *   - it must contain exactly the model's tensors (no missing, no extra
 *     names), each with the model's shape and dtype — F32 for an f32 model,
 *     F64 for an f64 model; no conversion in either direction (F16/BF16 are
 *     rejected too) — and only finite values, none below the buffer's `min`
 *     (a batchnorm variance is ≥ 0: a negative one makes every output NaN);
 *   - if the file says which model / spec it was trained for and that differs
 *     from `info.name` / `opts.specHash` and `opts.specWordsHash` (the spec
 *     matches when either hash does: spec-identity.ts `compareSpecs`; files
 *     older than the words hash record the text hash only), it is an error
 *     unless `opts.force`, which turns it into a warning. A file without nnspec
 *     metadata (e.g. written by PyTorch from a state_dict with the right names)
 *     loads, with a warning when a spec hash was given.
 * Every failure is a `WeightsError` naming the file and, where there is one,
 * the tensor and the index; a bad argument (not a file problem) is an
 * `OptionError`.
 *
 * From memory, on every platform (browsers have no files): `loadWeights(bytes,
 * …)` takes the file's contents instead of its path and checks them the same
 * way; `encodeWeights(model, info, meta?)` returns what `saveWeights` writes.
 */
import { readFileSync, writeFileAtomic, writeFileAtomicSync } from "#platform";
import {
  WeightsFormatError,
  checkSafetensorsHead,
  decodeSafetensors,
  encodeSafetensors,
  type DecodedSafetensors,
  type SafetensorsTensorInput,
} from "./io/safetensors.js";
import { formatIndex } from "./io/binary.js";
import { FileRefusedError } from "./io/refused.js";
import { BOOLEAN, check, NON_EMPTY_STRING, OBJECT, oneOf, readOptions, rule, STRING } from "./options.js";
import { compareSpecs, recordedSpec, SPEC_KEYS, type SpecIdentity } from "./spec-identity.js";
export { specHash } from "./sha256.js";

/** What loadWeights reads: a file path, or the file's bytes. */
const WEIGHTS_SOURCE = rule<string | Uint8Array | ArrayBuffer>(
  "a file path (a non-empty string) or the file's bytes (a Uint8Array or an ArrayBuffer)",
  (v) => (typeof v === "string" && v !== "") || v instanceof Uint8Array || v instanceof ArrayBuffer,
);

/** Thrown when weights cannot be saved or loaded; names the file and tensor when known. */
export class WeightsError extends Error {
  /** Tensor the problem is about, when there is one. */
  readonly tensor: string | undefined;
  /** File the problem is about, when there is one. */
  readonly file: string | undefined;
  /** The file was trained for another spec: loading with `force` accepts it. */
  readonly forceable: boolean;
  constructor(message: string, details: { tensor?: string | undefined; file?: string | undefined; cause?: unknown; forceable?: boolean } = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = "WeightsError";
    this.tensor = details.tensor;
    this.file = details.file;
    this.forceable = details.forceable ?? false;
  }
}

type FloatArray = Float32Array | Float64Array;

/** The parts of a generated model that hold weights. */
export interface WeightsModel {
  readonly params: Readonly<Record<string, FloatArray>>;
  readonly buffers: Readonly<Record<string, FloatArray>>;
}

/** The parts of a generated module's `info` that describe its weights. */
export interface WeightsInfo {
  readonly name?: string;
  readonly dtype: "f32" | "f64";
  readonly params: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** `min`: the smallest valid value (batchnorm variances: 0); loading refuses less. */
  readonly buffers: readonly { readonly name: string; readonly shape: readonly number[]; readonly min?: number }[];
}

/** Metadata stored with the weights: model name, spec hashes (the words hash optional), and extra string entries. */
export interface WeightsMeta {
  model: string;
  specHash: string;
  specWordsHash?: string;
  [key: string]: string | undefined;
}

/** Metadata keys written by saveWeights itself. */
const RESERVED_KEYS = new Set(["format", "nnspec.model", ...Object.values(SPEC_KEYS)]);


function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function elementCount(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

interface Slot {
  name: string;
  shape: readonly number[];
  target: FloatArray;
  min: number | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const MODEL = rule<WeightsModel>("an object with params and buffers", (v) => isRecord(v) && isRecord(v.params) && isRecord(v.buffers));
const INFO = rule<WeightsInfo>("an object with dtype, params and buffers", (v) => isRecord(v) && Array.isArray(v.params) && Array.isArray(v.buffers));
const DTYPE = oneOf(["f32", "f64"] as const);

/** Every param and buffer of the model, checked against info (programming errors, not file errors). */
function slots(model: WeightsModel, info: WeightsInfo, where: string): Slot[] {
  check(where, "model", model, MODEL);
  check(where, "info", info, INFO);
  check(where, "info.dtype", info.dtype, DTYPE);
  const want = info.dtype === "f32" ? Float32Array : Float64Array;
  const out: Slot[] = [];
  const seen = new Set<string>();
  const add = (group: "params" | "buffers", entries: WeightsInfo["params"]) => {
    const record = model[group];
    for (const { name, shape, min } of entries as WeightsInfo["buffers"]) {
      if (seen.has(name)) throw new WeightsError(`${where}: tensor name ${JSON.stringify(name)} appears twice in the model info`, { tensor: name });
      seen.add(name);
      const target = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
      if (!(target instanceof want)) {
        throw new WeightsError(
          `${where}: model.${group}[${JSON.stringify(name)}] is ${target === undefined ? "missing" : `a ${(target as object).constructor?.name}`}, expected a ${want.name} (model dtype ${info.dtype})`,
          { tensor: name },
        );
      }
      const count = elementCount(shape);
      if (target.length !== count) {
        throw new WeightsError(
          `${where}: model.${group}[${JSON.stringify(name)}] has ${target.length} values but its shape ${shapeText(shape)} needs ${count}`,
          { tensor: name },
        );
      }
      out.push({ name, shape, target, min });
    }
  };
  add("params", info.params);
  add("buffers", info.buffers);
  return out;
}

/**
 * The model's params and buffers as safetensors input: name → {dtype, shape,
 * data}, with `data` a copy (the snapshot stays consistent if training goes on).
 */
export function exportTensors(model: WeightsModel, info: WeightsInfo): Record<string, SafetensorsTensorInput> {
  return tensorsOf(slots(model, info, "exportTensors"), info, true);
}

/** The slots as safetensors input: copies, or views of the model's own memory (for an encoding that copies them at once). */
function tensorsOf(all: Slot[], info: WeightsInfo, copy: boolean): Record<string, SafetensorsTensorInput> {
  const dtype = info.dtype === "f64" ? "F64" : "F32";
  const out: Record<string, SafetensorsTensorInput> = Object.create(null) as Record<string, SafetensorsTensorInput>;
  for (const { name, shape, target } of all) out[name] = { dtype, shape: [...shape], data: copy ? target.slice() : target };
  return out;
}

/** The first value of a tensor that is not finite or below its minimum, as "has …" (undefined when all are fine). */
function badValue(data: FloatArray, shape: readonly number[], min: number | undefined): string | undefined {
  const lowest = min ?? -Infinity;
  const i = firstBadIndex(data, lowest);
  if (i < 0) return undefined;
  const v = data[i]!;
  if (!Number.isFinite(v)) return `has a non-finite value ${v} at index ${formatIndex(i, shape)}`;
  return `has the value ${v} at index ${formatIndex(i, shape)}; its values must be ≥ ${lowest}`;
}

/**
 * The index of the first value that is not finite or below `lowest`, -1 if none. The loop only
 * compares: a value that could reach a message inside it is boxed on every step (V8), which made
 * checking 600M weights take minutes instead of a second.
 */
function firstBadIndex(data: FloatArray, lowest: number): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v) || v < lowest) return i;
  }
  return -1;
}

/** The safetensors bytes; `path` undefined: for encodeWeights, where meta.specHash may be left out (then not recorded). */
function encode(fn: string, path: string | undefined, model: WeightsModel, info: WeightsInfo, meta: Partial<WeightsMeta>): Uint8Array {
  if (path !== undefined) check(fn, "path", path, NON_EMPTY_STRING);
  check(fn, "meta", meta, OBJECT);
  const all = slots(model, info, fn);
  const where = path === undefined ? "cannot encode weights" : `cannot save weights to ${path}`;
  const { model: modelName, specHash: hash, specWordsHash: wordsHash, ...extra } = meta;
  if (typeof modelName !== "string" || (typeof hash !== "string" && (path !== undefined || hash !== undefined))) {
    throw new WeightsError(`${where}: meta.model and meta.specHash must be strings`, { file: path });
  }
  if (wordsHash !== undefined && typeof wordsHash !== "string") throw new WeightsError(`${where}: meta.specWordsHash must be a string`, { file: path });
  const metadata: Record<string, string> = { format: "pt", "nnspec.model": modelName };
  if (hash !== undefined) metadata[SPEC_KEYS.specHash] = hash;
  if (wordsHash !== undefined) metadata[SPEC_KEYS.specWordsHash] = wordsHash;
  for (const [key, value] of Object.entries(extra)) {
    if (RESERVED_KEYS.has(key)) throw new WeightsError(`${where}: metadata key ${JSON.stringify(key)} is reserved`, { file: path });
    if (typeof value !== "string") {
      throw new WeightsError(`${where}: metadata value for ${JSON.stringify(key)} must be a string, got ${typeof value}`, { file: path });
    }
    metadata[key] = value;
  }
  // No copy of the tensors: they are checked and encoded (copied into the file's bytes, the snapshot written) without a pause in between.
  const tensors = tensorsOf(all, info, false);
  for (const { name, shape, min } of all) {
    const problem = badValue(tensors[name]!.data, shape, min);
    if (problem) throw new WeightsError(`${where}: tensor ${JSON.stringify(name)} ${problem}`, { tensor: name, file: path });
  }
  try {
    return encodeSafetensors(tensors, metadata);
  } catch (err) {
    if (err instanceof WeightsFormatError) throw new WeightsError(`${where}: ${err.message}`, { tensor: err.tensor, file: path, cause: err });
    throw err;
  }
}

/** Save the model's params and buffers (see the module comment), atomically. */
export async function saveWeights(path: string, model: WeightsModel, info: WeightsInfo, meta: WeightsMeta): Promise<void> {
  await writeFileAtomic(path, encode("saveWeights", path, model, info, meta));
}

/** Synchronous `saveWeights` (for a SIGINT handler). */
export function saveWeightsSync(path: string, model: WeightsModel, info: WeightsInfo, meta: WeightsMeta): void {
  writeFileAtomicSync(path, encode("saveWeights", path, model, info, meta));
}

/**
 * What `saveWeights` writes, as bytes (e.g. to download or to keep in IndexedDB).
 * `meta.model` defaults to `info.name`; without `meta.specHash` the spec hash is not recorded.
 */
export function encodeWeights(model: WeightsModel, info: WeightsInfo, meta: Partial<WeightsMeta> = {}): Uint8Array {
  return encode("encodeWeights", undefined, model, info, { ...meta, model: meta.model ?? info.name ?? "" });
}

function short(hash: string | undefined): string {
  if (hash === undefined) return "unknown";
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}

/** `spec sha256 …` and, when either side knows one, `, words sha256 …`. */
function describeSpec(spec: SpecIdentity, wordsKnown: boolean): string {
  return `spec sha256 ${short(spec.specHash)}` + (wordsKnown ? `, words sha256 ${short(spec.specWordsHash)}` : "");
}

/**
 * Load weights saved by `saveWeights` (or any safetensors file with the
 * model's tensor names, shapes and dtype) into `model`, from a file path
 * (Node) or from the file's bytes (any platform: a Uint8Array or the
 * ArrayBuffer of `fetch(…).arrayBuffer()`; `opts.source` names them in
 * messages, default "weights"). Everything is checked first; on any error
 * nothing in the model changes. Returns the file's metadata and any warnings
 * (e.g. a spec mismatch accepted with `force`).
 */
export function loadWeights(
  source: string | Uint8Array | ArrayBuffer,
  model: WeightsModel,
  info: WeightsInfo,
  opts: { specHash?: string; specWordsHash?: string; force?: boolean; source?: string } = {},
): { metadata: Record<string, string>; warnings: string[] } {
  check("loadWeights", "source", source, WEIGHTS_SOURCE);
  const targets = slots(model, info, "loadWeights");
  const { specHash: expectedHash, specWordsHash: expectedWords, force } = readOptions("loadWeights", opts, {
    specHash: { rule: STRING },
    specWordsHash: { rule: STRING },
    force: { rule: BOOLEAN, default: false },
    source: { rule: NON_EMPTY_STRING },
  });
  const path = typeof source === "string" ? source : (opts.source ?? "weights");

  let bytes: Uint8Array;
  try {
    bytes = typeof source === "string" ? readFileSync(path, { checkHead: checkSafetensorsHead(path) }) : source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  } catch (err) {
    if (err instanceof WeightsFormatError) throw new WeightsError(err.message, { tensor: err.tensor, file: path, cause: err });
    const code = (err as { code?: string }).code;
    const why = err instanceof FileRefusedError ? err.reason : code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new WeightsError(`cannot read weights file ${path}: ${why}`, { file: path, cause: err });
  }
  let decoded: DecodedSafetensors;
  try {
    // Views of the file's bytes, not copies: the values are copied into the model below, once.
    decoded = decodeSafetensors(bytes, { source: path, views: true });
  } catch (err) {
    if (err instanceof WeightsFormatError) throw new WeightsError(err.message, { tensor: err.tensor, file: path, cause: err });
    throw err;
  }
  const { tensors, metadata } = decoded;

  // Which model and spec the file was trained for.
  const fileModel = metadata["nnspec.model"];
  const fileSpec = recordedSpec(metadata);
  const expectedSpec: SpecIdentity = { specHash: expectedHash, specWordsHash: expectedWords };
  const spec = compareSpecs(fileSpec, expectedSpec);
  const warnings: string[] = [];
  let mismatch: string | undefined;
  const nameDiffers = fileModel !== undefined && info.name !== undefined && fileModel !== info.name;
  if (nameDiffers || spec === "different") {
    const words = fileSpec.specWordsHash !== undefined || expectedWords !== undefined;
    mismatch =
      `weights were trained for a different spec (model ${fileModel ?? "unknown"}, ${describeSpec(fileSpec, words)}; ` +
      `this is model ${info.name ?? "unknown"}, ${describeSpec(expectedSpec, words)})`;
  } else if (spec === "unknown" && (expectedHash !== undefined || expectedWords !== undefined)) {
    warnings.push(`${path} does not record which spec it was trained for (no ${SPEC_KEYS.specHash} metadata); loaded by tensor names and shapes only`);
  }

  const fail = (problem: string, tensor?: string): never => {
    const note = mismatch !== undefined ? ` (note: ${mismatch})` : "";
    throw new WeightsError(`${path}: ${problem}${note}`, { tensor, file: path });
  };

  // Names: exactly the model's tensors.
  const expected = new Set(targets.map((s) => s.name));
  const missing = targets.filter((s) => !Object.prototype.hasOwnProperty.call(tensors, s.name)).map((s) => s.name);
  const extra = Object.keys(tensors).filter((n) => !expected.has(n));
  const list = (names: string[]) =>
    names.slice(0, 5).map((n) => JSON.stringify(n)).join(", ") + (names.length > 5 ? ` and ${names.length - 5} more` : "");
  if (missing.length > 0) {
    fail(
      `missing tensor${missing.length === 1 ? "" : "s"} ${list(missing)} (the file has ${Object.keys(tensors).length} tensors, the model needs ${targets.length})`,
      missing[0],
    );
  }
  if (extra.length > 0) {
    fail(`unexpected tensor${extra.length === 1 ? "" : "s"} ${list(extra)} not in model ${info.name ?? ""}`.trimEnd(), extra[0]);
  }

  // Shapes, dtypes, values.
  const wantDtype = info.dtype === "f64" ? "F64" : "F32";
  for (const { name, shape, min } of targets) {
    const t = tensors[name]!;
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      fail(`tensor ${JSON.stringify(name)} has shape ${shapeText(t.shape)} but the model expects ${shapeText(shape)}`, name);
    }
    if (t.dtype !== wantDtype) {
      fail(
        `tensor ${JSON.stringify(name)} is ${t.dtype} but the model is ${info.dtype} and needs ${wantDtype} ` +
          `(weights are not converted between precisions; save them as ${wantDtype} or compile the model with the matching dtype)`,
        name,
      );
    }
    const problem = badValue(t.data, t.shape, min);
    if (problem) fail(`tensor ${JSON.stringify(name)} ${problem}`, name);
  }

  if (mismatch !== undefined) {
    if (!force) throw new WeightsError(`${path}: ${mismatch}; load with { force: true } to accept it`, { file: path, forceable: true });
    warnings.push(`${path}: ${mismatch}; loading anyway (force: true)`);
  }

  // Everything checked: copy.
  for (const { name, target } of targets) target.set(tensors[name]!.data);
  return { metadata: { ...metadata }, warnings };
}
