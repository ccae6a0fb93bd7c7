import { SpaceError } from '../search/index.js';
import type { Dimension, JsonObject, Sample } from '../search/index.js';
import { checkDimension } from './dimensions.js';

/**
 * `space.options.fixed` pins dimensions to one value (e.g. `{ "sparse_method": "rigl" }`):
 * the dimension stays in the list as a one-choice categorical, so strategies and stored
 * samples look the same whether a dimension was searched or fixed.
 */
export function applyFixed(spaceName: string, dims: Dimension[], options: JsonObject): Dimension[] {
  const fixed = (options['fixed'] ?? {}) as Sample;
  const names = new Set(dims.map((d) => d.name));
  for (const key of Object.keys(fixed)) {
    if (!names.has(key)) {
      throw new SpaceError(key, `space.options.fixed.${key}: "${key}" is not a dimension of the ${spaceName} space (dimensions: ${[...names].join(', ')})`);
    }
  }
  return dims.map((d) => {
    if (!(d.name in fixed)) return d;
    const value = fixed[d.name]!;
    const err = checkDimension(d, value);
    if (err) throw new SpaceError(d.name, `space.options.fixed.${d.name}: ${err.message}`);
    return { name: d.name, kind: 'categorical', choices: [value], description: d.description };
  });
}

/** Rejects option keys a space does not know, naming them. */
export function checkOptionKeys(spaceName: string, options: JsonObject, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SpaceError(key, `space.options.${key} is not an option of the ${spaceName} space; known options: ${known.join(', ')}`);
    }
  }
}
