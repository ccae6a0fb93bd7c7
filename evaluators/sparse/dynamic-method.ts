import * as tf from '@tensorflow/tfjs';
import type { HostReads, MaskedParam, SparseStepContext } from './types.js';
import { SparseContractError } from './errors.js';
import type { Rng } from '../../search/index.js';
import { hostValues } from './masked-method.js';
import { dynamicEndStep, dropFractionAt, isTopologyUpdateStep } from './schedules.js';
import { positionsWhereInt32, selectLargestMagnitude, selectRandomPositions, selectSmallestMagnitude, zeroPositionsAllowed } from './selection.js';
import { StaticMethod } from './static-method.js';

/** What one topology update did to one layer (for tests and diagnostics). */
export interface TopologyUpdate {
  readonly layer: string;
  readonly step: number;
  /** Positions (flat, row-major) in selection order. */
  readonly dropped: Int32Array;
  readonly grown: Int32Array;
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
    // Read-only views: nothing below writes into them (the mask is copied into `kept`, a weight
    // is copied only when a grown one must be zeroed), and both are read before the mask moves.
    const w = hostValues(p.weight);
    const mask = hostValues(p.mask);
    const scores = this.grow === 'gradient' ? this.gradientScore(p, step, grads) : undefined;
    const u = topologyStep(w, mask, this.allowed.get(p.name), f, scores, this.rng);
    this.setMask(p, u.mask);
    if (u.weight) { const values = u.weight; tf.tidy(() => { p.weight.assign(tf.tensor(values, p.weight.shape, 'float32')); }); }
    return { layer: p.name, step, dropped: u.dropped, grown: u.grown };
  }

  private gradientScore(p: MaskedParam, step: number, grads?: ReadonlyMap<string, tf.Tensor>): Float32Array {
    const g = grads?.get(p.name);
    if (!g) {
      throw new SparseContractError(`RigL needs the dense gradient ∂L/∂W_eff of layer ${p.name} at step ${step}: the training loop must pass it in afterStep's denseGradients whenever wantsDenseGradient() is true`);
    }
    if (g.size !== p.weight.size) {
      throw new SparseContractError(`dense gradient of layer ${p.name} has ${g.size} elements, its weight ${p.weight.size}; pass ∂L/∂W_eff with the weight's shape`);
    }
    return hostValues(g);
  }
}

/** One layer's drop-and-grow on host values (not modified): the new mask, and new weights when a grown weight was not 0. */
export interface LayerTopologyStep {
  readonly dropped: Int32Array;
  readonly grown: Int32Array;
  readonly mask: Float32Array;
  readonly weight?: Float32Array;
}

/**
 * RigL/SET's update of one layer: drop ⌊f·n_active⌋ active weights of smallest |w|, grow as many
 * among the zeros of the kept mask that `allowed` permits, by largest |gradScores| (RigL) or at
 * random (SET, `gradScores` undefined). Positions are Int32Arrays in the selection's order.
 */
export function topologyStep(w: Float32Array, mask: Float32Array, allowed: Float32Array | undefined, f: number,
  gradScores: ArrayLike<number> | undefined, rng: Rng): LayerTopologyStep {
  const active = positionsWhereInt32(mask, true);
  const k = Math.floor(f * active.length);
  const dropped = selectSmallestMagnitude(w, active, k, rng);
  const kept = mask.slice();
  for (let j = 0; j < dropped.length; j++) kept[dropped[j]!] = 0;
  const candidates = zeroPositionsAllowed(kept, allowed);
  const grown = gradScores ? selectLargestMagnitude(gradScores, candidates, k, rng) : selectRandomPositions(candidates, k, rng);
  let weight: Float32Array | undefined;
  for (let j = 0; j < grown.length; j++) {
    const i = grown[j]!;
    kept[i] = 1;
    // grow_init='zeros'. Inactive weights are already 0 when the loop re-masks after every
    // step; zero them here anyway so the invariant does not depend on the caller.
    if (mask[i] === 0 && w[i] !== 0) (weight ??= w.slice())[i] = 0;
  }
  return { dropped, grown, mask: kept, weight };
}
