import type { Rng } from '../../search/index.js';
import type { MaskedParam } from './types.js';
import type { PruneUnit } from './resolve-spec.js';
import { positionsWhere, selectRandom, selectSmallest } from './selection.js';
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
  const available = positionsWhere(activity, true);
  const more = pruned - (layout.count - available.length);
  const off = init === 'magnitude' ? selectSmallest(unitScores(values, layout), available, Math.max(0, more), rng) : selectRandom(available, Math.max(0, more), rng);
  for (const u of off) activity[u] = 0;
  return expandUnits(activity, layout);
}

/**
 * Magnitude pruning towards `pruned` units off: zero the smallest-score units still active.
 * Never re-activates a unit (GMP's sparsity only grows). Returns null when nothing changes.
 */
export function pruneActiveUnits(values: Float32Array, mask: Float32Array, layout: UnitLayout, pruned: number, rng: Rng): Float32Array | null {
  const activity = unitActivity(mask, layout);
  const active = positionsWhere(activity, true);
  const more = pruned - (layout.count - active.length);
  if (more <= 0) return null;
  for (const u of selectSmallest(unitScores(values, layout), active, more, rng)) activity[u] = 0;
  return expandUnits(activity, layout);
}
