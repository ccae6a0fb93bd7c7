import * as tf from '@tensorflow/tfjs';
import type { FlattenLayer } from '../../../search/index.js';
import type { LayerBuilder } from './types.js';

export const flattenBuilder: LayerBuilder<FlattenLayer> = {
  type: 'flatten',
  build: () => (x) => (x.rank === 2 ? x : tf.reshape(x, [x.shape[0]!, -1])),
  export: (node, x) => (node.inShape.length === 1 ? x : (tf.layers.flatten({ name: node.name }).apply(x) as tf.SymbolicTensor)),
};
