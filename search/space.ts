import type { Architecture } from './architecture.js';
import type { Json, JsonObject } from './json.js';
import type { Sample } from './types.js';
import type { SpaceError } from './errors.js';
import type { OptionsSchema } from './options-schema.js';

/** One searchable dimension. Strategies see a space only as a flat list of these. */
export type Dimension =
  | { name: string; kind: 'categorical'; choices: readonly Json[]; description?: string }
  | { name: string; kind: 'int'; low: number; high: number; step?: number; description?: string }
  | { name: string; kind: 'float'; low: number; high: number; step?: number; description?: string }
  | { name: string; kind: 'log-float'; low: number; high: number; description?: string };

/**
 * A search space. `dimensions` is flat; a dimension that only matters under some
 * condition (the width of layer 3 when there are 2 layers) is still listed, and `freeze`
 * ignores it. Spaces are built per study from the definition's `space.options`.
 */
export interface SearchSpace {
  readonly name: string;
  readonly dimensions: readonly Dimension[];
  /** Returns the first problem with a sample, or undefined when it is inside the space. */
  check(sample: Sample): SpaceError | undefined;
  /** Builds the plain-JSON architecture; throws SpaceError for a sample outside the space. */
  freeze(sample: Sample): Architecture;
  /** One-line human summary of an architecture of this space (for UIs). */
  describe?(architecture: Architecture): string;
}

/** Builds a space from the `space.options` of a study definition. Bound by name in the container. */
export interface SpaceFactory {
  readonly name: string;
  readonly description: string;
  /** Where it comes from: 'built-in' or a plugin file. */
  source?: string;
  /**
   * The schema of `space.options` (options-schema.ts): checked before a study is created, listed
   * by `sparsenas list spaces NAME` with the dimensions, and put into sparsenas.schema.json.
   */
  readonly optionsSchema?: OptionsSchema;
  create(options: JsonObject): SearchSpace;
}
export const SpaceFactory = Symbol.for('sparsenas.SpaceFactory');
