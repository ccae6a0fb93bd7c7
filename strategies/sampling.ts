import { SparsenasError, canonicalArchitecture } from '../search/index.js';
import type { Rng, Sample, SearchSpace } from '../search/index.js';
import { sampleDimension } from '../spaces/index.js';

/**
 * Draws a sample uniformly from a space, rejecting combinations that `check` refuses
 * (cross-dimension constraints). Gives up with a clear error when the space is (nearly) empty.
 */
export function sampleSpace(space: SearchSpace, rng: Rng, maxTries = 1000): Sample {
  let last = '';
  for (let i = 0; i < maxTries; i++) {
    const sample: Sample = {};
    for (const d of space.dimensions) sample[d.name] = sampleDimension(d, rng);
    const err = space.check(sample);
    if (!err) return sample;
    last = err.message;
  }
  throw new SparsenasError('SPACE_EMPTY', `no valid sample of space "${space.name}" in ${maxTries} draws (last problem: ${last}); check space.options`);
}

/** Canonical key of what a sample trains, so equal networks count once (mask init at sparsity 0 and the like ignored). */
export function architectureKey(space: SearchSpace, sample: Sample): string {
  return JSON.stringify(canonicalArchitecture(space.freeze(sample)));
}
