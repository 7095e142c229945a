/**
 * A small seeded PRNG (mulberry32) so the synthetic sample is byte-identical for a given seed on every
 * machine; Math.random would make fixtures and CI artefacts drift.
 */
export class Rng {
  private state: number;

  /** Seed with any integer; equal seeds give equal streams. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A child stream keyed by extra integers, so adding draws in one place never shifts another. */
  static derive(seed: number, ...keys: number[]): Rng {
    let h = (seed ^ 0x9e3779b9) >>> 0;
    for (const k of keys) {
      h = Math.imul(h ^ (k >>> 0), 0x85ebca6b) >>> 0;
      h = (h ^ (h >>> 13)) >>> 0;
      h = Math.imul(h, 0xc2b2ae35) >>> 0;
      h = (h ^ (h >>> 16)) >>> 0;
    }
    return new Rng(h);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal (Box–Muller; one value per call keeps the stream simple to reason about). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const v = items[Math.floor(this.next() * items.length)];
    if (v === undefined) throw new Error('Rng.pick: empty array');
    return v;
  }
}
