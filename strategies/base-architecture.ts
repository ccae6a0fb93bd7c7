import { SparsenasError, createRng, deriveSeed } from '../search/index.js';
import type { Architecture, Sample, SearchSpace } from '../search/index.js';
import { sampleSpace } from './sampling.js';

/**
 * The dense base network a one-shot strategy transforms: the space's architecture for
 * `base` (merged over a seeded draw, so a partial sample is enough), with sparsity off.
 */
export function baseArchitecture(space: SearchSpace, base: Sample | undefined, seed: number): Architecture {
  const drawn = sampleSpace(space, createRng(deriveSeed(seed, 'base-architecture')));
  const sample: Sample = { ...drawn, ...(base ?? {}) };
  if ('sparsity' in sample) sample['sparsity'] = 0;
  const err = space.check(sample);
  if (err) throw new SparsenasError('STRATEGY_OPTION', `strategy.options.base: ${err.message}`);
  const arch = space.freeze(sample);
  return { ...arch, sparsity: { ...arch.sparsity, level: 0, kind: 'unstructured', method: 'static' } };
}
