import { solveEnvelopeProx } from './envelope-prox.js';
import { checkK, checkStep, checkWeights, WgsefMethodError } from './errors.js';
import { ksupportSquared } from './k-support.js';

export type PenaltyName = 'envelope' | 'envelope-minus-l2' | 'group-lasso';
export const PENALTY_NAMES: readonly PenaltyName[] = ['envelope', 'envelope-minus-l2', 'group-lasso'];

/**
 * A group penalty seen through the group norms a_j = ‖θ_{G_j}‖₂ (unweighted) and the
 * hardware weights w_j (u_j = w_j·a_j). Every prox here is exact and moves each group along
 * its own direction, so it is a per-group scale: θ_{G_j} ← scale_j·θ_{G_j}. That is what the
 * training loop applies to tensors (norms with tfjs, scales here in plain TS).
 */
export interface GroupPenalty {
  readonly name: PenaltyName;
  /** Penalty value at group norms a. */
  value(norms: ArrayLike<number>, k: number, weights?: ArrayLike<number>): number;
  /** Scales s_j ∈ [0, 1+) of prox_{τ·penalty} (τ = η·λ); s_j = 0 for zero groups. */
  scales(norms: ArrayLike<number>, k: number, tau: number, weights?: ArrayLike<number>): Float64Array;
  /** Largest τ for which the prox is defined (and exact); Infinity when unbounded. */
  maxStep(weights?: ArrayLike<number>): number;
}

function weightedNorms(norms: ArrayLike<number>, weights?: ArrayLike<number>): Float64Array {
  const u = new Float64Array(norms.length);
  for (let j = 0; j < norms.length; j++) u[j] = (weights ? weights[j]! : 1) * norms[j]!;
  return u;
}

function ratio(n: Float64Array, a: ArrayLike<number>): Float64Array {
  for (let j = 0; j < n.length; j++) n[j] = a[j]! > 0 ? n[j]! / a[j]! : 0;
  return n;
}

/**
 * R(θ) = ½(‖u‖^{sp}_k)², the WGSEF envelope (the convex envelope of ½‖u‖² restricted to
 * ≤ k non-zero groups). Weighted prox: minimising ½‖θ − x‖² + τR(θ) over each group's norm
 * n_j (directions stay those of x) gives Σ_j ½(n_j − a_j)² + (τ/2)(‖w ⊙ n‖^{sp}_k)². With
 * non-uniform w this is NOT "prox of the norm vector u = w ⊙ a, then rescale by q_j/u_j":
 * substituting p = w ⊙ n turns the quadratic into Σ_j (1/(2w_j²))(p_j − u_j)², a weighted
 * metric. `solveEnvelopeProx` solves the weighted problem exactly; with uniform weights w
 * the two agree after replacing τ by τ·w².
 */
export const envelopePenalty: GroupPenalty = {
  name: 'envelope',
  value: (norms, k, weights) => 0.5 * ksupportSquared(weightedNorms(norms, weights), k),
  scales(norms, k, tau, weights) {
    return ratio(solveEnvelopeProx(norms, k, tau, weights ? { weights } : {}).n, norms);
  },
  maxStep: () => Infinity,
};

/**
 * R(θ) − ½‖u‖², the sparse envelope function proper (Beck & Refael 2022; weighted/grouped
 * in Refael et al.): ≥ 0, and 0 exactly when at most k groups are non-zero, so it does not
 * shrink a k-group-sparse θ at all. It is a difference of convex functions; its prox is
 * exact and unique only while τ·w_j² < 1: then, per group,
 *   ½‖θ_j − x_j‖² − (τ/2)w_j²‖θ_j‖² = (c_j/2)‖θ_j − x_j/c_j‖² + const,  c_j = 1 − τ·w_j²,
 * which is again a strongly convex group problem: centres a_j/c_j, curvatures c_j.
 * (Uniform w = 1: prox_{τ(R−½‖·‖²)}(x) = prox_{τ/(1−τ)·R}(x/(1−τ)).)
 */
export const envelopeMinusL2Penalty: GroupPenalty = {
  name: 'envelope-minus-l2',
  value(norms, k, weights) {
    const u = weightedNorms(norms, weights);
    let l2 = 0;
    for (let j = 0; j < u.length; j++) l2 += u[j]! * u[j]!;
    return Math.max(0, 0.5 * (ksupportSquared(u, k) - l2));
  },
  scales(norms, k, tau, weights) {
    const max = this.maxStep(weights);
    if (!(tau < max)) {
      throw new WgsefMethodError(`penalty envelope-minus-l2: the prox step η·λ = ${tau} must be < 1/max(w_j²) = ${max} (the prox of a difference of convex functions is only exact below it); lower the learning rate or lambda.max`);
    }
    const m = norms.length;
    const curvature = new Float64Array(m);
    const centre = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      const w = weights ? weights[j]! : 1;
      curvature[j] = 1 - tau * w * w;
      centre[j] = norms[j]! / curvature[j]!;
    }
    return ratio(solveEnvelopeProx(centre, k, tau, weights ? { weights, curvature } : { curvature }).n, norms);
  },
  maxStep(weights) {
    let w2 = 1;
    if (weights) { w2 = 0; for (let j = 0; j < weights.length; j++) w2 = Math.max(w2, weights[j]! * weights[j]!); }
    return w2 > 0 ? 1 / w2 : Infinity;
  },
};

/**
 * The control: weighted group lasso Σ_j w_j·‖θ_{G_j}‖₂ (Yuan & Lin 2006). Its prox is block
 * soft-thresholding, θ_j ← max(0, 1 − τw_j/‖x_j‖)·x_j. It has no k; the count of surviving
 * groups comes only from λ (raised until ≤ k groups survive, like WGSEF's).
 */
export const groupLassoPenalty: GroupPenalty = {
  name: 'group-lasso',
  value(norms, _k, weights) {
    let s = 0;
    for (let j = 0; j < norms.length; j++) s += (weights ? weights[j]! : 1) * norms[j]!;
    return s;
  },
  scales(norms, _k, tau, weights) {
    const out = new Float64Array(norms.length);
    for (let j = 0; j < norms.length; j++) {
      const a = norms[j]!;
      out[j] = a > 0 ? Math.max(0, 1 - (tau * (weights ? weights[j]! : 1)) / a) : 0;
    }
    return out;
  },
  maxStep: () => Infinity,
};

export function penaltyByName(name: string): GroupPenalty {
  switch (name) {
    case 'envelope': return envelopePenalty;
    case 'envelope-minus-l2': return envelopeMinusL2Penalty;
    case 'group-lasso': return groupLassoPenalty;
    default: throw new WgsefMethodError(`unknown WGSEF penalty "${name}"; use one of ${PENALTY_NAMES.join(', ')}`);
  }
}

/** Validates the shared arguments of a group prox call. */
export function checkGroupProx(m: number, k: number, tau: number, weights: ArrayLike<number> | undefined, where: string): void {
  checkK(k, where);
  checkStep(tau, where);
  checkWeights(weights, m, where);
}
