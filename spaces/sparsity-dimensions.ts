import { SpaceError } from '../search/index.js';
import type { Dimension, GroupUnit, Json, JsonObject, Sample, SparseMethod, SparsityKind, SparsitySpec } from '../search/index.js';
import { categorical, float } from './dimensions.js';
import { DEFAULT_SPARSITY } from './option-schemas.js';

/**
 * The sparsity dimensions shared by the `mlp` and `cnn` spaces: level, kind, training
 * method, mask initialisation and the N:M pattern. Each is searchable or fixed by the
 * definition (`space.options.sparsity`). Conditional dimensions: `nm` matters only for
 * kind n:m (whose level is 1 − N/M and whose method is SR-STE), `sparsity` only otherwise.
 */
export interface SparsityOptions {
  /** Level range or fixed list; default [0, 0.98] in steps of 0.01 (DEFAULT_SPARSITY). */
  levels?: number[] | { low: number; high: number; step?: number };
  kinds?: SparsityKind[];
  methods?: SparseMethod[];
  init?: ('magnitude' | 'random')[];
  nm?: string[];
  distribution?: 'uniform' | 'erk';
  group?: GroupUnit;
  srsteLambda?: number;
  keepFirstDense?: boolean;
  keepLastDense?: boolean;
  updateEvery?: number;
  dropFraction?: number;
}

export function sparsityDimensions(o: SparsityOptions): Dimension[] {
  const levels = o.levels ?? DEFAULT_SPARSITY.levels;
  const dims: Dimension[] = [
    Array.isArray(levels)
      ? categorical('sparsity', levels, 'fraction of zero weights in sparsifiable layers')
      : float('sparsity', levels.low, levels.high, levels.step, 'fraction of zero weights in sparsifiable layers'),
    categorical('sparsity_kind', o.kinds ?? DEFAULT_SPARSITY.kinds, 'unstructured, N:M along input channels, or whole groups'),
    categorical('sparse_method', o.methods ?? DEFAULT_SPARSITY.methods, 'how the mask evolves during training'),
    categorical('mask_init', o.init ?? DEFAULT_SPARSITY.init, 'initial mask: largest-magnitude weights or random'),
    categorical('nm', o.nm ?? DEFAULT_SPARSITY.nm, 'N:M pattern (kind n:m only)'),
  ];
  for (const l of Array.isArray(levels) ? levels : [levels.low, levels.high]) {
    if (!(l >= 0 && l <= 0.98)) throw new SpaceError('sparsity', `sparsity level ${l} is outside [0, 0.98]; set space.options.sparsity.levels within it`);
  }
  return dims;
}

/** Cross-dimension constraints a flat list cannot express. */
export function checkSparsityCombination(sample: Sample): SpaceError | undefined {
  const kind = sample['sparsity_kind'];
  const method = sample['sparse_method'];
  if (kind === 'group' && (method === 'rigl' || method === 'set')) {
    return new SpaceError('sparse_method', `sparse_method "${method}" moves single weights and does not apply to sparsity_kind "group"; use static or gmp`);
  }
  if (kind === 'n:m') {
    const [n, m] = parseNM(sample['nm']);
    if (!(n > 0 && n < m)) return new SpaceError('nm', `nm "${String(sample['nm'])}" must be "N:M" with 0 < N < M`);
  }
  return undefined;
}

export function sparsitySpec(sample: Sample, o: SparsityOptions, defaultGroup: GroupUnit): SparsitySpec {
  const kind = sample['sparsity_kind'] as SparsityKind;
  const base = {
    init: sample['mask_init'] as 'magnitude' | 'random',
    distribution: o.distribution ?? 'uniform',
    ...(o.keepFirstDense !== undefined ? { keepFirstDense: o.keepFirstDense } : {}),
    ...(o.keepLastDense !== undefined ? { keepLastDense: o.keepLastDense } : {}),
    ...(o.updateEvery !== undefined ? { updateEvery: o.updateEvery } : {}),
    ...(o.dropFraction !== undefined ? { dropFraction: o.dropFraction } : {}),
  };
  if (kind === 'n:m') {
    const [n, m] = parseNM(sample['nm']);
    return { ...base, kind, level: 1 - n / m, method: 'srste', n, m, srsteLambda: o.srsteLambda ?? 2e-4 };
  }
  const level = sample['sparsity'] as number;
  const method = level === 0 ? 'static' : (sample['sparse_method'] as SparseMethod);
  return { ...base, kind, level, method, ...(kind === 'group' ? { group: o.group ?? defaultGroup } : {}) };
}

export function parseNM(v: Json | undefined): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(String(v));
  return m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
}

export function sparsityOptions(options: JsonObject): SparsityOptions {
  return (options['sparsity'] ?? {}) as SparsityOptions;
}
