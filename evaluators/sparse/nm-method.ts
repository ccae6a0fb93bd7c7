import * as tf from '@tensorflow/tfjs';
import type { HostReads, MaskedParam, SparseStepContext } from './types.js';
import { SparseContractError } from './errors.js';
import { MaskedMethod, hostValues } from './masked-method.js';
import { nmKeptAlongAxis, nmMask, nmMaskValues } from './nm-mask.js';

/**
 * N:M structured sparsity. `srste` (Zhou et al. 2021, "Learning N:M Fine-grained Structured
 * Sparse Neural Networks From Scratch", eq. 6 and the released `Sparse` autograd function):
 * the mask is recomputed from the dense weights on every forward pass, W̃ = W ⊙ M(W), and the
 * backward pass is straight-through with the sparse-refined term
 * ∂L/∂W = ∂L/∂W̃ + λ_w·(1 − M) ⊙ W (λ_w = 0 is plain STE). The dense W is never masked.
 * `static`: an N:M mask fixed at init (by |W| or at random) and trained as W ⊙ M.
 * `param.mask` always holds the current pattern, for counting non-zeros and FLOPs.
 */
export class NmMethod extends MaskedMethod {
  private readonly steByLayer = new Map<string, (w: tf.Tensor) => tf.Tensor>();

  constructor(private readonly mode: 'srste' | 'static') {
    super();
  }

  protected override prepare(): void {
    if (this.cfg.spec.kind !== 'n:m') {
      throw new SparseContractError(`an N:M method was initialised with sparsity kind "${this.cfg.spec.kind}"; create the method with createSparseMethod(spec) from the spec it will be initialised with`);
    }
    this.steByLayer.clear();
  }

  protected realisableSparsity(p: MaskedParam, requested: number): number {
    // A layer is either dense (override 0, kept dense) or follows the N:M pattern.
    if (requested === 0) return 0;
    const len = p.weight.shape[p.inputAxis]!;
    return 1 - nmKeptAlongAxis(len, this.cfg.n, this.cfg.m) / len;
  }

  protected initMask(p: MaskedParam): void {
    if (p.targetSparsity === 0) {
      this.setMask(p, new Float32Array(p.mask.size).fill(1));
      return;
    }
    if (this.mode === 'static' && this.cfg.spec.init === 'random') {
      const scores = new Float32Array(p.weight.size);
      for (let i = 0; i < scores.length; i++) scores[i] = this.rng.next();
      this.setMask(p, nmMaskValues(scores, p.weight.shape, this.cfg.n, this.cfg.m, p.inputAxis));
    } else {
      this.refreshMask(p);
    }
  }

  protected override maskWeights(p: MaskedParam): void {
    if (this.mode === 'static') {
      super.maskWeights(p);
      return;
    }
    // SR-STE keeps its dense weights; only structural zeros (node masks) are applied to them, so
    // the per-forward N:M choice never picks a removed node's weight.
    const allowed = this.allowed.get(p.name);
    if (allowed) tf.tidy(() => { p.weight.assign(tf.mul(p.weight, tf.tensor(allowed, p.weight.shape))); });
  }

  override plainMask(p: MaskedParam): boolean {
    return this.mode === 'static' || p.targetSparsity === 0;
  }

  /** SR-STE dense layers ([in, out] weights, groups along the inputs) for the native N:M kernels. */
  nmStructure(p: MaskedParam): { n: number; m: number; lambda: number } | undefined {
    if (this.mode !== 'srste' || p.targetSparsity === 0 || p.weight.rank !== 2 || p.inputAxis !== 0) return undefined;
    return { n: this.cfg.n, m: this.cfg.m, lambda: this.cfg.srsteLambda };
  }

  override effectiveWeight(p: MaskedParam): tf.Tensor {
    if (this.mode === 'static' || p.targetSparsity === 0) return super.effectiveWeight(p);
    return this.ste(p)(p.weight);
  }

  /** SR-STE picks its N:M pattern from the weights on the host, in every forward pass and after every step. */
  override hostReads(_ctx: SparseStepContext): HostReads {
    const srste = this.mode === 'srste';
    return { forward: srste, afterStep: srste };
  }

  protected override updateMasks(_ctx: SparseStepContext): void {
    if (this.mode !== 'srste') return;
    for (const p of this.params) if (p.targetSparsity > 0) this.refreshMask(p);
  }

  private refreshMask(p: MaskedParam): void {
    const w = hostValues(p.weight);
    const abs = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) abs[i] = Math.abs(w[i]!);
    this.setMask(p, nmMaskValues(abs, p.weight.shape, this.cfg.n, this.cfg.m, p.inputAxis));
  }

  /** The straight-through op of one layer (its N:M axis differs between dense and conv kernels). */
  private ste(p: MaskedParam): (w: tf.Tensor) => tf.Tensor {
    let f = this.steByLayer.get(p.name);
    if (!f) {
      const { n, m, srsteLambda: lambda } = this.cfg;
      const axis = p.inputAxis;
      f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const [w, save] = args as [tf.Tensor, tf.GradSaveFunc];
        const mask = nmMask(w, n, m, axis);
        save([w, mask]);
        return {
          value: tf.mul(w, mask),
          gradFunc: (dy, saved) => {
            const [wSaved, maskSaved] = saved as [tf.Tensor, tf.Tensor];
            if (lambda === 0) return [tf.clone(dy)];
            return [tf.add(dy, tf.mul(lambda, tf.mul(tf.sub(1, maskSaved), wSaved)))];
          },
        };
      }) as (w: tf.Tensor) => tf.Tensor;
      this.steByLayer.set(p.name, f);
    }
    return f;
  }

  override dispose(): void {
    this.steByLayer.clear();
    super.dispose();
  }
}
