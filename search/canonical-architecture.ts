import type { Architecture, SparsitySpec } from './architecture.js';

/**
 * The architecture with every field that cannot change what is trained removed or set to one
 * value, so two candidates that train the same network compare equal (the grid tries each once):
 * - level 0 (dense): kind, method, mask init, distribution, N:M, group and the schedules are moot;
 * - N:M with SR-STE: the mask is recomputed from |W| every step, so the initial mask is moot;
 * - fields of another kind or method (RigL's ΔT on a static mask, GMP's schedule on RigL, N:M's
 *   pattern on an unstructured mask, the group unit off kind group) are dropped.
 * A pure function of the architecture; the trial still stores what its space froze.
 */
export function canonicalArchitecture(arch: Architecture): Architecture {
  return { ...arch, sparsity: canonicalSparsity(arch.sparsity) };
}

const DENSE: SparsitySpec = { level: 0, kind: 'unstructured', method: 'static', init: 'magnitude', distribution: 'uniform' };

export function canonicalSparsity(s: SparsitySpec): SparsitySpec {
  if (s.kind !== 'n:m' && !(s.level > 0)) return { ...DENSE };
  const out: SparsitySpec = { ...s };
  if (s.kind === 'n:m' && s.method === 'srste') out.init = 'magnitude';
  if (s.kind !== 'n:m') { delete out.n; delete out.m; delete out.srsteLambda; }
  if (s.kind === 'n:m' && s.method !== 'srste') delete out.srsteLambda;
  if (s.kind !== 'group') delete out.group;
  if (s.method !== 'rigl' && s.method !== 'set') { delete out.updateEvery; delete out.dropFraction; delete out.updateEndFraction; }
  if (s.method !== 'gmp') { delete out.gmpStart; delete out.gmpEnd; delete out.gmpInitial; delete out.gmpEvery; }
  return out;
}
