import { checkK, WgsefMethodError } from './errors.js';
import { countNonZeroGroups } from './groups.js';
import type { GroupPenalty } from './penalties.js';

export interface LambdaScheduleOptions {
  /** λ at the start of training. */
  initial: number;
  /** Factor applied while more than k groups are non-zero (> 1). */
  growth: number;
  /** Cap on λ. */
  max: number;
  /** Check (and grow) every this many optimiser steps; default once per epoch. */
  everySteps?: number;
}

export function checkLambdaSchedule(o: LambdaScheduleOptions, where: string): void {
  if (!(o.initial > 0) || !Number.isFinite(o.initial)) throw new WgsefMethodError(`${where}: lambda.initial must be a positive number, got ${o.initial}`);
  if (!(o.growth > 1) || !Number.isFinite(o.growth)) throw new WgsefMethodError(`${where}: lambda.growth must be a number > 1, got ${o.growth}`);
  if (!(o.max >= o.initial) || !Number.isFinite(o.max)) throw new WgsefMethodError(`${where}: lambda.max must be a finite number ≥ lambda.initial (${o.initial}), got ${o.max}`);
  if (o.everySteps !== undefined && !(Number.isInteger(o.everySteps) && o.everySteps >= 1)) throw new WgsefMethodError(`${where}: lambda.everySteps must be a positive integer (optimiser steps between checks), got ${o.everySteps}`);
}

/**
 * "Raise λ until at most k groups are non-zero" [choice, algorithms.md]: the loop calls
 * `update` at each check (every epoch, or every few steps) with the number of non-zero
 * groups; λ grows geometrically, capped at `max`, and stops growing once ≤ k groups remain
 * (it never decreases, so groups that died stay dead under the prox).
 */
export class LambdaSchedule {
  private current: number;
  private done = false;

  constructor(private readonly options: LambdaScheduleOptions, private readonly k: number) {
    checkLambdaSchedule(options, 'LambdaSchedule');
    checkK(k, 'LambdaSchedule');
    this.current = options.initial;
  }

  get lambda(): number { return this.current; }
  /** True once a check saw ≤ k non-zero groups. */
  get reached(): boolean { return this.done; }

  update(nonZeroGroups: number): number {
    if (nonZeroGroups <= this.k) this.done = true;
    else if (!this.done) this.current = Math.min(this.options.max, this.current * this.options.growth);
    return this.current;
  }

  snapshot(): { lambda: number; reached: boolean } { return { lambda: this.current, reached: this.done }; }
  restore(state: { lambda: number; reached: boolean }): void { this.current = state.lambda; this.done = state.reached; }
}

/**
 * The smallest prox step τ after which one prox of `penalty` leaves at most k non-zero
 * groups (bisection on the count, which falls as τ grows). Closed forms it must agree with,
 * for unit weights: envelope τ_min = z_{k+1}/(z_k − z_{k+1}) (z = sorted norms); group lasso
 * τ_min = z_{k+1}; envelope − ½‖·‖²: τ_min/(1 + τ_min) of the envelope's. Returns Infinity when no
 * τ gets there: a tie between the k-th and (k+1)-th group norms, or a near-tie that would
 * need τ > 1e12·max(1, max a_j) (the envelope's τ is scale-free; there rounding decides).
 */
export function minimalStepForK(norms: ArrayLike<number>, k: number, penalty: GroupPenalty, weights?: ArrayLike<number>): number {
  checkK(k, 'minimalStepForK');
  const count = (tau: number): number => countNonZeroGroups(penalty.scales(norms, k, tau, weights));
  if (countNonZeroGroups(norms) <= k) return 0;
  const limit = penalty.maxStep(weights);
  let lo = 0;
  let hi = 1;
  if (limit < Infinity) hi = limit / 2;
  let largest = 1;
  for (let j = 0; j < norms.length; j++) largest = Math.max(largest, norms[j]!);
  while (count(hi) > k) {
    if (hi > 1e12 * largest || (limit < Infinity && limit - hi <= 1e-12 * limit)) return Infinity;
    lo = hi;
    hi = limit < Infinity ? (hi + limit) / 2 : hi * 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (count(mid) > k) lo = mid; else hi = mid;
  }
  return hi;
}
