import * as tf from '@tensorflow/tfjs';
import type { Rng, SparsitySpec } from '../../search/index.js';
import type { MaskedParam, SparseMethod, SparseStepContext } from './types.js';

/**
 * Static sparsity: one mask chosen at initialisation (by weight magnitude or at random),
 * kept for the whole run. The forward pass uses W ⊙ M and W is re-masked after every
 * optimiser step, so masked weights stay exactly zero whatever the optimiser's momentum does.
 * It is the control of the dynamic methods (RigL/SET) and of the random-baseline strategy.
 *
 * Layer sparsity: the layer's `sparsityOverride` wins; otherwise the global
 * level, uniformly (ERK is the dynamic-sparse module's job); `keepFirstDense` /
 * `keepLastDense` keep the first layer / the classifier dense.
 */
export class StaticMaskMethod implements SparseMethod {
  init(params: readonly MaskedParam[], spec: SparsitySpec, rng: Rng, _totalSteps?: number): void {
    for (const p of params) {
      const dense = (p.role === 'first' && spec.keepFirstDense) || (p.role === 'classifier' && spec.keepLastDense);
      p.targetSparsity = p.sparsityOverride ?? (dense ? 0 : spec.level);
      const size = p.weight.size;
      const prune = Math.min(size - 1, Math.round(p.targetSparsity * size));
      if (prune <= 0) continue;
      const scores = spec.init === 'random'
        ? Float32Array.from({ length: size }, () => rng.next())
        : (p.weight.dataSync() as Float32Array).map(Math.abs);
      const mask = new Float32Array(p.mask.dataSync() as Float32Array);
      // Positions already masked (a structural node mask) are pruned first.
      const order = Array.from({ length: size }, (_, i) => i)
        .sort((a, b) => mask[a]! - mask[b]! || scores[a]! - scores[b]! || a - b);
      for (let i = 0; i < prune; i++) mask[order[i]!] = 0;
      tf.tidy(() => {
        const m = tf.tensor(mask, p.mask.shape);
        p.mask.assign(m);
        p.weight.assign(tf.mul(p.weight, m));
      });
    }
  }

  effectiveWeight(param: MaskedParam): tf.Tensor {
    return tf.mul(param.weight, param.mask);
  }

  wantsDenseGradient(_ctx: SparseStepContext): boolean {
    return false;
  }

  afterStep(params: readonly MaskedParam[]): void {
    for (const p of params) {
      if (p.targetSparsity > 0) tf.tidy(() => p.weight.assign(tf.mul(p.weight, p.mask)));
    }
  }

  dispose(): void {}
}
