/**
 * Helpers around the WebAssembly SIMD kernels for tests and benchmarks: one
 * process-wide instance on a growable memory, a bump allocator over it, and
 * checked wrappers of its sgemm. Models do not use this instance: each model
 * has its own memory and instances (runtime/wasm/backend.ts).
 *
 * `wasmAlloc` reserves regions (growing the memory as needed); `wasmF32`
 * views one as a Float32Array. The memory is shared, so views taken before a
 * growth stay valid.
 */
import { instantiateKernels, newSharedMemory, PAGE_BYTES, type KernelExports, type WasmMemory } from "./module.js";

export { kernelsWasmPath } from "#platform";
export type { KernelExports, WasmMemory } from "./module.js";

/** Alignment of wasmAlloc regions in bytes (a cache line). */
const ALIGN = 64;
/** The helpers' memory may grow to 1 GiB. */
const HELPER_MAX_BYTES = 2 ** 30;

let kernels: KernelExports | null = null;
let memory: WasmMemory | null = null;
let heapTop = 0;

/** The helpers' instance (made on first use). */
export function wasmKernels(): KernelExports {
  if (kernels === null) {
    memory = newSharedMemory(1 << 20, HELPER_MAX_BYTES);
    kernels = instantiateKernels(memory);
    heapTop = alignUp(kernels.heapBase());
  }
  return kernels;
}

/** The helpers' memory. */
export function wasmMemory(): WasmMemory {
  wasmKernels();
  return memory!;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/**
 * Reserves `count` float32 elements in the helpers' memory (64-byte aligned,
 * growing the memory if needed) and returns the byte offset.
 * Contents are unspecified (not zeroed when reused after wasmRelease).
 */
export function wasmAlloc(count: number): number {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`wasmAlloc: count must be a non-negative integer, got ${count}`);
  const mem = wasmMemory();
  const ptr = heapTop;
  const end = ptr + count * 4;
  if (end > HELPER_MAX_BYTES) throw new RangeError(`wasmAlloc: ${count} floats do not fit in the helpers' ${HELPER_MAX_BYTES / 2 ** 20} MiB of wasm memory`);
  const have = mem.buffer.byteLength;
  if (end > have) mem.grow(Math.ceil((end - have) / PAGE_BYTES));
  heapTop = alignUp(end);
  return ptr;
}

/** The current allocation mark: pass it to wasmRelease to free everything allocated after it. */
export function wasmMark(): number {
  wasmKernels();
  return heapTop;
}

/** Frees every region allocated after `mark` (stack discipline). */
export function wasmRelease(mark: number): void {
  const base = alignUp(wasmKernels().heapBase());
  if (!Number.isInteger(mark) || mark < base || mark > heapTop) throw new RangeError(`wasmRelease: bad mark ${mark}`);
  heapTop = mark;
}

/** A Float32Array view of `count` floats at byte offset `ptr`. */
export function wasmF32(ptr: number, count: number): Float32Array {
  return new Float32Array(wasmMemory().buffer, ptr, count);
}

/** Checks one operand's stored extent: `rows` x `cols` with row stride `ld` at byte offset `ptr`. */
function checkOperand(name: string, ptr: number, rows: number, cols: number, ld: number, bytes: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new RangeError(`wasmGemm: ld${name} = ${ld} is less than the ${cols} columns of ${name} as stored`);
  }
  if (!Number.isInteger(ptr) || ptr < 0 || ptr % 4 !== 0) {
    throw new RangeError(`wasmGemm: ${name} pointer ${ptr} is not a non-negative multiple of 4`);
  }
  if (rows > 0 && cols > 0 && ptr + ((rows - 1) * ld + cols) * 4 > bytes) {
    throw new RangeError(`wasmGemm: ${name} (${rows} x ${cols}, ld ${ld}) at byte ${ptr} runs past the end of wasm memory (${bytes} bytes)`);
  }
}

/**
 * C = alpha * op(A) * op(B) + beta * C in float32 on the shared instance's
 * memory: the semantics of runtime/gemm.ts's `gemm`, but aPtr/bPtr/cPtr are
 * byte offsets into wasmMemory() and lda/ldb/ldc are in elements.
 * Arguments are checked (the exported `sgemm` does not check anything).
 */
export function wasmGemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  aPtr: number, lda: number, bPtr: number, ldb: number, beta: number, cPtr: number, ldc: number,
): void {
  const k = wasmKernels();
  for (const [n, v] of [["M", M], ["N", N], ["K", K]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`wasmGemm: ${n} must be a non-negative integer, got ${v}`);
  }
  if (M === 0 || N === 0) return;
  const bytes = wasmMemory().buffer.byteLength;
  checkOperand("C", cPtr, M, N, ldc, bytes);
  if (K > 0 && alpha !== 0) {
    checkOperand("A", aPtr, transA ? K : M, transA ? M : K, lda, bytes);
    checkOperand("B", bPtr, transB ? N : K, transB ? K : N, ldb, bytes);
  }
  k.sgemm(transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc);
}

/** Number of elements from an operand's first element to its last (rows x cols, row stride ld). */
function span(rows: number, cols: number, ld: number): number {
  return rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0;
}

/**
 * Same signature and semantics as runtime/gemm.ts's `gemm` for Float32Array
 * operands, computed by the wasm kernel (in float32): copies the spans of A, B
 * and C into wasm memory, runs the kernel and copies C's span back (elements
 * of C's span outside the M x N matrix are written back unchanged).
 * For tests and benchmarks: the runtime will keep its arena in wasm memory instead.
 */
export function gemmF32Wasm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number,
  B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
): void {
  if (M <= 0 || N <= 0) return;
  const readsAB = K > 0 && alpha !== 0;
  const aLen = readsAB ? span(transA ? K : M, transA ? M : K, lda) : 0;
  const bLen = readsAB ? span(transB ? N : K, transB ? K : N, ldb) : 0;
  const cLen = span(M, N, ldc);
  if (aOff + aLen > A.length || bOff + bLen > B.length || cOff + cLen > C.length) {
    throw new RangeError("gemmF32Wasm: an operand runs past the end of its array");
  }
  const mark = wasmMark();
  try {
    const aPtr = wasmAlloc(aLen);
    const bPtr = wasmAlloc(bLen);
    const cPtr = wasmAlloc(cLen);
    if (aLen > 0) wasmF32(aPtr, aLen).set(A.subarray(aOff, aOff + aLen));
    if (bLen > 0) wasmF32(bPtr, bLen).set(B.subarray(bOff, bOff + bLen));
    wasmF32(cPtr, cLen).set(C.subarray(cOff, cOff + cLen));
    wasmGemm(transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc);
    C.set(wasmF32(cPtr, cLen), cOff);
  } finally {
    wasmRelease(mark);
  }
}
