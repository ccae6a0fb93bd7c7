import * as tf from '@tensorflow/tfjs';
import type { BatchNormLayer } from '../../../search/index.js';
import { nativeBatchNormForward, nativeBatchNormGrad, nativeBatchNormRuns } from '../../kernels/native/index.js';
import type { LayerBuilder } from './types.js';

/** Running statistics follow PyTorch: r ← 0.9·r + 0.1·batch; ε = 1e-5 (also given to the exported layer). */
export const BN_MOMENTUM = 0.9;
export const BN_EPSILON = 1e-5;

export const batchNormBuilder: LayerBuilder<BatchNormLayer> = {
  type: 'batchNorm',
  build(node, ctx) {
    const channels = node.inShape[node.inShape.length - 1]!;
    const affine = node.spec.affine !== false;
    const gamma = affine ? ctx.parameter(node, 'gamma', tf.ones([channels])) : undefined;
    const beta = affine ? ctx.parameter(node, 'beta', tf.zeros([channels])) : undefined;
    const mean = ctx.state(node, 'movingMean', tf.zeros([channels]));
    const variance = ctx.state(node, 'movingVariance', tf.ones([channels]));
    // Inference: folded to y = x·scale + shift with scale = γ/√(v + ε), shift = β − m·scale.
    const normalise = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => {
      const inv = tf.rsqrt(tf.add(v, BN_EPSILON));
      const scale = gamma ? tf.mul(inv, gamma) : inv;
      const shift = tf.neg(tf.mul(m, scale));
      return tf.add(tf.mul(x, scale), beta ? tf.add(shift, beta) : shift);
    };
    return (x, o) => {
      if (!o.training) return normalise(x, mean, variance);
      const { y, batchMean, batchVariance } = batchNormTraining(x, gamma, beta);
      ctx.batchStatistics({ mean, variance, batchMean, batchVariance });
      return y;
    };
  },
  export(node, x, ctx) {
    const { name } = node, affine = node.spec.affine !== false;
    const layer = tf.layers.batchNormalization({ name, axis: -1, epsilon: BN_EPSILON, momentum: BN_MOMENTUM, center: affine, scale: affine });
    ctx.load(layer, [...(affine ? [`${name}/gamma`, `${name}/beta`] : []), `${name}/movingMean`, `${name}/movingVariance`]);
    return layer.apply(x) as tf.SymbolicTensor;
  },
};

/**
 * Training-mode batch normalisation over every axis but the last, as one tape node that saves
 * one full-size tensor (and the per-channel mean and 1/σ): x, or without γ and β the output
 * y, which is x̂ itself (the next op keeps y anyway, and x is then free): y = (x − μ)/√(σ² + ε)·γ + β with the batch's μ and
 * biased σ², and its exact gradient (through μ and σ² too):
 *   x̂ = (x − μ)/σ,  ∂β = Σ dy,  ∂γ = Σ dy·x̂,  ∂x = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)).
 * The same function as tf.moments then the folded affine map, but that composition keeps four
 * full-size tensors per BN alive until the backward (x, x − μ, (x − μ)², x·scale) and reduces
 * with Mean over leading axes (a transpose on wasm); a DARTS supernet has ~4 BNs per edge, so
 * this is most of its step's memory. On wasm with the addon the same function runs as two
 * native kernels (forward in three passes, the whole gradient in two; kernels/native/batch-norm.ts),
 * saving σ² instead of 1/σ. Returns the batch statistics kept (the caller owns them).
 */
export function batchNormTraining(x: tf.Tensor, gamma?: tf.Tensor, beta?: tf.Tensor): { y: tf.Tensor; batchMean: tf.Tensor1D; batchVariance: tf.Tensor1D } {
  const channels = x.shape[x.shape.length - 1]!;
  const n = x.size / channels;
  let batchMean!: tf.Tensor1D, batchVariance!: tf.Tensor1D;
  const stats = (x2: tf.Tensor2D) => {
    const m = tf.div(tf.sum(x2, 0), n) as tf.Tensor1D;
    const v = tf.div(tf.sum(tf.square(tf.sub(x2, m)), 0), n) as tf.Tensor1D;
    return { m, v };
  };
  // wasm with the addon: the same function in two native kernels (kernels/native/batch-norm.ts),
  // saving the variance instead of 1/σ; elsewhere tfjs ops.
  const native = nativeBatchNormRuns(x);
  const grad = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => {
    if (native) {
      const [xs, m, variance] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
      return nativeBatchNormGrad(dy, xs, variance, BN_EPSILON, gamma ? m : undefined, gamma);
    }
    const [xs, m, inv] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const x2 = tf.reshape(xs, [n, channels]), dy2 = tf.reshape(dy, [n, channels]);
    const xhat = gamma ? tf.mul(tf.sub(x2, m), inv) : x2;
    const dBeta = tf.sum(dy2, 0), dGammaHat = tf.sum(tf.mul(dy2, xhat), 0);
    const scale = gamma ? tf.mul(inv, gamma) : inv;
    const inner = tf.sub(tf.sub(dy2, tf.div(dBeta, n)), tf.mul(xhat, tf.div(dGammaHat, n)));
    const dx = tf.reshape(tf.mul(inner, scale), xs.shape);
    return gamma ? [dx, dGammaHat, dBeta] : [dx];
  });
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args[0] as tf.Tensor;
    if (native) {
      const [y, m, v] = nativeBatchNormForward(xs, BN_EPSILON, gamma, beta);
      batchMean = tf.keep(m);
      batchVariance = tf.keep(v);
      save([gamma ? xs : y, m, v]);
      return { value: y, gradFunc: grad };
    }
    const x2 = tf.reshape(xs, [n, channels]) as tf.Tensor2D;
    const { m, v } = stats(x2);
    batchMean = tf.keep(m);
    batchVariance = tf.keep(v);
    const inv = tf.rsqrt(tf.add(v, BN_EPSILON));
    const scale = gamma ? tf.mul(inv, gamma) : inv;
    const shift = beta ? tf.sub(beta, tf.mul(m, scale)) : tf.neg(tf.mul(m, scale));
    const y = tf.reshape(tf.add(tf.mul(x2, scale), shift), xs.shape);
    save([gamma ? xs : y, m, inv]);
    return { value: y, gradFunc: grad };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor;
  const y = gamma && beta ? f(x, gamma, beta) : f(x);
  return { y, batchMean, batchVariance };
}
