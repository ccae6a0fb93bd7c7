import type { SparsitySpec } from '../../search/index.js';
import type { SparseMethod } from './types.js';
import { DynamicMethod } from './dynamic-method.js';
import { GmpMethod } from './gmp-method.js';
import { NmMethod } from './nm-method.js';
import { resolveSparsity } from './resolve-spec.js';
import { StaticMethod } from './static-method.js';

/**
 * The sparse-training method for one trial, chosen by `spec.kind` × `spec.method`:
 * unstructured: static | gmp | rigl | set; n:m: srste | static; group: static | gmp.
 * Invalid combinations and values throw `SparsitySpecError` naming the field and the fix.
 */
export function createSparseMethod(spec: SparsitySpec): SparseMethod {
  const cfg = resolveSparsity(spec);
  if (cfg.spec.kind === 'n:m') return new NmMethod(spec.method === 'srste' ? 'srste' : 'static');
  switch (spec.method) {
    case 'gmp': return new GmpMethod();
    case 'rigl': return new DynamicMethod('gradient');
    case 'set': return new DynamicMethod('random');
    default: return new StaticMethod();
  }
}
