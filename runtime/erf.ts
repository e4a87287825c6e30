/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt to double precision (under
 * one ulp), for gelu's float64 path (JavaScript's Math has no erf).
 *
 * The method and coefficients are those of Sun's fdlibm s_erf.c, as shipped in
 * FreeBSD's msun (lib/msun/src/s_erf.c; Copyright (C) 1993 by Sun
 * Microsystems, "Permission to use, copy, modify, and distribute this software
 * is freely granted, provided that this notice is preserved"):
 * - |x| < 0.84375: erf(x) = x + x·P(x²)/Q(x²);
 * - 0.84375 ≤ |x| < 1.25: erf(x) = c + P1(s)/Q1(s), s = |x| − 1, c = 0.845062911510467529297 (erf(1) rounded to float);
 * - 1.25 ≤ |x| < 6: erf(x) = 1 − erfc(x), erfc(x) = exp(−x² − 0.5625 + R(1/x²)/S(1/x²)) / x,
 *   with one (R, S) pair below 1/0.35 and another above; x² is split as
 *   −s² + (s − x)(s + x) with s = x rounded to float, so that exp's argument is exact;
 * - |x| ≥ 6: ±1 (erfc < 2⁻⁵⁴).
 */

const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
// [0, 0.84375)
const PP = [1.28379167095512558561e-1, -3.25042107247001499370e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5];
const QQ = [1, 3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.96022827877536812320e-6];
// [0.84375, 1.25)
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2,
  -2.16637559486879084300e-3,
];
const QA = [1, 1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.19844998467991074170e-2];
// erfc on [1.25, 1/0.35)
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2,
  -8.12874355063065934246e1, -9.81432934416914548592,
];
const SA = [
  1, 1.96512716674392571292e1, 1.37657754143519042600e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2, 1.08635005541779435134e2,
  6.57024977031928170135, -6.04244152148580987438e-2,
];
// erfc on [1/0.35, 6)
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3,
  -4.83519191608651397019e2,
];
const SB = [
  1, 3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3, 4.74528541206955367215e2,
  -2.24409524465858183362e1,
];

/** c[0] + c[1]·z + c[2]·z² + … (Horner). */
function poly(c: readonly number[], z: number): number {
  let r = c[c.length - 1]!;
  for (let i = c.length - 2; i >= 0; i--) r = r * z + c[i]!;
  return r;
}

/** erf(x); NaN for NaN, ±1 for ±∞. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  let r: number;
  if (a < 0.84375) {
    if (a < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (poly(PP, z) / poly(QQ, z));
  } else if (a < 1.25) {
    r = ERX + poly(PA, a - 1) / poly(QA, a - 1);
  } else if (a < 6) {
    const z = 1 / (a * a);
    const rs = a < 1 / 0.35 ? poly(RA, z) / poly(SA, z) : poly(RB, z) / poly(SB, z);
    const s = Math.fround(a);
    r = 1 - (Math.exp(-s * s - 0.5625) * Math.exp((s - a) * (s + a) + rs)) / a;
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}
