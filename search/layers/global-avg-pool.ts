import { imageInput, product } from './geometry.js';
import type { LayerDescriptor } from './types.js';

export interface GlobalAvgPoolLayer { type: 'globalAvgPool'; name?: string }

/** Mean over h and w: [h, w, c] → [c]. */
export const globalAvgPoolDescriptor: LayerDescriptor<GlobalAvgPoolLayer> = {
  type: 'globalAvgPool',
  title: 'global average pooling',
  prefix: 'gap',
  weighted: false,
  withDefaults: (spec) => spec,
  plan: (spec, input) => ({ outShape: [imageInput(input.name, spec.type, input.shape)[2]] }),
  weights: () => [],
  extraFlops: (node) => product(node.inShape),
  describe: () => 'gap',
};
