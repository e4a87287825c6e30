import type { Tensor } from "./tensor.js";

/** out = a + b elementwise over n elements (residual join). out may alias a or b. */
export function add(a: Tensor, b: Tensor, out: Tensor, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}

/** dst += src over n elements (gradient accumulation at a fan-out). */
export function addInto(dst: Tensor, src: Tensor, n: number): void {
  for (let i = 0; i < n; i++) dst[i] += src[i]!;
}

/** y += alpha * x over n elements. */
export function axpy(alpha: number, x: Tensor, y: Tensor, n: number): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i]!;
}

/** dst = src over n elements (dst and src may be different precisions). */
export function copyInto(src: Tensor, dst: Tensor, n: number): void {
  for (let i = 0; i < n; i++) dst[i] = src[i]!;
}

/** x *= alpha over n elements. */
export function scaleInPlace(x: Tensor, alpha: number, n: number): void {
  for (let i = 0; i < n; i++) x[i] *= alpha;
}

/** x = 0 over n elements. */
export function zero(x: Tensor, n: number): void {
  x.fill(0, 0, n);
}
