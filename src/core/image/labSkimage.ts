/*
 * scikit-image 0.19 `rgb2lab` (D65, 2°) and `deltaE_ciede2000` (kL = kC = kH = 1), per pixel in float64 with the
 * operations in skimage's order (`color/colorconv.py` rgb2xyz / xyz2lab, `color/delta_e.py` deltaE_ciede2000).
 */

const XYZ_FROM_RGB = [0.412453, 0.35758, 0.180423, 0.212671, 0.71516, 0.072169, 0.019334, 0.119193, 0.950227];
const WHITE_D65 = [0.95047, 1, 1.08883];

/** `img_as_float64` of a byte: `v * (1/255)`, as skimage multiplies (it does not divide). */
function toFloat(v: number): number {
  return v * (1 / 255);
}

/** rgb2xyz's inverse sRGB companding. */
function linear(c: number): number {
  return c > 0.04045 ? Math.pow((c + 0.055) / 1.055, 2.4) : c / 12.92;
}

/** xyz2lab's non-linearity on a white-normalised component. */
function labF(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** `skimage.color.rgb2lab` of one 8-bit RGB colour, written to out[o..o+2]. */
export function rgbToLabSkimage(r: number, g: number, b: number, out: Float64Array, o: number): void {
  const R = linear(toFloat(r));
  const G = linear(toFloat(g));
  const B = linear(toFloat(b));
  const m = XYZ_FROM_RGB;
  const x = labF((R * m[0]! + G * m[1]! + B * m[2]!) / WHITE_D65[0]!);
  const y = labF((R * m[3]! + G * m[4]! + B * m[5]!) / WHITE_D65[1]!);
  const z = labF((R * m[6]! + G * m[7]! + B * m[8]!) / WHITE_D65[2]!);
  out[o] = 116 * y - 16;
  out[o + 1] = 500 * (x - y);
  out[o + 2] = 200 * (y - z);
}

/** `_cart2polar_2pi`: radius and angle in [0, 2π). */
function polar(x: number, y: number): [number, number] {
  const t = Math.atan2(y, x);
  return [Math.hypot(x, y), t < 0 ? t + 2 * Math.PI : t];
}

const POW25_7 = 25 ** 7;
// np.deg2rad(x) = x·(π/180), np.rad2deg(x) = x·(180/π).
const DEG30 = 30 * (Math.PI / 180);
const DEG6 = 6 * (Math.PI / 180);
const DEG63 = 63 * (Math.PI / 180);
const TO_DEG = 180 / Math.PI;

/** `skimage.color.deltaE_ciede2000(lab1, lab2)` for one pair of Lab colours. */
export function deltaE2000(L1: number, a1: number, b1: number, L2: number, a2: number, b2: number): number {
  let cbar = 0.5 * (Math.hypot(a1, b1) + Math.hypot(a2, b2));
  let c7 = cbar ** 7;
  const G = 0.5 * (1 - Math.sqrt(c7 / (c7 + POW25_7)));
  const scale = 1 + G;
  const [C1, h1] = polar(a1 * scale, b1);
  const [C2, h2] = polar(a2 * scale, b2);
  const Lbar = 0.5 * (L1 + L2);
  const tmp = (Lbar - 50) ** 2;
  const SL = 1 + (0.015 * tmp) / Math.sqrt(20 + tmp);
  const Lterm = (L2 - L1) / SL;
  cbar = 0.5 * (C1 + C2);
  const SC = 1 + 0.045 * cbar;
  const Cterm = (C2 - C1) / SC;
  const hDiff = h2 - h1;
  const hSum = h1 + h2;
  const CC = C1 * C2;
  let dH = hDiff;
  if (hDiff > Math.PI) dH -= 2 * Math.PI;
  if (hDiff < -Math.PI) dH += 2 * Math.PI;
  if (CC === 0) dH = 0;
  const dHterm = 2 * Math.sqrt(CC) * Math.sin(dH / 2);
  let Hbar = hSum;
  if (CC !== 0 && Math.abs(hDiff) > Math.PI) Hbar += hSum < 2 * Math.PI ? 2 * Math.PI : -2 * Math.PI;
  if (CC === 0) Hbar *= 2;
  Hbar *= 0.5;
  const T = 1 - 0.17 * Math.cos(Hbar - DEG30) + 0.24 * Math.cos(2 * Hbar) + 0.32 * Math.cos(3 * Hbar + DEG6) - 0.2 * Math.cos(4 * Hbar - DEG63);
  const SH = 1 + 0.015 * cbar * T;
  const Hterm = dHterm / SH;
  c7 = cbar ** 7;
  const Rc = 2 * Math.sqrt(c7 / (c7 + POW25_7));
  const dtheta = DEG30 * Math.exp(-(((Hbar * TO_DEG - 275) / 25) ** 2));
  const Rterm = -Math.sin(2 * dtheta) * Rc * Cterm * Hterm;
  let dE2 = Lterm ** 2;
  dE2 += Cterm ** 2;
  dE2 += Hterm ** 2;
  dE2 += Rterm;
  return Math.sqrt(Math.max(dE2, 0));
}
