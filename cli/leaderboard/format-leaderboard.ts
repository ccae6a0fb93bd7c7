import { SparsenasError, infeasibleReason, type Objective, type Trial } from '../../search/index.js';
import { describeArchitecture, describeTrialArchitecture, oneLine, trialTag, truncate } from '../format/index.js';
import { toCsv } from './csv.js';
import { leaderboardColumns, type LeaderboardColumn } from './leaderboard-columns.js';
import { markdownTable } from './markdown.js';
import { queryObjective, selectLeaderboard, type LeaderboardEntry, type LeaderboardQuery } from './select-trials.js';
import { textTable } from './text-table.js';

export type LeaderboardFormat = 'table' | 'json' | 'csv' | 'md';
export const LEADERBOARD_FORMATS: readonly LeaderboardFormat[] = ['table', 'json', 'csv', 'md'];

export interface LeaderboardOptions extends LeaderboardQuery {
  format?: LeaderboardFormat;
  /** The study's objectives; the first is the default sort. */
  objectives?: readonly Objective[];
  /** Restrict to these column keys (see LEADERBOARD_COLUMNS); default all. */
  columns?: readonly string[];
  /** Table only: cut lines to this many columns (the terminal width) instead of letting them wrap. */
  maxWidth?: number;
}

/**
 * `sparsenas leaderboard`: the trials of a study, filtered, ranked and rendered. Output ends
 * without a trailing newline except CSV (RFC 4180 records end in CRLF).
 */
export function formatLeaderboard(trials: readonly Trial[], options: LeaderboardOptions = {}): string {
  const format = options.format ?? 'table';
  const entries = selectLeaderboard(trials, options, options.objectives);
  const cols = leaderboardColumns(queryObjective(options, options.objectives).metric, options.columns);
  switch (format) {
    case 'table':
      if (!entries.length) return emptyMessage(trials, options);
      return cut(textTable(cols.map((c) => c.header), textRows(entries, cols), cols.map((c) => c.align)), options.maxWidth);
    case 'md':
      return markdownTable(cols.map((c) => c.header), textRows(entries, cols), cols.map((c) => c.align));
    case 'csv':
      return toCsv(cols.map((c) => c.csvHeader ?? c.key), entries.map((e) => cols.map((c) => c.raw(e))));
    case 'json':
      return JSON.stringify(entries.map(entryJson), null, 2);
    default:
      throw new SparsenasError('FORMAT_UNKNOWN', `unknown leaderboard format "${String(format)}"; use one of ${LEADERBOARD_FORMATS.join(', ')}`);
  }
}

export function textRows(entries: readonly LeaderboardEntry[], cols: readonly LeaderboardColumn[]): string[][] {
  return entries.map((e) => cols.map((c) => c.text(e)));
}

/** One JSON record: best first, full metrics (with per-layer stats) and the architecture. */
export function entryJson(e: LeaderboardEntry): Record<string, unknown> {
  const t = e.trial;
  return {
    rank: e.rank ?? null, trial: t.number, state: t.state, group: t.group ?? null, label: t.label ?? null,
    seed: t.seed, summary: oneLine(describeTrialArchitecture(t)), tag: trialTag(t) || null,
    metrics: t.metrics ?? null, error: t.error ?? null, infeasible: infeasibleReason(t) ?? null, architecture: t.architecture, sample: t.sample,
    startedAt: t.startedAt, finishedAt: t.finishedAt ?? null,
  };
}

function emptyMessage(trials: readonly Trial[], options: LeaderboardQuery): string {
  if (!trials.length) return 'no trials yet';
  const completed = trials.filter((t) => t.state === 'completed').length;
  if (!completed) return `no completed trials (${trials.length} trials, none completed); add --all to list them`;
  return `no trial matches${options.where ? ` --where "${typeof options.where === 'string' ? options.where : options.where.map((f) => `${f.metric}${f.op}${f.value}`).join(' and ')}"` : ''} among ${completed} completed trials`;
}

function cut(table: string, width: number | undefined): string {
  return width && width > 0 ? table.split('\n').map((l) => truncate(l, width)).join('\n') : table;
}
