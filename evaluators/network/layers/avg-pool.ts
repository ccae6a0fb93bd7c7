import * as tf from '@tensorflow/tfjs';
import type { PoolLayer } from '../../../search/index.js';
import type { LayerBuilder } from './types.js';

/** Divides by the valid inputs of each window (tfjs' and tf.layers' averagePooling2d rule). */
export const avgPoolBuilder: LayerBuilder<PoolLayer> = {
  type: 'avgPool',
  build: ({ spec }) => (x) => tf.avgPool(x as tf.Tensor4D, spec.size, spec.stride!, spec.padding!),
  export: ({ name, spec }, x) => tf.layers.averagePooling2d({ name, poolSize: spec.size, strides: spec.stride, padding: spec.padding }).apply(x) as tf.SymbolicTensor,
};
