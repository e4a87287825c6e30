/** `adaptiveavgpool HxW`: the mean over PyTorch's adaptive windows, CxH₀xW₀ → CxHxW. */
import { adaptivePoolLayer } from "./adaptive-pool.js";

export const adaptiveavgpool = adaptivePoolLayer("adaptiveavgpool", "Adaptive average pooling to HxW (N means NxN), with PyTorch's windows: output row i averages input rows ⌊i·H₀/H⌋ to ⌈(i+1)·H₀/H⌉ − 1.");
