import type { MaskedParam } from './types.js';
import { SparseContractError } from './errors.js';
import { MaskedMethod, hostValues } from './masked-method.js';
import { initialUnitMask, UnitLayouts, unitsToPrune } from './unit-masks.js';

/**
 * Static sparse training: the mask is chosen once at init (magnitude or random, per
 * `spec.init`) at the layer's exact target and never moves; forward W ⊙ M, and W ← W ⊙ M after
 * every step. With `init: random` it is the control of the RigL paper (Evci et al. 2020, "Static");
 * with kind `group` it masks whole neurons/filters/channels.
 */
export class StaticMethod extends MaskedMethod {
  protected layouts!: UnitLayouts;

  protected override prepare(): void {
    if (this.cfg.spec.kind === 'n:m') {
      throw new SparseContractError('an unstructured/group method was initialised with sparsity kind "n:m"; create the method with createSparseMethod(spec) from the spec it will be initialised with');
    }
    this.layouts = new UnitLayouts(this.cfg.unit);
  }

  protected realisableSparsity(_p: MaskedParam, requested: number): number {
    // Kept as requested: every count is round(s·units) of it, so the realised sparsity is
    // round(s·units)/units (whole groups for kind group).
    return requested;
  }

  protected initMask(p: MaskedParam): void {
    const layout = this.layouts.of(p);
    const values = hostValues(p.weight);
    this.setMask(p, initialUnitMask(values, layout, unitsToPrune(p.targetSparsity, layout), this.cfg.spec.init, this.rng, this.allowed.get(p.name)));
  }
}
