import { SparsenasError } from './errors.js';
import type { Trial } from './types.js';

export interface Objective {
  metric: string;
  direction: 'maximize' | 'minimize';
}

/** Metric names the leaderboard understands, with the direction that is better. */
export const METRICS: Record<string, 'maximize' | 'minimize'> = {
  valAccuracy: 'maximize', valLoss: 'minimize', trainLoss: 'minimize', trainAccuracy: 'maximize',
  testAccuracy: 'maximize', testLoss: 'minimize', params: 'minimize', nonZeros: 'minimize',
  sparsity: 'maximize', denseFlops: 'minimize', sparseFlops: 'minimize', trainTimeMs: 'minimize',
  samplesPerSecond: 'maximize', epochs: 'minimize', number: 'minimize',
  latencyMsB1: 'minimize', latencyMsB128: 'minimize',
};

/**
 * The leaderboard's column names (what the table and CSV show) and the metric each stands for.
 * `time` is shown in seconds, so a filter on it is read in seconds (`time<60`).
 */
export const METRIC_ALIASES: Record<string, { metric: string; scale?: number }> = {
  val_acc: { metric: 'valAccuracy' }, test_acc: { metric: 'testAccuracy' }, val_loss: { metric: 'valLoss' },
  test_loss: { metric: 'testLoss' }, train_loss: { metric: 'trainLoss' }, train_acc: { metric: 'trainAccuracy' },
  nonzeros: { metric: 'nonZeros' }, sparse_flops: { metric: 'sparseFlops' }, dense_flops: { metric: 'denseFlops' },
  trial: { metric: 'number' }, time: { metric: 'trainTimeMs', scale: 1000 }, time_s: { metric: 'trainTimeMs', scale: 1000 },
  train_time_s: { metric: 'trainTimeMs', scale: 1000 }, train_time_ms: { metric: 'trainTimeMs' },
  latency_b1_ms: { metric: 'latencyMsB1' }, latency_b128_ms: { metric: 'latencyMsB128' },
};

/** The metric key a name stands for: a column name (`val_acc`) becomes its key (`valAccuracy`); others are kept. */
export function canonicalMetric(name: string): string {
  return METRIC_ALIASES[name]?.metric ?? name;
}

/**
 * Throws UNKNOWN_METRIC (a usage error) unless `name` is a known metric, a column name, or an
 * `extra` metric (`NAME` or `extra.NAME`) that one of `trials` reports. `where` says where the
 * name was written, for the message. When no trial has metrics yet nothing can be checked.
 */
export function checkMetricName(name: string, trials: readonly Trial[], where: string): void {
  if (METRICS[name] || METRIC_ALIASES[name]) return;
  const extras = new Set<string>();
  let measured = false;
  for (const t of trials) {
    if (!t.metrics) continue;
    measured = true;
    for (const k of Object.keys(t.metrics.extra ?? {})) extras.add(k);
  }
  if (!measured) return;
  const key = name.startsWith('extra.') ? name.slice(6) : name;
  if (extras.has(key)) return;
  const columns = Object.entries(METRIC_ALIASES).filter(([, a]) => !a.scale).map(([c, a]) => `${c} (${a.metric})`);
  const rest = Object.keys(METRICS).filter((m) => !Object.values(METRIC_ALIASES).some((a) => a.metric === m));
  const extraList = extras.size ? `; extra metrics of these trials: ${[...extras].sort().map((k) => `extra.${k}`).join(', ')}` : '';
  throw new SparsenasError('UNKNOWN_METRIC',
    `unknown metric "${name}" ${where}; known: ${[...columns, ...rest, 'time (seconds)'].join(', ')}${extraList}`);
}

/** Value of a metric for a trial: a Metrics field, `number`, or `extra.NAME` / `NAME` from extra. */
export function metricValue(trial: Trial, metric: string): number | undefined {
  if (metric === 'number') return trial.number;
  const m = trial.metrics;
  if (!m) return undefined;
  const direct = (m as unknown as Record<string, unknown>)[metric];
  if (typeof direct === 'number') return direct;
  const key = metric.startsWith('extra.') ? metric.slice(6) : metric;
  const extra = m.extra?.[key];
  return typeof extra === 'number' ? extra : undefined;
}

export function directionOf(metric: string): 'maximize' | 'minimize' {
  return METRICS[metric] ?? 'maximize';
}

