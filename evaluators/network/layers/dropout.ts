import * as tf from '@tensorflow/tfjs';
import type { DropoutLayer } from '../../../search/index.js';
import type { LayerBuilder } from './types.js';

export const dropoutBuilder: LayerBuilder<DropoutLayer> = {
  type: 'dropout',
  build: ({ spec }, ctx) => (x, o) => (o.training && spec.rate > 0 ? tf.dropout(x, spec.rate, undefined, ctx.dropoutSeed()) : x),
  export: ({ name, spec }, x) => tf.layers.dropout({ name, rate: spec.rate }).apply(x) as tf.SymbolicTensor,
};
