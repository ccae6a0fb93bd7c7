import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../../../search/index.js';
import type { MaskedParam } from '../../sparse/types.js';

/**
 * HYDRA-style sparse parametric ops (Sehwag et al. 2020, as DASS' `layers.py` SubnetConv /
 * SubnetLinear): every masked kernel W gets scores S of its shape; the mask keeps the top
 * fraction k = 1 − sparsity of |S| in the layer, an exact count; the forward uses W ⊙ M and
 * the gradient reaches S straight through the top-k: ∂L/∂S = ∂L/∂W_eff ⊙ W ⊙ sign(S).
 */

/** Weights a layer of `size` keeps at `sparsity`: size − ⌊sparsity·size⌋, at least one (HYDRA's j = int((1 − k)·n) pruned). */
export function keptCount(size: number, sparsity: number): number {
  const pruned = Math.floor(sparsity * size + 1e-9);
  return Math.max(1, size - pruned);
}

/**
 * fan_in of a kernel as PyTorch computes it for the equivalent weight: dense [in, out] → in;
 * conv [kh, kw, in, out] → kh·kw·in; depthwise [kh, kw, C, mult] (groups = C) → kh·kw.
 */
export function fanIn(p: MaskedParam): number {
  const s = p.weight.shape;
  if (p.layerType === 'dense') return s[0]!;
  if (p.layerType === 'depthwiseConv2d') return s[0]! * s[1]!;
  return s[0]! * s[1]! * s[2]!;
}

/** HYDRA's score initialisation when pruning starts: S = sqrt(6/fan_in) · W / max|W| (zeros for an all-zero W). */
export function initialScores(p: MaskedParam): tf.Tensor {
  return tf.tidy(() => {
    const max = tf.max(tf.abs(p.weight)).dataSync()[0]!;
    const scale = max > 0 ? Math.sqrt(6 / fanIn(p)) / max : 0;
    return tf.mul(p.weight, scale);
  });
}

/**
 * A per-layer tie-break order: rank[i] of entry i in a permutation drawn from the trial seed
 * and the layer name, so equal |S| are broken the same way in every run of a seed.
 */
export function tieRanks(seed: number, name: string, size: number): Uint32Array {
  const order = createRng(deriveSeed(seed, 'dass', 'ties', name)).shuffle(Array.from({ length: size }, (_, i) => i));
  const rank = new Uint32Array(size);
  order.forEach((entry, r) => (rank[entry] = r));
  return rank;
}

/**
 * The 0/1 mask keeping the `keep` entries of largest |score|, ties by `rank` (lower first):
 * exactly `keep` ones. Computed on the host, so the count and the tie-break are the same on
 * every backend.
 */
export function topKMask(scores: Float32Array | Int32Array | Uint8Array, keep: number, rank: Uint32Array): Float32Array {
  const n = scores.length;
  const mags = new Float32Array(n);
  for (let i = 0; i < n; i++) mags[i] = Math.abs(scores[i]!);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => mags[b]! - mags[a]! || rank[a]! - rank[b]!);
  const mask = new Float32Array(n);
  for (let i = 0; i < Math.min(keep, n); i++) mask[idx[i]!] = 1;
  return mask;
}

/**
 * W ⊙ M with the straight-through gradient to the scores: the mask M = top-k(|S|) is held
 * fixed within the forward (it was recomputed from S after the last score step), the value is
 * W ⊙ M, and ∂/∂W = dy ⊙ M, ∂/∂S = dy ⊙ W ⊙ sign(S) (the top-k passes the gradient of |S|
 * unchanged, |S| contributes sign(S)).
 */
export function straightThroughWeight(weight: tf.Tensor, scores: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((w: tf.Tensor, s: tf.Tensor, save: tf.GradSaveFunc) => {
    save([w, s]);
    return {
      value: tf.mul(w, mask),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, mask), tf.mul(tf.mul(dy, saved[0]!), tf.sign(saved[1]!))],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as (w: tf.Tensor, s: tf.Tensor) => tf.Tensor)(weight, scores);
}
