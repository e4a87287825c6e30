/** `adaptivemaxpool HxW`: the largest value in PyTorch's adaptive windows, CxH₀xW₀ → CxHxW. */
import { adaptivePoolLayer } from "./adaptive-pool.js";

export const adaptivemaxpool = adaptivePoolLayer("adaptivemaxpool", "Adaptive max pooling to HxW (N means NxN), with PyTorch's windows: output row i takes the largest of input rows ⌊i·H₀/H⌋ to ⌈(i+1)·H₀/H⌉ − 1.");
