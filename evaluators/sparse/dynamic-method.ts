import * as tf from '@tensorflow/tfjs';
import type { HostReads, MaskedParam, SparseStepContext } from './types.js';
import { SparseContractError } from './errors.js';
import { readValues } from './masked-method.js';
import { dynamicEndStep, dropFractionAt, isTopologyUpdateStep } from './schedules.js';
import { positionsWhere, selectLargest, selectRandom, selectSmallest } from './selection.js';
import { StaticMethod } from './static-method.js';

/** What one topology update did to one layer (for tests and diagnostics). */
export interface TopologyUpdate {
  readonly layer: string;
  readonly step: number;
  readonly dropped: readonly number[];
  readonly grown: readonly number[];
}

/**
 * Dynamic sparse training with a fixed number of non-zeros per layer: RigL (Evci et al. 2020,
 * Alg. 1) grows by |dense gradient|, SET (Mocanu et al. 2018) grows at random. Every ΔT steps
 * while t < t_end: drop ⌊f_t·n_active⌋ active weights of smallest |w| (f_t cosine-annealed), then
 * grow as many.
 *
 * Grow candidates follow the released RigL code (`SparseSETOptimizer._get_update_op` in
 * google-research/rigl, rigl/sparse_optimizers.py): every position not kept after the drop —
 * inactive before the update *or just dropped* — ranked by the grow score; the paper's Alg. 1
 * writes the same set as i ∉ θ \ I_drop. A connection that is dropped and regrown in the same
 * update keeps its weight (the code's default `reinit_when_same=False`); a newly activated one
 * starts at 0 (`grow_init='zeros'`). Non-zero slots per layer are therefore exactly constant.
 * Not reproduced: (1) the code resets the optimiser's slots (momentum) of grown connections; this
 * contract gives no access to optimiser state (masked positions receive zero gradient, so their
 * moments have decayed by ΔT steps of β-decay when they are regrown); (2) the code skips the
 * weight update on a mask-update step, here `afterStep` runs after the optimiser step.
 */
export class DynamicMethod extends StaticMethod {
  private tEnd = 0;
  /** The updates of the last topology step, one entry per sparse layer. */
  lastUpdates: TopologyUpdate[] = [];

  constructor(private readonly grow: 'gradient' | 'random') {
    super();
  }

  protected override prepare(): void {
    super.prepare();
    this.tEnd = dynamicEndStep(this.totalSteps, this.cfg.updateEndFraction);
  }

  override wantsDenseGradient(ctx: SparseStepContext): boolean {
    return this.grow === 'gradient' && this.isUpdate(ctx.step);
  }

  /** A topology update drops and grows on the host (weights, masks, RigL's dense gradient). */
  override hostReads(ctx: SparseStepContext): HostReads {
    return { forward: false, afterStep: this.isUpdate(ctx.step) };
  }

  private isUpdate(step: number): boolean {
    return isTopologyUpdateStep(step, this.cfg.updateEvery, this.tEnd);
  }

  protected override updateMasks(ctx: SparseStepContext, denseGradients?: ReadonlyMap<string, tf.Tensor>): void {
    if (!this.isUpdate(ctx.step)) return;
    const f = dropFractionAt(ctx.step, this.cfg.dropFraction, this.tEnd);
    this.lastUpdates = [];
    for (const p of this.params) {
      if (p.targetSparsity === 0) continue;
      this.lastUpdates.push(this.updateLayer(p, ctx.step, f, denseGradients));
    }
  }

  private updateLayer(p: MaskedParam, step: number, f: number, grads?: ReadonlyMap<string, tf.Tensor>): TopologyUpdate {
    const w = readValues(p.weight);
    const mask = readValues(p.mask);
    const active = positionsWhere(mask, true);
    const k = Math.floor(f * active.length);
    const magnitude = w.map(Math.abs);
    const dropped = selectSmallest(magnitude, active, k, this.rng);
    const kept = Float32Array.from(mask);
    for (const i of dropped) kept[i] = 0;
    const allowed = this.allowed.get(p.name);
    const candidates = positionsWhere(kept, false).filter((i) => !allowed || allowed[i] === 1);
    const grown = this.grow === 'gradient'
      ? selectLargest(this.gradientScore(p, step, grads), candidates, k, this.rng)
      : selectRandom(candidates, k, this.rng);
    let stale = false;
    for (const i of grown) {
      kept[i] = 1;
      // grow_init='zeros'. Inactive weights are already 0 when the loop re-masks after every
      // step; zero them here anyway so the invariant does not depend on the caller.
      if (mask[i] === 0 && w[i] !== 0) { w[i] = 0; stale = true; }
    }
    this.setMask(p, kept);
    if (stale) tf.tidy(() => { p.weight.assign(tf.tensor(w, p.weight.shape, 'float32')); });
    return { layer: p.name, step, dropped, grown };
  }

  private gradientScore(p: MaskedParam, step: number, grads?: ReadonlyMap<string, tf.Tensor>): Float32Array {
    const g = grads?.get(p.name);
    if (!g) {
      throw new SparseContractError(`RigL needs the dense gradient ∂L/∂W_eff of layer ${p.name} at step ${step}: the training loop must pass it in afterStep's denseGradients whenever wantsDenseGradient() is true`);
    }
    if (g.size !== p.weight.size) {
      throw new SparseContractError(`dense gradient of layer ${p.name} has ${g.size} elements, its weight ${p.weight.size}; pass ∂L/∂W_eff with the weight's shape`);
    }
    return readValues(g).map(Math.abs);
  }
}
