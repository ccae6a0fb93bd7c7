import type { Rng } from '../../../search/index.js';

/**
 * The mask decisions as they were before the typed-array rewrite (number[] positions, a full
 * Float64 sort for the threshold), kept verbatim as the reference the fast versions must equal
 * bit for bit: same outputs in the same order and the same rng draws.
 */
export function refSelectSmallest(scores: ArrayLike<number>, candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
  return refSelect(scores, candidates, k, rng, 1);
}

export function refSelectLargest(scores: ArrayLike<number>, candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
  return refSelect(scores, candidates, k, rng, -1);
}

export function refSelectRandom(candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
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

function refSelect(scores: ArrayLike<number>, candidates: ArrayLike<number>, k: number, rng: Rng, sign: 1 | -1): number[] {
  const take = clampCount(k, candidates.length);
  if (take === 0) return [];
  if (take === candidates.length) return Array.from(candidates);
  const keys = new Float64Array(candidates.length);
  for (let i = 0; i < keys.length; i++) keys[i] = sign * scores[candidates[i]!]!;
  const threshold = Float64Array.from(keys).sort()[take - 1]!;
  const out: number[] = [];
  const ties: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (keys[i]! < threshold) out.push(candidates[i]!);
    else if (keys[i] === threshold) ties.push(candidates[i]!);
  }
  return out.concat(refSelectRandom(ties, take - out.length, rng));
}

function clampCount(k: number, available: number): number {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`selection count must be a non-negative integer, got ${k}`);
  return Math.min(k, available);
}

export function refPositionsWhere(values: ArrayLike<number>, active: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if ((values[i] !== 0) === active) out.push(i);
  return out;
}
