import type { Rng } from '../../search/index.js';

/**
 * Index selection, the core of every mask decision. Ties at the selection boundary are broken
 * at random with the seeded `Rng` (RigL's code adds N(0, 1e-5) noise to the drop scores for the
 * same reason), so equal scores — zeros at init, just-grown weights — never bias the choice
 * towards low indices, and a seed reproduces the mask.
 *
 * The contract, exactly (the methods' masks and a seed's results depend on it):
 * - `k` is clamped to the number of candidates; k = 0 selects nothing and k = all selects every
 *   candidate in candidate order, neither drawing from the rng;
 * - otherwise the threshold is the k-th smallest key (NaN ranks above every number); candidates
 *   strictly below it come first, in candidate order; the rest of the quota is drawn among the
 *   candidates equal to it (in candidate order) by a partial Fisher–Yates (`selectRandom`),
 *   one rng draw per slot. A NaN threshold (fewer than k numbers) selects nothing.
 *
 * Layers hold 10^5–10^6 weights and RigL/SET/GMP decide every ΔT steps, so positions live in
 * Int32Arrays and the threshold is found by quickselect (O(n)) instead of a full sort.
 */
export function selectSmallest(scores: ArrayLike<number>, candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
  return Array.from(selectSmallestPositions(scores, positionArray(candidates), k, rng));
}

/** The `k` candidates with the largest score (RigL's grow step: largest |∂L/∂W_eff|). */
export function selectLargest(scores: ArrayLike<number>, candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
  return Array.from(selectLargestPositions(scores, positionArray(candidates), k, rng));
}

/** `k` candidates drawn uniformly without replacement (partial Fisher–Yates). */
export function selectRandom(candidates: ArrayLike<number>, k: number, rng: Rng): number[] {
  return Array.from(selectRandomPositions(positionArray(candidates), k, rng));
}

/** `selectSmallest` on Int32Array positions, returning its own Int32Array. */
export function selectSmallestPositions(scores: ArrayLike<number>, candidates: Int32Array, k: number, rng: Rng): Int32Array {
  const take = clampCount(k, candidates.length);
  if (take === 0) return new Int32Array(0);
  if (take === candidates.length) return candidates.slice();
  const keys = new Float64Array(candidates.length);
  for (let i = 0; i < keys.length; i++) keys[i] = scores[candidates[i]!]!;
  return selectByKeys(keys, candidates, take, rng);
}

/** `selectLargest` on Int32Array positions (the smallest of the negated scores). */
export function selectLargestPositions(scores: ArrayLike<number>, candidates: Int32Array, k: number, rng: Rng): Int32Array {
  const take = clampCount(k, candidates.length);
  if (take === 0) return new Int32Array(0);
  if (take === candidates.length) return candidates.slice();
  const keys = new Float64Array(candidates.length);
  for (let i = 0; i < keys.length; i++) keys[i] = -scores[candidates[i]!]!;
  return selectByKeys(keys, candidates, take, rng);
}

/**
 * The `k` candidates of smallest |values[c]| (RigL/SET's drop step) without a full |w| copy:
 * equal to `selectSmallestPositions(values.map(Math.abs), candidates, k, rng)`.
 */
export function selectSmallestMagnitude(values: ArrayLike<number>, candidates: Int32Array, k: number, rng: Rng): Int32Array {
  const take = clampCount(k, candidates.length);
  if (take === 0) return new Int32Array(0);
  if (take === candidates.length) return candidates.slice();
  const keys = new Float64Array(candidates.length);
  for (let i = 0; i < keys.length; i++) keys[i] = Math.abs(values[candidates[i]!]!);
  return selectByKeys(keys, candidates, take, rng);
}

/** The `k` candidates of largest |values[c]| (RigL's grow step): `selectLargestPositions` of |values|. */
export function selectLargestMagnitude(values: ArrayLike<number>, candidates: Int32Array, k: number, rng: Rng): Int32Array {
  const take = clampCount(k, candidates.length);
  if (take === 0) return new Int32Array(0);
  if (take === candidates.length) return candidates.slice();
  const keys = new Float64Array(candidates.length);
  for (let i = 0; i < keys.length; i++) keys[i] = -Math.abs(values[candidates[i]!]!);
  return selectByKeys(keys, candidates, take, rng);
}

