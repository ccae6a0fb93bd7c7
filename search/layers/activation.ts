import type { Activation } from '../architecture.js';
import { biasAndActivationFlops } from './geometry.js';
import type { LayerDescriptor } from './types.js';

export interface ActivationLayer { type: 'activation'; activation: Activation; name?: string }

export const activationDescriptor: LayerDescriptor<ActivationLayer> = {
  type: 'activation',
  title: 'activation',
  prefix: 'act',
  weighted: false,
  withDefaults: (spec) => spec,
  plan: (_spec, input) => ({ outShape: input.shape }),
  weights: () => [],
  extraFlops: (node) => biasAndActivationFlops(node.outShape, false, node.spec.activation),
  describe: (l) => l.activation,
};
