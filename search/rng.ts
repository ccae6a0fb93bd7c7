/**
 * Seeded pseudo-random numbers. Every random choice in sparsenas goes through an `Rng`
 * built from a recorded seed, so any trial can be re-run identically.
 * mulberry32: 32-bit state, fast, good enough for sampling (not for cryptography).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Fisher–Yates shuffle of a copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** Current internal state, for snapshot/restore. */
  state(): number;
}

export function createRng(seed: number, state?: number): Rng {
  let s = (state ?? hashSeed(seed)) >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: () => {
      const u = Math.max(next(), 1e-12);
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick() from an empty array');
      return items[Math.floor(next() * items.length)]!;
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    state: () => s,
  };
  return rng;
}

/** Derive an independent child seed (e.g. a trial seed from the study seed and trial number). */
export function deriveSeed(seed: number, ...salt: (number | string)[]): number {
  let h = hashSeed(seed);
  for (const x of salt) {
    const str = String(x);
    for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193) >>> 0;
    h = hashSeed(h);
  }
  return h & 0x7fffffff;
}

function hashSeed(seed: number): number {
  // splitmix-style scrambling so nearby seeds give unrelated streams
  let z = (Math.trunc(seed) + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
