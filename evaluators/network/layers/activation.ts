import * as tf from '@tensorflow/tfjs';
import type { ActivationLayer } from '../../../search/index.js';
import { activate } from '../ops.js';
import type { LayerBuilder } from './types.js';

export const activationBuilder: LayerBuilder<ActivationLayer> = {
  type: 'activation',
  build: ({ spec }) => (x) => activate(x, spec.activation),
  export: ({ name, spec }, x) => tf.layers.activation({ name, activation: spec.activation }).apply(x) as tf.SymbolicTensor,
};
