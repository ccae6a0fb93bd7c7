import type { Rng } from '../../../search/index.js';
import { unitScores } from '../../../evaluators/sparse/units.js';

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

/**
 * The host side of DynamicMethod.updateLayer as it was before the typed-array rewrite (number[]
 * positions, |w| and |g| copies, a filter closure), on plain arrays: the reference of `topologyStep`.
 */
export function refTopologyStep(w: Float32Array, maskIn: Float32Array, allowed: Float32Array | undefined, f: number,
  grad: Float32Array | undefined, rng: Rng): { dropped: number[]; grown: number[]; mask: Float32Array; weight: Float32Array } {
  const weight = Float32Array.from(w);
  const mask = Float32Array.from(maskIn);
  const active = refPositionsWhere(mask, true);
  const k = Math.floor(f * active.length);
  const magnitude = weight.map(Math.abs);
  const dropped = refSelectSmallest(magnitude, active, k, rng);
  const kept = Float32Array.from(mask);
  for (const i of dropped) kept[i] = 0;
  const candidates = refPositionsWhere(kept, false).filter((i) => !allowed || allowed[i] === 1);
  const grown = grad ? refSelectLargest(grad.map(Math.abs), candidates, k, rng) : refSelectRandom(candidates, k, rng);
  for (const i of grown) {
    kept[i] = 1;
    if (mask[i] === 0 && weight[i] !== 0) weight[i] = 0;
  }
  return { dropped, grown, mask: kept, weight };
}

/** Unit layout fields the reference unit masks need (unit scores are unchanged: units.ts's own). */
interface RefLayout { readonly count: number; readonly size: number; readonly unitOf: Int32Array }

function refUnitActivity(mask: ArrayLike<number>, layout: RefLayout): Uint8Array {
  const a = new Uint8Array(layout.count);
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) a[layout.unitOf[i]!] = 1;
  return a;
}

function refExpandUnits(activity: ArrayLike<number>, layout: RefLayout): Float32Array {
  const out = new Float32Array(layout.unitOf.length);
  for (let i = 0; i < out.length; i++) out[i] = activity[layout.unitOf[i]!] ? 1 : 0;
  return out;
}

/** unit-masks.ts `initialUnitMask` before the rewrite. */
export function refInitialUnitMask(values: Float32Array, layout: RefLayout, pruned: number, init: 'magnitude' | 'random', rng: Rng,
  allowed?: Float32Array): Float32Array {
  const activity = allowed ? refUnitActivity(allowed, layout) : new Uint8Array(layout.count).fill(1);
  const available = refPositionsWhere(activity, true);
  const more = pruned - (layout.count - available.length);
  const off = init === 'magnitude' ? refSelectSmallest(unitScores(values, layout), available, Math.max(0, more), rng) : refSelectRandom(available, Math.max(0, more), rng);
  for (const u of off) activity[u] = 0;
  return refExpandUnits(activity, layout);
}

/** unit-masks.ts `pruneActiveUnits` before the rewrite. */
export function refPruneActiveUnits(values: Float32Array, mask: Float32Array, layout: RefLayout, pruned: number, rng: Rng): Float32Array | null {
  const activity = refUnitActivity(mask, layout);
  const active = refPositionsWhere(activity, true);
  const more = pruned - (layout.count - active.length);
  if (more <= 0) return null;
  for (const u of refSelectSmallest(unitScores(values, layout), active, more, rng)) activity[u] = 0;
  return refExpandUnits(activity, layout);
}
