import type { Rng } from '../../search/index.js';
import type { MaskedParam } from './types.js';
import type { PruneUnit } from './resolve-spec.js';
import { positionsWhereInt32, selectRandomPositions, selectSmallestMagnitude, selectSmallestPositions } from './selection.js';
import { expandUnits, unitActivity, unitAxis, unitLayout, unitScores, type UnitLayout } from './units.js';

/** Layouts are computed once per param and reused on every pruning step. */
export class UnitLayouts {
  private readonly cache = new Map<string, UnitLayout>();
  constructor(private readonly unit: PruneUnit) {}

  of(p: MaskedParam): UnitLayout {
    let l = this.cache.get(p.name);
    if (!l) {
      l = unitLayout(p.weight.shape, unitAxis(this.unit, p.inputAxis, p.outputAxis));
      this.cache.set(p.name, l);
    }
    return l;
  }
}

/** Units to prune for a sparsity: round(s·units), the exact count (`round(s·n)` for single weights). */
export function unitsToPrune(sparsity: number, layout: UnitLayout): number {
  return Math.round(sparsity * layout.count);
}

/**
 * Initial mask with exactly `pruned` units off: the smallest-score units (magnitude, L2 norm for
 * groups) or a uniformly random set (`init: random`, as RigL/SET's random initial topology).
 * Units wholly outside `allowed` (structural zeros) are off already and count first.
 */
export function initialUnitMask(values: Float32Array, layout: UnitLayout, pruned: number, init: 'magnitude' | 'random', rng: Rng,
  allowed?: Float32Array): Float32Array {
  const activity = allowed ? unitActivity(allowed, layout) : new Uint8Array(layout.count).fill(1);
  const available = positionsWhereInt32(activity, true);
  const more = Math.max(0, pruned - (layout.count - available.length));
  const off = init === 'magnitude' ? smallestUnits(values, layout, available, more, rng) : selectRandomPositions(available, more, rng);
  for (let j = 0; j < off.length; j++) activity[off[j]!] = 0;
  return expandUnits(activity, layout);
}

/**
 * Magnitude pruning towards `pruned` units off: zero the smallest-score units still active.
 * Never re-activates a unit (GMP's sparsity only grows). Returns null when nothing changes.
 */
export function pruneActiveUnits(values: Float32Array, mask: Float32Array, layout: UnitLayout, pruned: number, rng: Rng): Float32Array | null {
  const activity = unitActivity(mask, layout);
  const active = positionsWhereInt32(activity, true);
  const more = pruned - (layout.count - active.length);
  if (more <= 0) return null;
  const off = smallestUnits(values, layout, active, more, rng);
  for (let j = 0; j < off.length; j++) activity[off[j]!] = 0;
  return expandUnits(activity, layout);
}

/** The `k` candidate units of smallest score; single weights rank by |w| without a score copy. */
function smallestUnits(values: ArrayLike<number>, layout: UnitLayout, candidates: Int32Array, k: number, rng: Rng): Int32Array {
  return layout.size === 1 ? selectSmallestMagnitude(values, candidates, k, rng) : selectSmallestPositions(unitScores(values, layout), candidates, k, rng);
}
