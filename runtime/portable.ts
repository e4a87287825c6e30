/**
 * `nnspec/runtime` for browsers, Web Workers and bundlers (package.json's
 * `browser` and `default` conditions): everything generated modules use and
 * everything that works without a file system, with no `node:` import
 * anywhere below it. On Node, `nnspec/runtime` is runtime/index.ts: this
 * plus the helpers that need Node — the MNIST data set, `.npy` data
 * directories, `Batches`, and reading or writing weights and arrays by path.
 * (Weights from memory: `loadWeights(bytes, …)` and `encodeWeights`.)
 */
export * from "./options.js";
export * from "./tensor.js";
export * from "./rng.js";
export * from "./init.js";
export * from "./gemm.js";
export * from "./window.js";
export * from "./conv.js";
export * from "./deconv.js";
export * from "./resize.js";
export * from "./adaptive-pool.js";
export * from "./pool.js";
export * from "./fc.js";
export * from "./activations.js";
export * from "./dropout.js";
export * from "./batchnorm.js";
export * from "./loss.js";
export * from "./add.js";
export * from "./channels.js";
export * from "./branch.js";
export * from "./optim.js";
export * from "./model.js";
export * from "./augment.js";
export * from "./kernels.js";
export * from "./create-async.js";
export { sha256Hex } from "./sha256.js";
export { erf } from "./erf.js";
export {
  WeightsError,
  specHash,
  exportTensors,
  loadWeights,
  encodeWeights,
  type WeightsModel,
  type WeightsInfo,
  type WeightsMeta,
} from "./weights.js";
export {
  WeightsFormatError,
  MAX_HEADER_BYTES,
  encodeSafetensors,
  decodeSafetensors,
  type SafetensorsReadDtype,
  type SafetensorsWriteDtype,
  type SafetensorsTensorInput,
  type SafetensorsTensor,
  type DecodedSafetensors,
  type DecodeSafetensorsOptions,
} from "./io/safetensors.js";
export {
  NpyFormatError,
  MAX_NPY_HEADER_BYTES,
  decodeNpy,
  encodeNpy,
  type NpyDtype,
  type NpyData,
  type NpyArray,
  type NpyWriteDtype,
  type NpyWritable,
  type DecodeNpyOptions,
} from "./io/npy.js";
