import * as tf from '@tensorflow/tfjs';
import type { FactorizedReduceLayer } from '../../../search/index.js';
import type { LayerBuilder } from './types.js';

/**
 * conv_1(x) ‖ conv_2(x[1:, 1:]), both 1×1 stride 2 (DARTS `operations.py` FactorizedReduce).
 * On an odd h/w the input gets a zero row/column at its far edge, so both halves have
 * ceil(h/2) rows; on even sizes it is DARTS' computation exactly.
 */
export const factorizedReduceBuilder: LayerBuilder<FactorizedReduceLayer> = {
  type: 'factorizedReduce',
  build(node, ctx) {
    const k1 = ctx.kernel(node, 'kernel_1'), k2 = ctx.kernel(node, 'kernel_2');
    const [h, w] = node.inShape as [number, number, number];
    // One 2×2 stride-2 convolution computes both halves: conv_1's taps at (0, 0) feed the first
    // filters/2 outputs, conv_2's at (1, 1) (the shifted pixel) the others, zeros elsewhere. It
    // replaces a slice, a pad and a concat (slow memory ops here, and their gradients) by a few
    // zero multiply-adds; the masked kernels and their FLOPs are still the two 1×1 ones.
    const pad: 'valid' | tf.backend_util.ExplicitPadding = h % 2 || w % 2 ? [[0, 0], [0, h % 2], [0, w % 2], [0, 0]] : 'valid';
    return (x, o) => {
      const a = tf.pad(k1.value(o.weight), [[0, 1], [0, 1], [0, 0], [0, 0]]);
      const b = tf.pad(k2.value(o.weight), [[1, 0], [1, 0], [0, 0], [0, 0]]);
      return tf.conv2d(x as tf.Tensor4D, tf.concat([a, b], 3) as tf.Tensor4D, 2, pad);
    };
  },
  export(node, x, ctx) {
    const { name } = node, f = node.spec.filters / 2;
    const [h, w] = node.inShape as [number, number, number];
    const conv = (i: 1 | 2) => {
      const layer = tf.layers.conv2d({ name: `${name}.conv_${i}`, filters: f, kernelSize: 1, strides: 2, padding: 'valid', useBias: false });
      ctx.load(layer, [`${name}/kernel_${i}`]);
      return layer;
    };
    let shifted = tf.layers.cropping2D({ name: `${name}.shift`, cropping: [[1, 0], [1, 0]] }).apply(x) as tf.SymbolicTensor;
    if (h % 2 || w % 2) shifted = tf.layers.zeroPadding2d({ name: `${name}.pad`, padding: [[0, h % 2], [0, w % 2]] }).apply(shifted) as tf.SymbolicTensor;
    const halves = [conv(1).apply(x), conv(2).apply(shifted)] as tf.SymbolicTensor[];
    return tf.layers.concatenate({ name, axis: -1 }).apply(halves) as tf.SymbolicTensor;
  },
};
