/**
 * Transposed convolution (PyTorch ConvTranspose2d, ONNX ConvTranspose), as the
 * adjoint of a convolution: `p` is the geometry of the convolution from the
 * deconv's output [B][F][OH'][OW'] to its input [B][C][H][W] (p.C = F,
 * p.H = OH', p.F = C, p.OH = H), and the weight [C][F][KH][KW] (IOHW) is that
 * convolution's OIHW weight. Forward is the convolution's input gradient;
 * backward is the convolution's forward (dx) and weight gradient (dw), which
 * generated code calls through the kernel set, plus channelSums for the bias
 * (also through the kernel set: WebAssembly SIMD, split by channels).
 */
import { col2im, type Conv2dParams } from "./conv.js";
import { gemm } from "./gemm.js";
import type { Tensor } from "./tensor.js";

/**
 * y = deconv(x, w) + bias. x [B][C][H][W] (the convolution's output shape),
 * w [C][F][KH][KW], bias [F] or null, y [B][F][OH'][OW'] (overwritten);
 * scratch at least F·KH·KW·H·W elements (conv2dScratchSize(p), or p.C·p.OH·p.OW when that is 0).
 */
export function deconv2dForward(x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor, scratch: Tensor, p: Conv2dParams): void {
  const { B, C: F, H: OH, W: OW, F: C, KH, KW, OH: H, OW: W } = p;
  const FKK = F * KH * KW;
  const HW = H * W;
  const outSize = F * OH * OW;
  const inSize = C * HW;
  const pointwise = KH === 1 && KW === 1 && p.SH === 1 && p.SW === 1 && p.PH === 0 && p.PW === 0;
  for (let b = 0; b < B; b++) {
    const xb = b * inSize;
    const yb = b * outSize;
    if (pointwise) {
      gemm(true, false, F, HW, C, 1, w, 0, F, x, xb, HW, 0, y, yb, HW);
    } else {
      gemm(true, false, FKK, HW, C, 1, w, 0, FKK, x, xb, HW, 0, scratch, 0, HW);
      y.fill(0, yb, yb + outSize);
      col2im(scratch, p, y, yb);
    }
    if (bias !== null) {
      const plane = OH * OW;
      for (let f = 0; f < F; f++) {
        const bf = bias[f]!;
        const o = yb + f * plane;
        for (let i = 0; i < plane; i++) y[o + i] += bf;
      }
    }
  }
}

/** out[c] = the sum over the batch and the plane of t[b][c][…] (a bias gradient); t [B][C][plane], overwrites out [C]. */
export function channelSums(t: Tensor, out: Tensor, B: number, C: number, plane: number): void {
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let b = 0; b < B; b++) {
      const o = (b * C + c) * plane;
      for (let i = 0; i < plane; i++) s += t[o + i]!;
    }
    out[c] = s;
  }
}
