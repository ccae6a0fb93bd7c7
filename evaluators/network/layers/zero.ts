import * as tf from '@tensorflow/tfjs';
import type { ZeroLayer } from '../../../search/index.js';
import type { LayerBuilder } from './types.js';

/** A constant: in DARTS' mixed op `none` contributes nothing and passes no gradient. */
export const zeroBuilder: LayerBuilder<ZeroLayer> = {
  type: 'zero',
  build: ({ outShape }) => (x) => tf.zeros([x.shape[0]!, ...outShape]),
  // tf.layers has no zeros layer: a frozen 1×1 depthwise convolution whose kernel is zero.
  export: ({ name, spec }, x) => tf.layers.depthwiseConv2d({
    name, kernelSize: 1, strides: spec.stride, padding: 'valid', useBias: false, depthwiseInitializer: 'zeros', trainable: false,
  }).apply(x) as tf.SymbolicTensor,
};
