import type { EpochMetrics } from './types.js';

/**
 * Decides after each epoch whether a running trial should stop early. Variants come from
 * composition: `MedianPruner` is `PercentilePruner(50)`.
 */
export interface Pruner {
  /**
   * Called after every epoch of a running trial with its curve so far and the curves of the
   * study's completed and pruned trials (a pruned curve stops at the epoch it was pruned).
   * Returns true to prune.
   */
  shouldPrune(curve: readonly EpochMetrics[], finished: readonly (readonly EpochMetrics[])[]): boolean;
}

export class NopPruner implements Pruner {
  shouldPrune(): boolean {
    return false;
  }
}

/**
 * Keeps the top `percentile` % of trials (Optuna's PercentilePruner, maximising validation
 * accuracy): after the warm-up, prune when the trial's best value so far is below the
 * (100 − percentile)-th percentile of the other trials' values at the same epoch.
 * `PercentilePruner(25)` keeps the top quarter; `MedianPruner` is `PercentilePruner(50)`.
 */
export class PercentilePruner implements Pruner {
  constructor(
    readonly percentile: number,
    readonly warmupEpochs = 1,
    readonly minTrials = 3,
  ) {
    if (!(percentile >= 0 && percentile <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${percentile}`);
  }

  shouldPrune(curve: readonly EpochMetrics[], finished: readonly (readonly EpochMetrics[])[]): boolean {
    const epoch = curve.length;
    if (epoch <= this.warmupEpochs) return false;
    const others = finished.filter((c) => c.length >= epoch).map((c) => c[epoch - 1]!.valAccuracy);
    if (others.length < this.minTrials) return false;
    return bestUpTo(curve, epoch) < percentileOf(others, 100 - this.percentile);
  }
}

export class MedianPruner extends PercentilePruner {
  constructor(warmupEpochs = 1, minTrials = 3) {
    super(50, warmupEpochs, minTrials);
  }
}

/**
 * Successive halving (Jamieson & Talwalkar 2016), asynchronous form (ASHA): rungs at
 * epochs minEpochs·η^k; at a rung a trial continues only if it is in the top 1/η of the
 * trials that reached that rung.
 */
export class SuccessiveHalvingPruner implements Pruner {
  constructor(
    readonly minEpochs = 1,
    readonly reductionFactor = 3,
  ) {
    if (reductionFactor < 2) throw new RangeError(`reductionFactor must be >= 2, got ${reductionFactor}`);
  }

  shouldPrune(curve: readonly EpochMetrics[], finished: readonly (readonly EpochMetrics[])[]): boolean {
    const epoch = curve.length;
    if (!this.isRung(epoch)) return false;
    const peers = finished.filter((c) => c.length >= epoch).map((c) => bestUpTo(c, epoch));
    const mine = bestUpTo(curve, epoch);
    const all = [...peers, mine].sort((a, b) => b - a);
    const keep = Math.max(1, Math.floor(all.length / this.reductionFactor));
    if (all.length < this.reductionFactor) return false;
    return mine < all[keep - 1]!;
  }

  private isRung(epoch: number): boolean {
    for (let r = this.minEpochs; r <= epoch; r *= this.reductionFactor) if (r === epoch) return true;
    return false;
  }
}

function bestUpTo(curve: readonly EpochMetrics[], epoch: number): number {
  let best = -Infinity;
  for (let i = 0; i < Math.min(epoch, curve.length); i++) best = Math.max(best, curve[i]!.valAccuracy);
  return best;
}

function percentileOf(values: number[], p: number): number {
  const s = values.slice().sort((a, b) => a - b);
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Options are those of `prunerOptionSchemas` (config.ts), checked with the definition; the defaults here are the ones documented there. */
export function createPruner(name: 'none' | 'median' | 'successive-halving', options: Record<string, unknown> = {}): Pruner {
  const num = (k: string, d: number) => (typeof options[k] === 'number' ? (options[k] as number) : d);
  switch (name) {
    case 'none':
      return new NopPruner();
    case 'median':
      return new MedianPruner(num('warmupEpochs', 1), num('minTrials', 3));
    case 'successive-halving':
      return new SuccessiveHalvingPruner(num('minEpochs', 1), num('reductionFactor', 3));
  }
}
