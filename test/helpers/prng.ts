/**
 * A small deterministic PRNG (mulberry32) for the fuzzer and randomised tests: every case
 * is derived from one 32-bit seed, so a failure can be replayed exactly.
 */

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform 32-bit unsigned integer (mulberry32). */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 0x100000000;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A short printable string (mostly ASCII, sometimes multi-byte UTF-8). */
  text(maxLength: number): string {
    const n = this.int(0, maxLength);
    let s = '';
    for (let i = 0; i < n; i++) s += this.chance(0.05) ? this.pick(['é', '€', '😀', '/', '+', '#']) : String.fromCharCode(this.int(0x61, 0x7a));
    return s;
  }
}

/** Derive the seed of case `index` of a run started with `runSeed`. */
export function caseSeed(runSeed: number, index: number): number {
  return (Math.imul(runSeed >>> 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/** A seeded [0, 1) generator function (the same mulberry32 sequence as `Rng.float`), for table tests. */
export function mulberry32(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.float();
}
