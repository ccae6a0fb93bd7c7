import * as tf from '@tensorflow/tfjs';
import type { BatchNormLayer } from '../../../search/index.js';
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
    const axes = node.inShape.length === 3 ? [0, 1, 2] : [0];
    // Folded to y = x·scale + shift with scale = γ/√(v + ε), shift = β − m·scale: two full-size
    // ops, and a gradient that only reduces over the broadcast axes. tf.batchNorm's gradient
    // tiles its per-channel factors to the input's full size (most of a DARTS cell's step), and
    // without scale/offset it breaks (it saves the missing tensors). The function is the same.
    const normalise = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => {
      const inv = tf.rsqrt(tf.add(v, BN_EPSILON));
      const scale = gamma ? tf.mul(inv, gamma) : inv;
      const shift = tf.neg(tf.mul(m, scale));
      return tf.add(tf.mul(x, scale), beta ? tf.add(shift, beta) : shift);
    };
    return (x, o) => {
      if (!o.training) return normalise(x, mean, variance);
      const m = tf.moments(x, axes);
      ctx.batchStatistics({ mean, variance, batchMean: tf.keep(m.mean), batchVariance: tf.keep(m.variance) });
      return normalise(x, m.mean, m.variance);
    };
  },
  export(node, x, ctx) {
    const { name } = node, affine = node.spec.affine !== false;
    const layer = tf.layers.batchNormalization({ name, axis: -1, epsilon: BN_EPSILON, momentum: BN_MOMENTUM, center: affine, scale: affine });
    ctx.load(layer, [...(affine ? [`${name}/gamma`, `${name}/beta`] : []), `${name}/movingMean`, `${name}/movingVariance`]);
    return layer.apply(x) as tf.SymbolicTensor;
  },
};