/** `selectRandom` on Int32Array positions (the input is not modified). */
export function selectRandomPositions(candidates: Int32Array, k: number, rng: Rng): Int32Array {
  const take = clampCount(k, candidates.length);
  return drawInPlace(candidates.slice(), take, rng);
}

/** Positions whose value is (non-)zero, in index order. */
export function positionsWhere(values: ArrayLike<number>, active: boolean): number[] {
  return Array.from(positionsWhereInt32(values, active));
}

/** `positionsWhere` as an Int32Array (one counting pass, one filling pass, no growing arrays). */
export function positionsWhereInt32(values: ArrayLike<number>, active: boolean): Int32Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if ((values[i] !== 0) === active) n++;
  const out = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if ((values[i] !== 0) === active) out[j++] = i;
  return out;
}

/**
 * Positions where `values` is 0 and `allowed` (when given) is exactly 1, in index order: the
 * grow candidates of a dynamic method.
 */
export function zeroPositionsAllowed(values: ArrayLike<number>, allowed?: ArrayLike<number>): Int32Array {
  if (!allowed) return positionsWhereInt32(values, false);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0 && allowed[i] === 1) n++;
  const out = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0 && allowed[i] === 1) out[j++] = i;
  return out;
}

/** 0 < take < keys.length; keys[i] is the key of candidates[i]. */
function selectByKeys(keys: Float64Array, candidates: Int32Array, take: number, rng: Rng): Int32Array {
  const threshold = kthSmallest(keys, take - 1);
  let below = 0;
  let equal = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = keys[i]!;
    if (v < threshold) below++;
    else if (v === threshold) equal++;
  }
  // NaN threshold: nothing compares below or equal to it, and nothing is selected.
  const out = new Int32Array(below + Math.min(take - below, equal));
  const ties = new Int32Array(equal);
  let o = 0;
  let t = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = keys[i]!;
    if (v < threshold) out[o++] = candidates[i]!;
    else if (v === threshold) ties[t++] = candidates[i]!;
  }
  out.set(drawInPlace(ties, Math.min(take - below, equal), rng), below);
  return out;
}

/** Partial Fisher–Yates on `pool` itself: its first `take` entries after `take` rng draws. */
function drawInPlace(pool: Int32Array, take: number, rng: Rng): Int32Array {
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng.next() * (pool.length - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.subarray(0, take);
}

/**
 * The element of rank `r` (0-based) of `keys` in ascending numeric order with NaN last — the
 * value `Float64Array.from(keys).sort()[r]` (up to the sign of a zero, which no comparison sees).
 * Introselect: median-of-three quickselect with a three-way partition (runs of equal keys, the
 * usual case at init, end in one pass); after 2·log2(n) rounds without converging it sorts the
 * remaining range, so the worst case stays O(n log n). `keys` is not modified.
 */
export function kthSmallest(keys: Float64Array, r: number): number {
  const a = new Float64Array(keys.length);
  let n = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = keys[i]!;
    if (v === v) a[n++] = v;
  }
  if (r >= n) return NaN;
  let lo = 0;
  let hi = n - 1;
  let budget = 2 * Math.ceil(Math.log2(n + 1)) + 4;
  while (hi - lo >= 16) {
    if (budget-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return a[r]!;
    }
    const x = a[lo]!;
    const y = a[(lo + hi) >>> 1]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i]!;
      if (v < pivot) { a[i] = a[lt]!; a[lt] = v; lt++; i++; }
      else if (v > pivot) { a[i] = a[gt]!; a[gt] = v; gt--; }
      else i++;
    }
    if (r < lt) hi = lt - 1;
    else if (r > gt) lo = gt + 1;
    else return pivot;
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > v) { a[j + 1] = a[j]!; j--; }
    a[j + 1] = v;
  }
  return a[r]!;
}

function clampCount(k: number, available: number): number {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`selection count must be a non-negative integer, got ${k}`);
  return Math.min(k, available);
}

/** Candidates as Int32Array positions (used as is when they already are one). */
function positionArray(candidates: ArrayLike<number>): Int32Array {
  if (candidates instanceof Int32Array) return candidates;
  const out = new Int32Array(candidates.length);
  for (let i = 0; i < out.length; i++) {
    const c = candidates[i]!;
    if (!Number.isInteger(c) || c < 0 || c > 0x7fffffff) {
      throw new RangeError(`selection candidates are positions (non-negative integers below 2^31); candidate ${i} is ${c}`);
    }
    out[i] = c;
  }
  return out;
}
