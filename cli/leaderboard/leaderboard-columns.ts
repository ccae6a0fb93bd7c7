import { infeasibleReason, metricValue, type Trial } from '../../search/index.js';
import {
  describeArchitecture, describeTrialArchitecture, formatCount, formatDuration, formatFixed, oneLine, trialDurationMs, trialTag,
} from '../format/index.js';
import type { LeaderboardEntry } from './select-trials.js';

/** One leaderboard column: humanised `text` for tables and Markdown, `raw` for CSV and JSON. */
export interface LeaderboardColumn {
  key: string;
  header: string;
  /** CSV header when it differs from `key` (a unit: `time_s`). */
  csvHeader?: string;
  align: 'left' | 'right';
  text(entry: LeaderboardEntry): string;
  raw(entry: LeaderboardEntry): string | number | undefined;
}

const metric = (key: string, header: string, name: string, text: (v: number | undefined) => string): LeaderboardColumn => ({
  key, header, align: 'right',
  text: (e) => text(metricValue(e.trial, name)),
  raw: (e) => metricValue(e.trial, name),
});

export const LEADERBOARD_COLUMNS: readonly LeaderboardColumn[] = [
  { key: 'rank', header: 'rank', align: 'right', text: (e) => (e.rank === undefined ? '-' : String(e.rank)), raw: (e) => e.rank },
  { key: 'trial', header: 'trial', align: 'right', text: (e) => String(e.trial.number), raw: (e) => e.trial.number },
  // A trial that violates the study's constraints shows `infeasible` (never trained, or measured too slow).
  { key: 'state', header: 'state', align: 'left', text: (e) => stateText(e.trial), raw: (e) => stateText(e.trial) },
  metric('val_acc', 'val_acc', 'valAccuracy', (v) => formatFixed(v)),
  metric('test_acc', 'test_acc', 'testAccuracy', (v) => formatFixed(v)),
  metric('sparsity', 'sparsity', 'sparsity', (v) => formatFixed(v, 3)),
  metric('nonzeros', 'nonzeros', 'nonZeros', formatCount),
  metric('params', 'params', 'params', formatCount),
  metric('sparse_flops', 'sparse FLOPs', 'sparseFlops', formatCount),
  metric('dense_flops', 'dense FLOPs', 'denseFlops', formatCount),
  {
    key: 'time', header: 'time', csvHeader: 'train_time_s', align: 'right', text: (e) => formatDuration(trialDurationMs(e.trial)),
    raw: (e) => { const ms = trialDurationMs(e.trial); return ms === undefined ? undefined : ms / 1000; },
  },
  { key: 'tag', header: 'group/label', align: 'left', text: (e) => trialTag(e.trial) || '-', raw: (e) => trialTag(e.trial) || undefined },
  { key: 'architecture', header: 'architecture', align: 'left', text: (e) => archText(e.trial), raw: (e) => archText(e.trial) },
];

function stateText(t: Trial): string {
  return infeasibleReason(t) ? 'infeasible' : t.state;
}

const KNOWN_METRICS: Record<string, string> = {
  valAccuracy: 'val_acc', testAccuracy: 'test_acc', sparsity: 'sparsity', nonZeros: 'nonzeros', params: 'params',
  sparseFlops: 'sparse_flops', denseFlops: 'dense_flops', trainTimeMs: 'time', number: 'trial',
};

/**
 * The standard columns, plus one for the sort metric when it is not already shown
 * (e.g. `--sort extra.nodeSparsity`), placed before group/label and the architecture.
 */
export function leaderboardColumns(sortMetric?: string, only?: readonly string[]): LeaderboardColumn[] {
  let cols = LEADERBOARD_COLUMNS.slice();
  if (sortMetric && !KNOWN_METRICS[sortMetric]) {
    const extra = metric(sortMetric, sortMetric, sortMetric, (v) => (v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toPrecision(4)));
    cols.splice(cols.length - 2, 0, extra);
  }
  if (only) cols = cols.filter((c) => only.includes(c.key) || c.key === sortMetric);
  return cols;
}

function archText(trial: Trial): string {
  return oneLine(describeTrialArchitecture(trial));
}
