import type { EpochMetrics } from '../../search/index.js';

import { mean, tQuantile } from './inference.js';
export { mean };

/** Sample standard deviation (n − 1); 0 for a single value. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return xs.length ? 0 : NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Standard error of the mean. */
export function sem(xs: readonly number[]): number {
  return xs.length ? std(xs) / Math.sqrt(xs.length) : NaN;
}

/** `mean ± std` with `digits` decimals; values scaled by `scale` first (100 for percentages). */
export function meanStd(xs: readonly number[], digits = 2, scale = 1): string {
  const finite = xs.filter(Number.isFinite);
  if (!finite.length) return '—';
  return `${(mean(finite) * scale).toFixed(digits)} ± ${(std(finite) * scale).toFixed(digits)}`;
}

/** First epoch whose validation accuracy reaches `threshold`; Infinity if it never does. */
export function epochsToThreshold(curve: readonly EpochMetrics[], threshold: number): number {
  const hit = curve.find((e) => e.valAccuracy >= threshold);
  return hit ? hit.epoch : Infinity;
}

/**
 * Fractional epochs until validation accuracy first reaches `threshold`, linear between epoch ends,
 * the curve starting at `start` (chance accuracy) at epoch 0; Infinity if it never does.
 * E.g. accuracies 0.5, 0.9 at epochs 1, 2 reach 0.7 at epoch 1.5.
 */
export function epochsToThresholdInterpolated(curve: readonly EpochMetrics[], threshold: number, start: number): number {
  let prevEpoch = 0, prev = start;
  for (const e of [...curve].sort((a, b) => a.epoch - b.epoch)) {
    if (e.valAccuracy >= threshold) {
      if (prev >= threshold) return prevEpoch;
      return prevEpoch + ((threshold - prev) / (e.valAccuracy - prev)) * (e.epoch - prevEpoch);
    }
    prevEpoch = e.epoch; prev = e.valAccuracy;
  }
  return Infinity;
}

/** Validation accuracy at the last epoch of a curve (NaN for an empty curve). */
export function finalValAccuracy(curve: readonly EpochMetrics[]): number {
  if (!curve.length) return NaN;
  return curve.reduce((a, e) => (e.epoch > a.epoch ? e : a)).valAccuracy;
}

/** Optimiser steps of one run: epochs × ⌈training images (80% of the subset; validation fraction 0.2) / batch 128⌉. */
export function trainingSteps(subset: number, epochs: number): number {
  return epochs * Math.ceil(Math.round(subset * 0.8) / 128);
}

/** Paired differences a_i − b_i over keys present in both maps (replicate → value). */
export function paired(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): number[] {
  const out: number[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w !== undefined && Number.isFinite(v) && Number.isFinite(w)) out.push(v - w);
  }
  return out;
}

/** Paired t statistic (mean / SE) with its 5% two-sided critical value, e.g. `t = 3.14 (critical 3.18, df 3)`. */
export function describeT(d: readonly number[]): string {
  if (d.length < 2) return 't undefined (n < 2)';
  const se = sem(d);
  const t = se > 0 ? mean(d) / se : mean(d) === 0 ? 0 : Math.sign(mean(d)) * Infinity;
  return `t = ${t.toFixed(2)} (critical ${t975(d.length - 1).toFixed(2)}, df ${d.length - 1})`;
}

/** Paired difference as `+x.xx ± y.yy (SE), n = k` in percentage points. */
export function describeDiff(d: readonly number[]): string {
  if (!d.length) return 'no paired replicates';
  const sign = mean(d) >= 0 ? '+' : '';
  return `${sign}${(mean(d) * 100).toFixed(2)} ± ${(sem(d) * 100).toFixed(2)} pp (mean ± SE, n = ${d.length})`;
}

/** Two-sided 95% quantile of Student's t, exact for every df (see inference.ts). */
export function t975(df: number): number {
  return tQuantile(0.975, df);
}

/**
 * Classify a paired difference with a paired t-test at 5% (two-sided): 'above' when the mean
 * is more than t·SE above 0, 'below' when more than t·SE below, else 'tie' (no detectable difference).
 */
export function compare(d: readonly number[]): 'above' | 'below' | 'tie' {
  if (d.length < 2) return 'tie';
  const m = mean(d), bound = t975(d.length - 1) * sem(d);
  if (m > 0 && m > bound) return 'above';
  if (m < 0 && -m > bound) return 'below';
  return 'tie';
}

/** A markdown table from a header and rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Unpaired difference mean(a) − mean(b) with Welch's standard error, in percentage points, and
 * whether it is significant at 5% (two-sided, Welch–Satterthwaite degrees of freedom), e.g.
 * `−1.20 ± 0.40 pp (Welch SE, n = 3 vs 3; below)`.
 */
export function unpaired(a: readonly number[], b: readonly number[]): string {
  const x = a.filter(Number.isFinite), y = b.filter(Number.isFinite);
  if (!x.length || !y.length) return 'no runs to compare';
  const d = mean(x) - mean(y);
  const va = x.length > 1 ? std(x) ** 2 / x.length : 0, vb = y.length > 1 ? std(y) ** 2 / y.length : 0;
  const se = Math.sqrt(va + vb);
  const df = va + vb > 0 && x.length > 1 && y.length > 1 ? (va + vb) ** 2 / (va ** 2 / (x.length - 1) + vb ** 2 / (y.length - 1)) : 0;
  const verdict = df < 1 ? 'untested (n < 2)' : Math.abs(d) > t975(df) * se ? (d > 0 ? 'above' : 'below') : 'tie';
  return `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)} ± ${(se * 100).toFixed(2)} pp (Welch SE, n = ${x.length} vs ${y.length}; ${verdict})`;
}
