import { convOutputSize, fillDefaults, imageInput } from './geometry.js';
import type { LayerDescriptor } from './types.js';

/** DARTS' `none` op (Liu et al. 2019): zeros at the resolution a stride would give. */
export interface ZeroLayer { type: 'zero'; stride?: number; name?: string }

export const zeroDescriptor: LayerDescriptor<ZeroLayer> = {
  type: 'zero',
  title: 'zero (DARTS none)',
  prefix: 'zero',
  weighted: false,
  withDefaults: (spec) => fillDefaults({ stride: 1 }, spec),
  plan(spec, input) {
    const [h, w, c] = imageInput(input.name, spec.type, input.shape);
    // DARTS' Zero takes x[:, :, ::s, ::s], i.e. ceil(h / s) rows.
    return { outShape: [convOutputSize(h, 1, spec.stride!, 1, 'valid'), convOutputSize(w, 1, spec.stride!, 1, 'valid'), c], removedOut: [] };
  },
  weights: () => [],
  extraFlops: () => 0,
  describe: () => 'zero',
};
