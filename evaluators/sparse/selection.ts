import type { Rng } from '../../search/index.js';

/**
 * Index selection on plain arrays, the core of every mask decision. Ties at the selection
 * boundary are broken at random with the seeded `Rng` (RigL's code adds N(0, 1e-5) noise to the
 * drop scores for the same reason), so equal scores — zeros at init, just-grown weights — never
 * bias the choice towards low indices, and a seed reproduces the mask.
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
  if (take === candidates.length) return Array.from(candidates);
  // Threshold = the take-th smallest key (a native numeric sort of a typed copy: no comparator
  // callbacks, ~20× faster than sorting indices on layers of 10^5–10^6 weights); everything
  // strictly below it is selected, the rest of the quota is drawn at random among the ties.
  const keys = new Float64Array(candidates.length);
  for (let i = 0; i < keys.length; i++) keys[i] = sign * scores[candidates[i]!]!;
  const threshold = Float64Array.from(keys).sort()[take - 1]!;
  const out: number[] = [];
  const ties: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (keys[i]! < threshold) out.push(candidates[i]!);
    else if (keys[i] === threshold) ties.push(candidates[i]!);
  }
  return out.concat(selectRandom(ties, take - out.length, rng));
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
