import { fillDefaults, product } from './geometry.js';
import type { LayerDescriptor } from './types.js';

export interface BatchNormLayer { type: 'batchNorm'; affine?: boolean; name?: string }

/**
 * Batch normalisation over the last axis; `affine: false` has no γ, β (DARTS' search cells).
 * The running mean and variance are state, not trainable parameters.
 */
export const batchNormDescriptor: LayerDescriptor<BatchNormLayer> = {
  type: 'batchNorm',
  title: 'batch normalisation',
  prefix: 'bn',
  weighted: false,
  withDefaults: (spec) => fillDefaults({ affine: true }, spec),
  plan: (_spec, input) => ({ outShape: input.shape }),
  weights(node) {
    const c = node.inShape[node.inShape.length - 1]!;
    return node.spec.affine === false ? [] : [{ suffix: 'gamma', shape: [c] }, { suffix: 'beta', shape: [c] }];
  },
  // Its inference form: a folded scale and shift per element.
  extraFlops: (node) => 2 * product(node.outShape),
  describe: () => 'bn',
};
