import { lazyKernelModule } from '../wasm/kernelModule';
import type { PreparedPair } from './prepare';

/** What src/asm/weightedFmeasure.ts exports. */
interface KernelExports {
  readonly memory: WebAssembly.Memory;
  nearestAndBackground(gt: number, pred: number, value: number, table: number, tableLen: number, nearest: number, ewBg: number, fy: number, env: number, w: number, h: number, x0: number, x1: number): number;
  foregroundError(gt: number, pred: number, value: number, gauss: number, nearest: number, rowStart: number, rowEnd: number, lo: number, hi: number, et: number, rows: number, ewFg: number, w: number, h: number): number;
  numpySum(a: number, n: number): number;
}

/** Byte offsets of every array in the kernel's memory, for images of up to n pixels, w columns and h rows. */
interface Layout {
  readonly n: number;
  readonly w: number;
  readonly h: number;
  readonly value: number;
  readonly gt: number;
  readonly pred: number;
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly lo: number;
  readonly hi: number;
  readonly fy: number;
  readonly nearest: number;
  readonly ewBg: number;
  readonly et: number;
  readonly rows: number;
  readonly ewFg: number;
  readonly env: number;
}

/**
 * What the metric needs of one image: the error sums, plus the nearest GT pixel of every pixel and the background
 * weights (views on the kernel's memory or this thread's scratch, valid until the next call) for tests to compare.
 */
export interface WeightedErrors {
  /** Flat index of each pixel's nearest GT pixel (scipy's choice among equidistant ones). */
  readonly nearest: Int32Array;
  /** Ew of every non-GT pixel in raster order. */
  readonly ewBg: Float64Array;
  /** Σ min(E, EA) over the GT in numpy's summation order. */
  readonly fgErr: number;
  /** Σ ewBg in numpy's summation order. */
  readonly fpw: number;
}

/**
 * The weighted F-measure's passes in WebAssembly (src/asm/weightedFmeasure.ts), one instance per thread. Arrays are
 * laid out past the module's own memory, which grows to the largest image seen: 42 bytes a pixel, 33 MB at 1024×768.
 */
export class WfmKernel {
  private readonly ex: KernelExports;
  private readonly base: number;
  private readonly table: Float64Array;
  private readonly gauss: Float64Array;
  private layout: Layout | undefined;

  /** `table`: B by squared distance (exactly 2 past its end); `gauss`: the normalised 7-tap Gaussian factor. */
  constructor(module: WebAssembly.Module, table: Float64Array, gauss: Float64Array) {
    this.ex = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
    // Everything the module itself uses lies below its initial size.
    this.base = this.ex.memory.buffer.byteLength;
    this.table = table;
    this.gauss = gauss;
  }

  /** Offsets for an image of n pixels, undefined when the memory cannot grow that far (wasm32: 4 GiB). */
  private fit(n: number, w: number, h: number): Layout | undefined {
    const old = this.layout;
    if (old && old.n >= n && old.w >= w && old.h >= h) return old;
    const N = Math.max(n, old?.n ?? 0);
    const W = Math.max(w, old?.w ?? 0);
    const H = Math.max(h, old?.h ?? 0);
    let at = this.base + (this.table.length + 8) * 8;
    const take = (bytes: number) => {
      const o = at;
      at += Math.ceil(bytes / 8) * 8;
      return o;
    };
    const value = take(256 * 8);
    const L: Layout = {
      n: N, w: W, h: H, value,
      gt: take(N), pred: take(N), rowStart: take(4 * H), rowEnd: take(4 * H), lo: take(4 * H), hi: take(4 * H),
      fy: take(4 * N), nearest: take(4 * N), ewBg: take(8 * N), et: take(8 * N), rows: take(8 * N), ewFg: take(8 * N), env: take(24 * W),
    };
    const pages = Math.ceil(at / 65536) - this.ex.memory.buffer.byteLength / 65536;
    try {
      if (pages > 0) this.ex.memory.grow(pages);
    } catch {
      return undefined;
    }
    const mem = this.ex.memory.buffer;
    new Float64Array(mem, this.base, this.table.length).set(this.table);
    new Float64Array(mem, this.base + this.table.length * 8, 7).set(this.gauss);
    this.layout = L;
    return L;
  }

  /** Every pass of the metric but the final formula; undefined when the image does not fit the memory. */
  run(pair: PreparedPair): WeightedErrors | undefined {
    const { width: w, height: h, n } = pair;
    const L = this.fit(n, w, h);
    if (!L) return undefined;
    // Views only now: growing the memory detaches earlier ones.
    const mem = this.ex.memory.buffer;
    new Float64Array(mem, L.value, 256).set(pair.value);
    new Uint8Array(mem, L.gt, n).set(pair.gt.length === n ? pair.gt : pair.gt.subarray(0, n));
    new Uint8Array(mem, L.pred, n).set(pair.pred.length === n ? pair.pred : pair.pred.subarray(0, n));
    new Int32Array(mem, L.rowStart, h).set(pair.fgRowStart);
    new Int32Array(mem, L.rowEnd, h).set(pair.fgRowEnd);
    const ex = this.ex;
    const bg = ex.nearestAndBackground(L.gt, L.pred, L.value, this.base, this.table.length, L.nearest, L.ewBg, L.fy, L.env, w, h, pair.fgBox[0], pair.fgBox[2]);
    const gauss = this.base + this.table.length * 8;
    const fgErr = ex.foregroundError(L.gt, L.pred, L.value, gauss, L.nearest, L.rowStart, L.rowEnd, L.lo, L.hi, L.et, L.rows, L.ewFg, w, h);
    const fpw = ex.numpySum(L.ewBg, bg);
    return { nearest: new Int32Array(mem, L.nearest, n), ewBg: new Float64Array(mem, L.ewBg, bg), fgErr, fpw };
  }
}

let kernel: WfmKernel | undefined;

/** The compiled kernel, or undefined when weightedFmeasure.wasm is not beside this module. */
export const wfmKernelModule = lazyKernelModule(__dirname, 'weightedFmeasure.wasm');

/** This thread's kernel (see the constructor for `table` and `gauss`), or undefined without the module (the JavaScript path then runs). */
export function wfmKernel(table: Float64Array, gauss: Float64Array): WfmKernel | undefined {
  const module = wfmKernelModule();
  if (!module) return undefined;
  kernel ??= new WfmKernel(module, table, gauss);
  return kernel;
}
