import type * as tf from '@tensorflow/tfjs';
import type { HostReads, MaskedParam, SparseStepContext } from './types.js';
import { hostValues } from './masked-method.js';
import { gmpSchedule, gmpSparsityAt, isGmpStep, type GmpSchedule } from './schedules.js';
import { StaticMethod } from './static-method.js';
import { initialUnitMask, pruneActiveUnits, unitsToPrune } from './unit-masks.js';

/**
 * Gradual magnitude pruning (Zhu & Gupta 2017, eq. 1). Each layer follows the cubic schedule
 * towards its own final target s_f^l (the distribution's, so ERK shapes are kept):
 * s_t^l = s_f^l + (s_i^l − s_f^l)(1 − p)^3 with s_i^l = s_i·s_f^l/s_f, i.e. the global s_t scaled
 * by the layer's share. At each pruning step a layer zeroes its smallest-magnitude still-active
 * units (weights, or groups by L2 norm) until it holds round(s_t^l·units) pruned units; pruned
 * weights stay zero (W ← W ⊙ M every step) and sparsity never decreases.
 */
export class GmpMethod extends StaticMethod {
  private schedule!: GmpSchedule;

  protected override prepare(): void {
    super.prepare();
    this.schedule = gmpSchedule(this.totalSteps, this.cfg.gmpStart, this.cfg.gmpEnd, this.cfg.gmpEvery, this.cfg.gmpInitial, this.cfg.level);
  }

  /** Layer sparsity at step t (t ≤ t0 gives s_i^l; the mask at init is this value at t0). */
  layerSparsityAt(p: MaskedParam, t: number): number {
    const sf = p.targetSparsity;
    const si = this.cfg.level > 0 ? this.cfg.gmpInitial * (sf / this.cfg.level) : 0;
    return gmpSparsityAt(t, { ...this.schedule, initial: si, final: sf });
  }

  protected override initMask(p: MaskedParam): void {
    // The run starts at s_i (Zhu & Gupta prune to s_i at t0; t0 = 0 is before the first step).
    const layout = this.layouts.of(p);
    const pruned = unitsToPrune(this.layerSparsityAt(p, this.schedule.t0), layout);
    this.setMask(p, initialUnitMask(hostValues(p.weight), layout, pruned, this.cfg.spec.init, this.rng, this.allowed.get(p.name)));
  }

  /** A pruning step ranks weights by magnitude on the host. */
  override hostReads(ctx: SparseStepContext): HostReads {
    return { forward: false, afterStep: isGmpStep(ctx.step, this.schedule) };
  }

  protected override updateMasks(ctx: SparseStepContext, _g?: ReadonlyMap<string, tf.Tensor>): void {
    if (!isGmpStep(ctx.step, this.schedule)) return;
    for (const p of this.params) {
      if (p.targetSparsity === 0) continue; // structural zeros alone never move
      const layout = this.layouts.of(p);
      const next = pruneActiveUnits(hostValues(p.weight), hostValues(p.mask), layout, unitsToPrune(this.layerSparsityAt(p, ctx.step), layout), this.rng);
      if (next) this.setMask(p, next);
    }
  }
}
