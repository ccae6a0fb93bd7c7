import * as tf from '@tensorflow/tfjs';
import type { PoolLayer } from '../../../search/index.js';
import type { LayerBuilder } from './types.js';

export const maxPoolBuilder: LayerBuilder<PoolLayer> = {
  type: 'maxPool',
  build: ({ spec }) => (x) => tf.maxPool(x as tf.Tensor4D, spec.size, spec.stride!, spec.padding!),
  export: ({ name, spec }, x) => tf.layers.maxPooling2d({ name, poolSize: spec.size, strides: spec.stride, padding: spec.padding }).apply(x) as tf.SymbolicTensor,
};
