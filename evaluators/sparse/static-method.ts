import type { MaskedParam } from './types.js';
import { MaskedMethod, readValues, writeMask } from './masked-method.js';
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
    this.layouts = new UnitLayouts(this.cfg.unit);
  }

  protected realisableSparsity(p: MaskedParam, requested: number): number {
    const layout = this.layouts.of(p);
    return unitsToPrune(requested, layout) / layout.count;
  }

  protected initMask(p: MaskedParam): void {
    const layout = this.layouts.of(p);
    const values = readValues(p.weight);
    writeMask(p, initialUnitMask(values, layout, unitsToPrune(p.targetSparsity, layout), this.cfg.spec.init, this.rng));
  }
}
