import type { Json } from './json.js';
import type { Sample } from './types.js';

/**
 * Per-dimension importance: how much of the variance of a metric (validation accuracy) across
 * the trials each searched dimension explains on its own. Method: one-way ANOVA per dimension.
 * The trials are grouped by the dimension's value (a numeric dimension with more than `bins`
 * distinct values is cut into `bins` equal-count quantile bins; any other value, e.g. a string,
 * a boolean or a list, is its own group). η² = SS_between / SS_total is the share of the
 * variance the grouping explains; with few trials η² is biased upwards (a dimension of k random
 * groups gets about (k − 1)/(n − 1)), so the ranking uses ω² = (SS_between − (k − 1)·MS_within) /
 * (SS_total + MS_within), clipped at 0, and `share` = ω² / Σ ω² over the dimensions.
 * Dimensions are taken one at a time: interactions are not attributed (not fANOVA).
 */
export interface DimensionImportance {
  dimension: string;
  /** Share of the total variance this dimension's groups explain (0..1). */
  eta2: number;
  /** Bias-corrected ω² (0..1, clipped at 0). */
  omega2: number;
  /** ω² normalised over all dimensions (sums to 1 when any dimension explains anything). */
  share: number;
  /** Number of groups (distinct values or bins). */
  groups: number;
}

export const IMPORTANCE_METHOD = 'one-way ANOVA per dimension: η² = SS_between / SS_total (numeric dimensions cut into up to 5 quantile bins), '
  + 'ranked by the bias-corrected ω² clipped at 0; share = ω² / Σω² (main effects only, interactions not attributed)';

/** Importance of each dimension for `values[i]` measured at `samples[i]`; dimensions with one value are left out. */
export function dimensionImportance(samples: readonly Sample[], values: readonly number[], bins = 5): DimensionImportance[] {
  const rows = samples.map((s, i) => ({ s, v: values[i]! })).filter((r) => Number.isFinite(r.v));
  const n = rows.length;
  if (n < 3) return [];
  const mean = rows.reduce((a, r) => a + r.v, 0) / n;
  const ssTotal = rows.reduce((a, r) => a + (r.v - mean) ** 2, 0);
  const dims = [...new Set(rows.flatMap((r) => Object.keys(r.s)))].sort();
  const out: DimensionImportance[] = [];
  for (const d of dims) {
    const keys = groupKeys(rows.map((r) => r.s[d]), bins);
    const groups = new Map<string, number[]>();
    rows.forEach((r, i) => { const k = keys[i]!; groups.set(k, [...(groups.get(k) ?? []), r.v]); });
    const k = groups.size;
    if (k < 2) continue;
    let ssBetween = 0;
    for (const g of groups.values()) {
      const m = g.reduce((a, x) => a + x, 0) / g.length;
      ssBetween += g.length * (m - mean) ** 2;
    }
    const eta2 = ssTotal > 0 ? Math.min(1, ssBetween / ssTotal) : 0;
    const msWithin = n > k ? (ssTotal - ssBetween) / (n - k) : 0;
    const omega2 = ssTotal > 0 ? Math.max(0, Math.min(1, (ssBetween - (k - 1) * msWithin) / (ssTotal + msWithin))) : 0;
    out.push({ dimension: d, eta2, omega2, share: 0, groups: k });
  }
  const total = out.reduce((a, x) => a + x.omega2, 0);
  for (const x of out) x.share = total > 0 ? x.omega2 / total : 0;
  return out.sort((a, b) => b.share - a.share || b.eta2 - a.eta2 || a.dimension.localeCompare(b.dimension));
}

/** A group key per value: quantile bins for a numeric dimension with many distinct values, else the value itself. */
function groupKeys(values: readonly (Json | undefined)[], bins: number): string[] {
  const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
  const distinct = new Set(values.map((v) => JSON.stringify(v ?? null)));
  if (!numeric || distinct.size <= bins) return values.map((v) => JSON.stringify(v ?? null));
  const sorted = (values as number[]).slice().sort((a, b) => a - b);
  // Upper edges of equal-count bins; equal values always share a bin.
  const edges = Array.from({ length: bins - 1 }, (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / bins)]!);
  return (values as number[]).map((v) => `bin${edges.filter((e) => v >= e).length}`);
}
