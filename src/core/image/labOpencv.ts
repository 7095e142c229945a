import type { RgbImage } from './types';

/*
 * cv2.cvtColor(img, COLOR_RGB2LAB) on uint8 (OpenCV 4.x `color_lab.cpp`, bit-exact integer path): L·255/100, a+128,
 * b+128, each a byte. The tables are built as `initLabTabs` builds them in softfloat (float32 arithmetic, round half
 * to even); checked against cv2 4.6 on all 2^24 colours while porting, and on a committed sample in the unit test.
 */

const LAB_SHIFT = 12;
const LAB_SHIFT2 = 15;
const GAMMA_SHIFT = 3;
const CBRT_TAB_SIZE = (256 * 3) / 2 * (1 << GAMMA_SHIFT);

/** cvRound: round half to even (softfloat `f32_to_i32(round_near_even)`, `lrint` for doubles). */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** OpenCV's sRGB gamma `applyGamma` in softdouble, returned as softfloat. */
function applyGamma(x: number): number {
  const g = x <= 809 / 20000 ? x / (323 / 25) : Math.pow((x + 11 / 200) / (1 + 11 / 200), 12 / 5);
  return Math.fround(g);
}

interface LabTables {
  readonly gamma: Uint16Array;
  readonly cbrt: Uint16Array;
  readonly coeffs: Int32Array;
}

let tables: LabTables | undefined;

/** `initLabTabs` (sRGBGammaTab_b, LabCbrtTab_b) and the `row8uRGB2Lab` coefficients for RGB order and D65. */
function labTables(): LabTables {
  if (tables) return tables;
  const f = Math.fround;
  const gamma = new Uint16Array(256);
  const intScale = f(255 * (1 << GAMMA_SHIFT));
  for (let i = 0; i < 256; i++) gamma[i] = rint(f(intScale * applyGamma(f(i / 255))));
  const lthresh = f(216 / 24389);
  const lscale = f(841 / 108);
  const lbias = f(16 / 116);
  const cbTabScale = f(1 / f(255 * (1 << GAMMA_SHIFT)));
  const lshift2 = 1 << LAB_SHIFT2;
  const cbrt = new Uint16Array(CBRT_TAB_SIZE);
  for (let i = 0; i < CBRT_TAB_SIZE; i++) {
    const x = f(cbTabScale * i);
    // mulAdd is a fused multiply-add; the float32 product is exact in float64, so one rounding of the sum remains.
    const v = x < lthresh ? f(x * lscale + lbias) : f(Math.cbrt(x));
    cbrt[i] = rint(f(lshift2 * v));
  }
  // OpenCV's softfloat cbrt is not correctly rounded: at x = 324/2040 it returns the float32 below the true cube root
  // (Math.cbrt gives exactly 17745.5/32768, which rounds up). Comparing all 2^24 colours with cv2 4.6 found this one entry.
  cbrt[324] = 17745;
  const rgb2xyz = [0.412453, 0.35758, 0.180423, 0.212671, 0.71516, 0.072169, 0.019334, 0.119193, 0.950227];
  const white = [0.950456, 1, 1.088754];
  const coeffs = new Int32Array(9);
  for (let i = 0; i < 9; i++) coeffs[i] = rint(((1 << LAB_SHIFT) * rgb2xyz[i]!) / white[Math.floor(i / 3)]!);
  tables = { gamma, cbrt, coeffs };
  return tables;
}

/** CV_DESCALE: shift right by n with rounding. */
function descale(x: number, n: number): number {
  return (x + (1 << (n - 1))) >> n;
}

/** `cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)` for an 8-bit RGB image: interleaved L, a, b bytes. */
export function rgbToLabOpencv(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  if (img.data.length < n * 3) throw new RangeError('rgbToLabOpencv: RGB data shorter than width·height·3');
  const { gamma, cbrt, coeffs: c } = labTables();
  const lScale = Math.trunc((116 * 255 + 50) / 100);
  const lShift = -Math.trunc((16 * 255 * (1 << LAB_SHIFT2) + 50) / 100);
  const out = new Uint8Array(n * 3);
  const src = img.data;
  const sat = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let i = 0; i < n * 3; i += 3) {
    const R = gamma[src[i]!]!;
    const G = gamma[src[i + 1]!]!;
    const B = gamma[src[i + 2]!]!;
    const fX = cbrt[descale(R * c[0]! + G * c[1]! + B * c[2]!, LAB_SHIFT)]!;
    const fY = cbrt[descale(R * c[3]! + G * c[4]! + B * c[5]!, LAB_SHIFT)]!;
    const fZ = cbrt[descale(R * c[6]! + G * c[7]! + B * c[8]!, LAB_SHIFT)]!;
    out[i] = sat(descale(lScale * fY + lShift, LAB_SHIFT2));
    out[i + 1] = sat(descale(500 * (fX - fY) + 128 * (1 << LAB_SHIFT2), LAB_SHIFT2));
    out[i + 2] = sat(descale(200 * (fY - fZ) + 128 * (1 << LAB_SHIFT2), LAB_SHIFT2));
  }
  return out;
}
