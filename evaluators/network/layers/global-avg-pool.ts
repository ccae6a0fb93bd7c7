import * as tf from '@tensorflow/tfjs';
import type { GlobalAvgPoolLayer } from '../../../search/index.js';
import type { LayerBuilder } from './types.js';

export const globalAvgPoolBuilder: LayerBuilder<GlobalAvgPoolLayer> = {
  type: 'globalAvgPool',
  build: () => (x) => tf.mean(x, [1, 2]),
  export: ({ name }, x) => tf.layers.globalAveragePooling2d({ name }).apply(x) as tf.SymbolicTensor,
};
