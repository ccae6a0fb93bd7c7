import type { LayerDescriptor } from './types.js';

export interface DropoutLayer { type: 'dropout'; rate: number; name?: string }

/** Inverted dropout while training, the identity otherwise. */
export const dropoutDescriptor: LayerDescriptor<DropoutLayer> = {
  type: 'dropout',
  title: 'dropout',
  prefix: 'dropout',
  weighted: false,
  withDefaults: (spec) => spec,
  plan: (_spec, input) => ({ outShape: input.shape }),
  weights: () => [],
  extraFlops: () => 0,
  describe: (l) => `do${l.rate}`,
};
