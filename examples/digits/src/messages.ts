/** What the page and the training worker say to each other. */
export interface TrainRequest {
  /** digits.bin (see digits.ts). */
  digits: ArrayBuffer;
  steps: number;
  /** Kernel threads; undefined: as many as the worker gets (createModelAsync's default). */
  threads: number | undefined;
  batch: number;
  lr: number;
  /** Report the running loss and accuracy every this many steps. */
  every: number;
}

export type TrainMessage =
  | { type: "started"; threads: number; kernels: string; examples: number }
  | { type: "progress"; step: number; loss: number; accuracy: number }
  | { type: "done"; weights: Uint8Array; testAccuracy: number; seconds: number }
  | { type: "error"; message: string };
