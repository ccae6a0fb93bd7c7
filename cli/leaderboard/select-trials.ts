import {
  applyFilters, canonicalMetric, infeasibleReason, checkMetricName, directionOf, paretoFront, parseFilter, rankTrials,
  type Filter, type Objective, type Trial,
} from '../../search/index.js';

/** What `sparsenas leaderboard` and the reports ask for. */
export interface LeaderboardQuery {
  /** Metric to rank by; default the study's first objective, else `valAccuracy`. */
  sort?: string;
  /** Default: the metric's natural direction (`METRICS` in search/leaderboard.ts). */
  direction?: 'maximize' | 'minimize';
  /** `--where "sparsity>=0.9, valAccuracy>0.8"` or parsed filters. */
  where?: string | readonly Filter[];
  /** Keep only the Pareto front: `true` for accuracy vs sparse FLOPs, or explicit objectives. */
  pareto?: boolean | readonly Objective[];
  /** Keep the best N after ranking. */
  top?: number;
  /** Also list pruned, failed, interrupted and infeasible trials, unranked, after the ranked ones. */
  all?: boolean;
}

export interface LeaderboardEntry {
  /** 1-based rank among completed trials; undefined for trials that are not ranked. */
  rank?: number;
  trial: Trial;
}

/** The objective a query ranks by. */
export function queryObjective(query: LeaderboardQuery, objectives?: readonly Objective[]): Objective {
  if (query.sort) {
    const metric = canonicalMetric(query.sort);
    return { metric, direction: query.direction ?? directionOf(metric) };
  }
  const first = objectives?.[0];
  if (first) return query.direction ? { ...first, direction: query.direction } : first;
  return { metric: 'valAccuracy', direction: query.direction ?? 'maximize' };
}

/**
 * An unknown metric in the sort or a filter is an error listing the known ones
 * (UNKNOWN_METRIC), never an empty column or a filter that matches nothing.
 */
export function checkQueryMetrics(trials: readonly Trial[], query: LeaderboardQuery, filters?: readonly Filter[]): void {
  if (query.sort) checkMetricName(query.sort, trials, 'to sort by (--sort)');
  const fs = filters ?? (typeof query.where === 'string' ? parseFilter(query.where) : query.where ?? []);
  for (const f of fs) checkMetricName(f.metric, trials, `in the filter (--where) "${f.metric}${f.op}${f.value}"`);
}

/**
 * Filter → Pareto front → rank → top N. Filters apply before the front so `--where
 * sparsity>=0.9 --pareto` is the front among the sparse trials, as users expect.
 */
export function selectLeaderboard(trials: readonly Trial[], query: LeaderboardQuery = {}, objectives?: readonly Objective[]): LeaderboardEntry[] {
  const filters = (typeof query.where === 'string' ? parseFilter(query.where) : query.where ?? [])
    .map((f) => ({ ...f, metric: canonicalMetric(f.metric) }));
  checkQueryMetrics(trials, query, filters);
  let pool = filters.length ? applyFilters(trials, filters) : trials.slice();
  if (query.pareto) pool = query.pareto === true ? paretoFront(pool) : paretoFront(pool, query.pareto);
  const ranked = rankTrials(pool, queryObjective(query, objectives));
  const top = query.top !== undefined ? ranked.slice(0, Math.max(0, query.top)) : ranked;
  const entries: LeaderboardEntry[] = top.map((trial, i) => ({ rank: i + 1, trial }));
  if (query.all && !query.pareto) {
    // Completed trials that violate the constraints (too slow) are listed, unranked, with the rest.
    const rest = pool.filter((t) => t.state !== 'completed' || infeasibleReason(t)).sort((a, b) => a.number - b.number);
    for (const trial of rest) entries.push({ trial });
  }
  return entries;
}
