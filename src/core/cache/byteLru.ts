/**
 * A least-recently-used map bounded by the bytes its values hold, not by their number: 65 entries of 768² masks are
 * 38 MB, 65 entries of 16000² GTs are 16 GB. An entry larger than the whole budget is not kept at all.
 */
export class ByteLru<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private total = 0;

  /** `maxBytes`: the budget; `sizeOf`: the bytes one value holds. */
  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** Keep `value` under `key`, evicting the least recently used entries until the budget holds. */
  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.bytes;
      this.map.delete(key);
    }
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    this.map.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, e] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(k);
      this.total -= e.bytes;
    }
  }

  /** Bytes currently held. */
  get bytes(): number {
    return this.total;
  }

  /** Number of entries. */
  get size(): number {
    return this.map.size;
  }
}
