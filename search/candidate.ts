import type { SearchSpace } from './space.js';
import type { NewTrial } from './store.js';
import type { Candidate, Sample } from './types.js';
import { SpaceError, describeError } from './errors.js';
import { compact } from './store-errors.js';
import { trainingMethodSchema } from './config.js';

/**
 * Turns a strategy's candidate into a trial to store; a bad candidate becomes a build error
 * (the trial is stored as failed). `defaultSeed` is the seed of the candidate's position.
 */
export function buildTrial(c: Candidate, space: SearchSpace, defaultSeed: number, who: string, spaceName: string): { newTrial: NewTrial; buildError?: string } {
  const ok = typeof c === 'object' && c !== null;
  const sample = ok && isObject(c.sample) ? c.sample : {};
  const seed = ok && Number.isSafeInteger(c.seed) && c.seed! >= 0 ? c.seed! : defaultSeed;
  const newTrial: NewTrial = ok
    ? compact({ sample, architecture: c.architecture ?? null, seed, group: c.group, label: c.label, training: c.training, attributes: withoutRedoOf(c.attributes) })
    : { sample, architecture: null, seed };
  try {
    validateCandidate(c);
    if (!newTrial.architecture) {
      const problem = callSpace(spaceName, 'check', () => space.check(sample));
      if (problem) throw problem;
      newTrial.architecture = callSpace(spaceName, 'freeze', () => space.freeze(sample));
    }
    return { newTrial };
  } catch (err) {
    const buildError = err instanceof SpaceMethodError ? err.message : err instanceof SpaceError
      ? `strategy ${who} returned a candidate outside the space "${space.name}" from ask(): dimension "${err.dimension}": ${err.message}`
      : `strategy ${who} returned an invalid candidate from ask(): ${describeError(err)}`;
    return { newTrial, buildError };
  }
}

/** `redoOf` is the runner's: it links a redo to the trial it redoes, so a strategy cannot set it. */
function withoutRedoOf(attributes: Candidate['attributes']): Candidate['attributes'] {
  if (!attributes || !isObject(attributes) || !('redoOf' in attributes)) return attributes;
  const { redoOf: _dropped, ...rest } = attributes;
  return rest;
}

/** A space's own failure (not a sample outside it): reported against the space, not the strategy. */
class SpaceMethodError extends Error {}

function callSpace<T>(spaceName: string, method: 'check' | 'freeze', fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SpaceError) throw err;
    throw new SpaceMethodError(`space ${spaceName} threw in ${method}(): ${describeError(err)}`);
  }
}

function isObject(v: unknown): v is Sample {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateCandidate(c: Candidate): void {
  if (typeof c !== 'object' || c === null) throw new TypeError(`expected an object, got ${c === null ? 'null' : typeof c}`);
  if (!isObject(c.sample)) throw new TypeError('candidate.sample must be an object of dimension values');
  if (c.seed !== undefined && !(Number.isSafeInteger(c.seed) && c.seed >= 0)) throw new TypeError(`candidate.seed must be a non-negative integer, got ${c.seed}`);
  const method = c.training?.method;
  if (method !== undefined && !trainingMethodSchema.safeParse(method).success) {
    throw new TypeError(`candidate.training.method must be { name: string, options?: object }, got ${JSON.stringify(method)}`);
  }
}
