import { metricValue, type Objective, type Trial } from '../../search/index.js';
import { formatCount, oneLine, trialTag } from '../format/index.js';

export interface GroupSummary {
  /** `group/label`, or `(none)` for trials with neither. */
  group: string;
  trials: number;
  completed: number;
  /** Mean and sample standard deviation of the objective over completed trials (n − 1; 0 when n = 1). */
  mean?: number;
  std?: number;
  best?: number;
  meanSparsity?: number;
  meanSparseFlops?: number;
}

/**
 * Per-group statistics, for the comparisons the baselines are run for (searched vs
 * random-mask control vs dense parent, several seeds each): Farahani et al.'s protocol
 * compares groups by mean and spread, not by their single best trial.
 */
export function summariseGroups(trials: readonly Trial[], objective: Objective): GroupSummary[] {
  const groups = new Map<string, Trial[]>();
  for (const t of trials) {
    const key = trialTag(t) || '(none)';
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const out = [...groups].map(([group, ts]) => {
    const done = ts.filter((t) => t.state === 'completed');
    const values = done.map((t) => metricValue(t, objective.metric)).filter((v): v is number => v !== undefined);
    const s: GroupSummary = { group, trials: ts.length, completed: done.length };
    if (values.length) {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      s.mean = mean;
      s.std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
      s.best = objective.direction === 'maximize' ? Math.max(...values) : Math.min(...values);
    }
    if (done.length) {
      s.meanSparsity = done.reduce((a, t) => a + (t.metrics?.sparsity ?? 0), 0) / done.length;
      s.meanSparseFlops = done.reduce((a, t) => a + (t.metrics?.sparseFlops ?? 0), 0) / done.length;
    }
    return s;
  });
  return out.sort((a, b) => a.group.localeCompare(b.group));
}

/** Header and text rows of the group table, shared by the HTML and Markdown reports. */
export function groupTable(summaries: readonly GroupSummary[], objective: Objective): { headers: string[]; rows: string[][]; aligns: ('left' | 'right')[] } {
  const f = (v: number | undefined, d = 4) => (v === undefined ? '-' : v.toFixed(d));
  return {
    headers: ['group/label', 'trials', 'completed', `mean ${objective.metric}`, 'std', 'best', 'mean sparsity', 'mean sparse FLOPs'],
    rows: summaries.map((s) => [s.group, String(s.trials), String(s.completed), f(s.mean), f(s.std), f(s.best), f(s.meanSparsity, 3), formatCount(s.meanSparseFlops)]),
    aligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  };
}
