import { checkGroupProx, envelopePenalty, type GroupPenalty } from './penalties.js';

/** A parameter vector partitioned into groups (neurons, filters, channels, single weights). */
export type GroupedVector = readonly ArrayLike<number>[];

/** a_j = ‖θ_{G_j}‖₂ (unweighted). */
export function groupNorms(groups: GroupedVector): Float64Array {
  const out = new Float64Array(groups.length);
  groups.forEach((g, j) => {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
    out[j] = Math.sqrt(s);
  });
  return out;
}

/** u_j = w_j·‖θ_{G_j}‖₂, the weighted group norms the envelope acts on. */
export function weightedGroupNorms(groups: GroupedVector, weights?: ArrayLike<number>): Float64Array {
  const a = groupNorms(groups);
  if (weights) for (let j = 0; j < a.length; j++) a[j] = a[j]! * weights[j]!;
  return a;
}

/** R(θ) = ½(‖u‖^{sp}_k)², u the weighted group norms. ≥ ½‖u‖², equal iff ≤ k groups are non-zero. */
export function envelopeValue(groups: GroupedVector, k: number, weights?: ArrayLike<number>): number {
  return envelopePenalty.value(groupNorms(groups), k, weights);
}

export interface ProxGroupsOptions {
  weights?: ArrayLike<number>;
  /** Default: the envelope R. */
  penalty?: GroupPenalty;
}

/**
 * prox_{τ·penalty}(θ) on a grouped vector, τ = η·λ: the group norms go through the exact
 * norm-level prox and every group is rescaled by its new norm over its old one (the
 * minimiser keeps each group's direction; see `GroupPenalty`). Returns new arrays.
 */
export function proxGroups(groups: GroupedVector, k: number, tau: number, options: ProxGroupsOptions = {}): Float64Array[] {
  checkGroupProx(groups.length, k, tau, options.weights, 'proxGroups');
  const penalty = options.penalty ?? envelopePenalty;
  const scales = penalty.scales(groupNorms(groups), k, tau, options.weights);
  return groups.map((g, j) => Float64Array.from(g, (x) => x * scales[j]!));
}

/** Number of groups with a non-zero norm. */
export function countNonZeroGroups(norms: ArrayLike<number>): number {
  let n = 0;
  for (let j = 0; j < norms.length; j++) if (norms[j]! > 0) n++;
  return n;
}
