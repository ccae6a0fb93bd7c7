import { SparsenasError } from '../../../search/index.js';

/** Bad input to the WGSEF math or to the wgsef / group-lasso method options (k, λ, weights, group shapes). */
export class WgsefMethodError extends SparsenasError {
  constructor(message: string) {
    super('WGSEF_INVALID_ARGUMENT', message);
    this.name = 'WgsefMethodError';
  }
}

export function checkK(k: number, where: string): void {
  if (!Number.isInteger(k) || k < 1) throw new WgsefMethodError(`${where}: k must be a positive integer (number of groups kept), got ${k}`);
}

export function checkStep(tau: number, where: string): void {
  if (!Number.isFinite(tau) || tau < 0) throw new WgsefMethodError(`${where}: the prox step (η·λ) must be a finite number ≥ 0, got ${tau}`);
}

/** Per-group hardware weights: positive and finite, one per group. Undefined means all 1. */
export function checkWeights(weights: ArrayLike<number> | undefined, m: number, where: string): void {
  if (weights === undefined) return;
  if (weights.length !== m) throw new WgsefMethodError(`${where}: got ${weights.length} group weights for ${m} groups; pass one weight per group`);
  for (let j = 0; j < m; j++) {
    const w = weights[j]!;
    if (!(w > 0) || !Number.isFinite(w)) throw new WgsefMethodError(`${where}: group weight ${j} must be positive and finite, got ${w}`);
  }
}
