/** Weights and data file I/O: safetensors, NumPy .npy, atomic file replacement. */
export {
  WeightsFormatError,
  MAX_HEADER_BYTES,
  encodeSafetensors,
  decodeSafetensors,
  saveSafetensors,
  saveSafetensorsSync,
  loadSafetensors,
  loadSafetensorsSync,
  type SafetensorsReadDtype,
  type SafetensorsWriteDtype,
  type SafetensorsTensorInput,
  type SafetensorsTensor,
  type DecodedSafetensors,
  type DecodeSafetensorsOptions,
} from "./safetensors.js";
export {
  NpyFormatError,
  MAX_NPY_HEADER_BYTES,
  decodeNpy,
  encodeNpy,
  saveNpy,
  saveNpySync,
  loadNpy,
  loadNpySync,
  type NpyDtype,
  type NpyData,
  type NpyArray,
  type NpyWriteDtype,
  type NpyWritable,
  type DecodeNpyOptions,
} from "./npy.js";
export { FileRefusedError, MAX_READ_BYTES, readRegularFile, readRegularFileSync, type ReadOptions } from "./read.js";
export {
  isStreamTarget,
  writeFileAtomic,
  writeFileAtomicSync,
  type AtomicSyncFs,
  type AtomicAsyncFs,
  type AtomicFileHandle,
  type AtomicWriteOptions,
} from "./atomic.js";
