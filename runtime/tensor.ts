/**
 * Shared tensor type for all runtime kernels.
 *
 * Every kernel is generic over single and double precision flat arrays. Shapes
 * are never stored on the array: callers pass dimensions explicitly.
 * Layout conventions (PyTorch/ONNX):
 *   activations  [B][C][H][W] (NCHW, batch first) or [B][N] for vectors
 *   conv weight  [F][C][KH][KW] (OIHW)
 *   fc weight    [N][M] (out, in)
 */
export type Tensor = Float32Array | Float64Array;

/** Label/index arrays accepted by the loss functions (values are class indices). */
export type LabelArray = Int32Array | Float32Array | Float64Array | ArrayLike<number>;
