import type { Rng } from '../../search/index.js';

/**
 * Index selection on plain arrays, the core of every mask decision. Ties are broken by a
 * random key from the seeded `Rng` (RigL's code adds N(0, 1e-5) noise to the drop scores for
 * the same reason), so equal scores — zeros at init, just-grown weights — never bias the
 * choice towards low indices, and a seed reproduces the mask.
 */
export function selectSmallest(scores: ArrayLike<number>, candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
  return select(scores, candidates, k, rng, 1);
}

/** The `k` candidates with the largest score (RigL's grow step: largest |∂L/∂W_eff|). */
export function selectLargest(scores: ArrayLike<number>, candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
  return select(scores, candidates, k, rng, -1);
}

/** `k` candidates drawn uniformly without replacement (partial Fisher–Yates). */
export function selectRandom(candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
  const pool = Array.from(candidates);
  const take = clampCount(k, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng.next() * (pool.length - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, take);
}

function select(scores: ArrayLike<number>, candidates: ArrayLike<number>, k: number, rng: Rng, sign: 1 | -1): number[] {
  const take = clampCount(k, candidates.length);
  if (take === 0) return [];
  const idx = Array.from(candidates);
  if (take === idx.length) return idx;
  const key = new Float64Array(idx.length);
  for (let i = 0; i < key.length; i++) key[i] = rng.next();
  const order = Array.from({ length: idx.length }, (_, i) => i);
  order.sort((a, b) => sign * (scores[idx[a]!]! - scores[idx[b]!]!) || key[a]! - key[b]!);
  return order.slice(0, take).map((i) => idx[i]!);
}

function clampCount(k: number, available: number): number {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`selection count must be a non-negative integer, got ${k}`);
  return Math.min(k, available);
}

/** Positions whose value is (non-)zero, in index order. */
export function positionsWhere(values: ArrayLike<number>, active: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if ((values[i] !== 0) === active) out.push(i);
  return out;
}
