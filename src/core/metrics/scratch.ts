/**
 * Per-thread scratch buffers reused across images: a dataset run scores thousands of same-sized masks, and allocating
 * (and zeroing, and collecting) several full-size typed arrays per image costs as much as some metrics. A buffer
 * handed out for a key is valid until the next request for that key; callers must not keep it.
 */
const int32Pool = new Map<string, Int32Array>();
const float64Pool = new Map<string, Float64Array>();

/** An Int32Array view of length n for `key`, contents unspecified. */
export function scratchInt32(key: string, n: number): Int32Array {
  let a = int32Pool.get(key);
  if (!a || a.length < n) {
    a = new Int32Array(n);
    int32Pool.set(key, a);
  }
  return a.length === n ? a : a.subarray(0, n);
}

/** A Float64Array view of length n for `key`, contents unspecified. */
export function scratchFloat64(key: string, n: number): Float64Array {
  let a = float64Pool.get(key);
  if (!a || a.length < n) {
    a = new Float64Array(n);
    float64Pool.set(key, a);
  }
  return a.length === n ? a : a.subarray(0, n);
}

/** Drop every cached buffer (e.g. after scoring unusually large images). */
export function releaseScratch(): void {
  int32Pool.clear();
  float64Pool.clear();
}