/**
 * `attributes.role` values of trials that are stored and shown but never ranked: a one-shot
 * supernet (DASS, DARTS) is a mixture of every candidate op, not a network to deploy, so it
 * is left out of rankings, the best trial, the Pareto front and the test phase.
 */
export const UNRANKED_ROLES: readonly string[] = ['supernet'];

/**
 * Whether a trial competes in rankings: it is completed, its role is not in `UNRANKED_ROLES`,
 * and it meets the study's constraints (`metrics.infeasible` unset; search/constraints.ts).
 */
export function ranks(trial: Trial): boolean {
  const role = trial.attributes?.['role'];
  return trial.state === 'completed' && !trial.metrics?.infeasible && !(typeof role === 'string' && UNRANKED_ROLES.includes(role));
}

/** Completed trials that rank (not supernets), best first by `objective`; trials without the metric go last. */
export function rankTrials(trials: readonly Trial[], objective: Objective): Trial[] {
  const sign = objective.direction === 'maximize' ? -1 : 1;
  return trials
    .filter(ranks)
    .slice()
    .sort((a, b) => {
      const va = metricValue(a, objective.metric);
      const vb = metricValue(b, objective.metric);
      if (va === undefined && vb === undefined) return a.number - b.number;
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      return va === vb ? a.number - b.number : sign * (va - vb);
    });
}

export function bestTrial(trials: readonly Trial[], objective: Objective): Trial | undefined {
  return rankTrials(trials, objective)[0];
}

export interface Filter {
  metric: string;
  op: '>=' | '<=' | '>' | '<' | '==' | '!=';
  value: number;
}

/**
 * Parse `sparsity>=0.9` (several joined by `,` or ` and `). A column name (`val_acc>0.8`,
 * `nonzeros<100000`, `time<60` in seconds) becomes its metric key and unit.
 */
export function parseFilter(text: string): Filter[] {
  return text
    .split(/\s*(?:,|\band\b)\s*/)
    .filter(Boolean)
    .map((part) => {
      const m = /^\s*([A-Za-z_.][\w.]*)\s*(>=|<=|==|!=|=|>|<)\s*(-?[\d.]+(?:e-?\d+)?)\s*$/.exec(part);
      // `[\d.]+` also matches "1.2.3" or "."; Number() makes those NaN, which no trial would match.
      if (!m || !Number.isFinite(Number(m[3]))) {
        throw new SparsenasError('FILTER_INVALID', `cannot read the filter "${part}": write METRIC OP NUMBER, e.g. "sparsity>=0.9" (operators >= <= > < == !=)`);
      }
      const op = (m[2] === '=' ? '==' : m[2]) as Filter['op'];
      const alias = METRIC_ALIASES[m[1]!];
      return { metric: alias?.metric ?? m[1]!, op, value: Number(m[3]) * (alias?.scale ?? 1) };
    });
}

export function applyFilters(trials: readonly Trial[], filters: readonly Filter[]): Trial[] {
  return trials.filter((t) =>
    filters.every((f) => {
      const v = metricValue(t, f.metric);
      if (v === undefined) return false;
      switch (f.op) {
        case '>=': return v >= f.value;
        case '<=': return v <= f.value;
        case '>': return v > f.value;
        case '<': return v < f.value;
        case '==': return v === f.value;
        case '!=': return v !== f.value;
      }
    }),
  );
}

/**
 * Non-dominated completed trials that rank (not supernets) for several objectives (default: maximise validation
 * accuracy, minimise sparse FLOPs). O(n²), fine for study sizes.
 */
export function paretoFront(
  trials: readonly Trial[],
  objectives: readonly Objective[] = [{ metric: 'valAccuracy', direction: 'maximize' }, { metric: 'sparseFlops', direction: 'minimize' }],
): Trial[] {
  const pts = trials
    .filter(ranks)
    .map((t) => ({ t, v: objectives.map((o) => metricValue(t, o.metric)) }))
    .filter((p) => p.v.every((x) => x !== undefined)) as { t: Trial; v: number[] }[];
  const better = (a: number, b: number, o: Objective) => (o.direction === 'maximize' ? a > b : a < b);
  const worse = (a: number, b: number, o: Objective) => (o.direction === 'maximize' ? a < b : a > b);
  const dominates = (a: number[], b: number[]) =>
    objectives.every((o, i) => !worse(a[i]!, b[i]!, o)) && objectives.some((o, i) => better(a[i]!, b[i]!, o));
  return pts.filter((p) => !pts.some((q) => q !== p && dominates(q.v, p.v))).map((p) => p.t);
}
