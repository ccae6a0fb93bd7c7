import { fillDefaults, imageInput, product, windowOutput } from './geometry.js';
import type { LayerDescriptor } from './types.js';

export interface PoolLayer { type: 'maxPool' | 'avgPool'; size: number; stride?: number; padding?: 'same' | 'valid'; name?: string }

/**
 * Max and average pooling share their geometry: defaults stride = size, padding `valid`. An
 * average pool divides by the valid (non-padding) inputs of its window, as tfjs does (and
 * DARTS' avg_pool_3x3 with count_include_pad=False).
 */
export function poolDescriptor(type: PoolLayer['type'], title: string, prefix: string, token: string): LayerDescriptor<PoolLayer> {
  return {
    type, title, prefix,
    weighted: false,
    withDefaults: (spec) => fillDefaults({ stride: spec.size, padding: 'valid' }, spec),
    plan(spec, input) {
      const [h, w, c] = imageInput(input.name, spec.type, input.shape);
      const [ho, wo] = windowOutput(h, w, spec.size, spec.stride!, 1, spec.padding!,
        () => `pool ${input.name} of size ${spec.size} does not fit a ${h}×${w} input; use padding 'same' or remove a pooling layer`, input.name);
      return { outShape: [ho, wo, c] };
    },
    weights: () => [],
    extraFlops: (node) => node.spec.size * node.spec.size * product(node.outShape),
    describe: (l) => `${token}${l.size}`,
  };
}
