/**
 * ONNX external data: initializers stored in a file beside the model instead
 * of inside it (a protobuf message, so a whole ONNX file, is limited to
 * 2 GiB). See onnx/onnx docs/ExternalData.md: each initializer has
 * data_location EXTERNAL and external_data entries `location` (the data
 * file's name, relative to the model's folder), `offset` and `length` (in
 * bytes, as decimal strings); the bytes are what raw_data would hold
 * (float32, little-endian).
 *
 * The layout, deterministic for the same tensors:
 *   - the file starts with HEADER (padded with zeros to 64 bytes), which no
 *     tensor refers to and which marks the file as nnspec's (an existing data
 *     file is overwritten only when it starts so, or with --force);
 *   - tensors follow in the order they are added, each at an offset that is
 *     a multiple of 64 bytes, and one of LARGE_TENSOR_BYTES or more at a
 *     multiple of LARGE_ALIGNMENT (64 KiB: a multiple of the 4 KiB page size,
 *     and Windows' allocation granularity), so that ONNX Runtime can map it
 *     into memory, as the ONNX docs recommend; the gaps are zeros.
 *
 * The data is returned as a list of pieces (header, gaps, tensors) to be
 * written one after the other, never joined: a float32 tensor on a
 * little-endian machine is a view of the tensor's own memory, not a copy, so
 * exporting a 2 GiB model holds its weights once.
 */
import type onnxProto from "onnx-proto";
import { float32Bytes, onnx, type TensorStore } from "./graph.js";

/** The data file's first bytes (then zeros up to the first tensor). */
export const HEADER = "nnspec ONNX external data\n";
export const SMALL_ALIGNMENT = 64;
export const LARGE_TENSOR_BYTES = 1 << 20;
export const LARGE_ALIGNMENT = 1 << 16;

/** The external data file of one export: its name in the model and the bytes to write. */
export interface ExternalData {
  /** The file name the model refers to (`location`), relative to the model's folder. */
  readonly location: string;
  /** The file's bytes, in pieces to write one after the other (views of the tensors where possible: write them before changing the model). */
  readonly pieces: readonly Uint8Array[];
  /** The file's size: the pieces' total length. */
  readonly byteLength: number;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const ZEROS = new Uint8Array(LARGE_ALIGNMENT);

/** A tensor's raw bytes: a view of a little-endian Float32Array, a converted copy otherwise. */
function rawBytes(values: ArrayLike<number>): Uint8Array {
  if (LITTLE_ENDIAN && values instanceof Float32Array) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return float32Bytes(values);
}

/** A plain file name: not empty, no folder, no `..`. */
export function checkLocation(location: string): void {
  if (typeof location !== "string" || location === "" || location === "." || location === ".." || /[/\\\0]/.test(location))
    throw new RangeError(`the external data location must be a plain file name (no folder), not ${JSON.stringify(location)}`);
}

/** Collects the data file while the graph is built: `store` is the graph's TensorStore. */
export class ExternalDataBuilder {
  private readonly pieces: Uint8Array[] = [];
  private size = 0;

  constructor(readonly location: string) {
    checkLocation(location);
    this.push(new TextEncoder().encode(HEADER));
  }

  private push(piece: Uint8Array): void {
    if (piece.length) this.pieces.push(piece);
    this.size += piece.length;
  }

  private padTo(alignment: number): void {
    const gap = (alignment - (this.size % alignment)) % alignment;
    this.push(ZEROS.subarray(0, gap));
  }

  readonly store: TensorStore = (values) => {
    const bytes = rawBytes(values);
    this.padTo(bytes.length >= LARGE_TENSOR_BYTES ? LARGE_ALIGNMENT : SMALL_ALIGNMENT);
    const offset = this.size;
    this.push(bytes);
    const externalData: onnxProto.onnx.IStringStringEntryProto[] = [
      { key: "location", value: this.location },
      { key: "offset", value: String(offset) },
      { key: "length", value: String(bytes.length) },
    ];
    return { dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData };
  };

  finish(): ExternalData {
    return { location: this.location, pieces: [...this.pieces], byteLength: this.size };
  }
}
