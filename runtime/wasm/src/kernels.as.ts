/**
 * The WebAssembly kernel module (AssemblyScript entry): everything the
 * runtime's wasm backend calls. Built by scripts/build-wasm.mjs into
 * dist/runtime/wasm/kernels.wasm with an imported, shared memory (the model's
 * arena lives in it; several threads instantiate the module on one memory).
 */
export { sgemm, scratchBytes, setScratch, heapBase } from "./gemm.as";
export { geometrySlots } from "./geometry.as";
export { convForward, convBackward, fcForward, fcBackward } from "./conv.as";
// Grouped and dilated convolutions split by groups, and the transposed convolution.
export { convForwardGroups, convBackwardGroups, deconvForward } from "./conv.as";
export { maxPoolForward, maxPoolBackward, avgPoolForward, avgPoolBackward } from "./pool.as";
export { depthwiseForward } from "./depthwise.as";
export { depthwiseBackward } from "./depthwise-backward.as";
// Every elementwise kernel: the activation pairs of runtime/activations.ts's KERNEL_ACTIVATIONS, add and copy.
export * from "./eltwise.as";
// `gate { … }`: x ⊙ g and its two gradients.
export { gateForward, gateBackwardGate, gateBackwardInput } from "./gate.as";
// `upsample S [nearest|bilinear]`.
export { upsampleNearestForward, upsampleNearestBackward, upsampleBilinearForward, upsampleBilinearBackward } from "./resize.as";
// `adaptiveavgpool HxW`, `adaptivemaxpool HxW`.
export { adaptiveAvgPoolForward, adaptiveAvgPoolBackward, adaptiveMaxPoolForward, adaptiveMaxPoolBackward } from "./adaptive.as";
// batchnorm at inference: a scale and shift per channel
export { channelAffine } from "./gate.as";
// `globalavgpool` and its backward; the bias gradient of `deconv` (a sum per channel)
export { globalAvgPoolForward, globalAvgPoolBackward, channelSums } from "./sums.as";
// Dense 1x1 convolutions forward: several small images per GEMM, threads split by images, filters or columns.
export { pointwiseForward, pointwiseShared } from "./pointwise.as";
