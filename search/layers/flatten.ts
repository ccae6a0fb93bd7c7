import { imageInput } from './geometry.js';
import type { LayerDescriptor } from './types.js';

export interface FlattenLayer { type: 'flatten'; name?: string }

/** [h, w, c] → [h·w·c] (a no-op on a vector); a removed channel becomes its h·w flat positions. */
export const flattenDescriptor: LayerDescriptor<FlattenLayer> = {
  type: 'flatten',
  title: 'flatten',
  prefix: 'flatten',
  weighted: false,
  withDefaults: (spec) => spec,
  plan(spec, input) {
    if (input.shape.length === 1) return { outShape: input.shape };
    const [h, w, c] = imageInput(input.name, spec.type, input.shape);
    const removedOut: number[] = [];
    for (let p = 0; p < h * w; p++) for (const ch of input.removed) removedOut.push(p * c + ch);
    removedOut.sort((a, b) => a - b);
    return { outShape: [h * w * c], removedOut };
  },
  weights: () => [],
  extraFlops: () => 0,
  describe: () => '',
};
